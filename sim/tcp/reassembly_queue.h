/// \file
/// ReassemblyQueue: the receiver's out-of-order queue (Linux's
/// out_of_order_queue, tcp_data_queue_ofo): data that arrived beyond a hole
/// in the sequence space, and a FIN that arrived there.
//
// Segments are keyed by their 64-bit stream offset (bytes since irs + 1),
// so the order survives sequence-number wrap. Entries are disjoint and
// never adjacent: Insert merges a segment with every entry it overlaps or
// touches, so bytes() counts each byte once (it is charged to the receive
// buffer). Without SACK, the queue's shape is not reported to the peer.
//
// Most connections never receive out of order: the runs live in a block
// allocated by the first Insert, so an idle connection's queue is three
// words.
//
// Threading: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "simsock/sim/tcp/byte_queue.h"

namespace simsock::sim::tcp {

/// The out-of-order queue of one receiving connection: disjoint,
/// non-adjacent runs of bytes keyed by 64-bit stream offset, and an
/// out-of-order FIN. Not thread-safe.
class ReassemblyQueue {
 public:
  /// An empty queue (allocates nothing).
  ReassemblyQueue() = default;
  /// A deep copy (a TIME_WAIT's copy of the control block).
  ReassemblyQueue(const ReassemblyQueue& other);
  /// Copies `other`'s runs and FIN.
  ReassemblyQueue& operator=(const ReassemblyQueue& other);
  /// Takes `other`'s runs; `other` is left empty.
  ReassemblyQueue(ReassemblyQueue&& other) noexcept = default;
  /// Takes `other`'s runs and FIN.
  ReassemblyQueue& operator=(ReassemblyQueue&& other) noexcept = default;
  ~ReassemblyQueue() = default;

  /// Holds len bytes at stream offset off, merged with their neighbours
  /// (bytes already held are kept once). O(log n + k) for k runs merged;
  /// allocates the merged run.
  void Insert(uint64_t off, const uint8_t* data, size_t len);
  /// Moves what the hole's filling made in order: every entry starting at or
  /// before `next` (the stream offset of RCV.NXT) goes, its part from `next`
  /// on appended to `in_order`. Returns the bytes appended (0 when the hole
  /// is still open).
  size_t Drain(uint64_t next, ByteQueue* in_order);

  /// True when no data is held (an out-of-order FIN may still be).
  bool empty() const { return runs_ == nullptr || runs_->segments.empty(); }
  /// Payload bytes held beyond the hole.
  size_t bytes() const { return runs_ == nullptr ? 0 : runs_->bytes; }
  /// Number of disjoint runs held (tests).
  size_t runs() const { return runs_ == nullptr ? 0 : runs_->segments.size(); }

  /// Records a FIN in the window, at stream offset off; it is processed once
  /// the data before it is all in (at once, or after a hole fills).
  void SetFin(uint64_t off) { fin_off_ = off; }
  /// True when a FIN is held at stream offset off (never kNoFin).
  bool FinAt(uint64_t off) const { return fin_off_ == off; }
  /// Forgets the held FIN (once it is processed).
  void ClearFin() { fin_off_ = kNoFin; }

  /// Drops every run and the FIN (the connection went to CLOSED).
  void Clear();

 private:
  struct Runs {
    std::map<uint64_t, std::vector<uint8_t>> segments;
    size_t bytes = 0;
  };
  // No FIN held: an offset no stream reaches (2^64 - 1 bytes), rather
  // than a flag that would pad every control block by 8 bytes.
  static constexpr uint64_t kNoFin = ~uint64_t{0};

  std::unique_ptr<Runs> runs_;  // null until the first Insert
  uint64_t fin_off_ = kNoFin;   // the held FIN's stream offset
};

}  // namespace simsock::sim::tcp
