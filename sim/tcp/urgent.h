/// \file
/// Urgent data (MSG_OOB), Linux's reading of it rather than RFC 9293's: one
/// urgent byte, the last one sent with MSG_OOB, and a pointer one past it
/// (tcp_stdurg = 0).
//
// UrgentSender is tcp_mark_urg / tcp_urg_mode: the sequence number after
// the urgent byte (snd_up) while that byte is unacknowledged; every
// segment that starts before it carries URG and the pointer
// (tcp_transmit_skb), and Nagle and the cork do not hold it.
//
// UrgentReceiver is tp->urg_data and tp->urg_seq (tcp_check_urg, tcp_urg,
// tcp_recvmsg_locked), with stream offsets instead of sequence numbers:
// it keeps the newest mark only, takes the urgent byte's value from the
// segment that carries it (in order or not), and the Tcb takes that byte
// out of the stream unless SO_OOBINLINE; a read never crosses the mark.
//
// Threading: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "simsock/sim/tcp/seq.h"

namespace simsock::sim::tcp {

/// The sender's urgent mode (tcp_mark_urg, tcp_urg_mode): where the urgent
/// pointer points while the urgent byte is unacknowledged. O(1); no allocation.
class UrgentSender {
 public:
  /// tcp_mark_urg: snd_up = write_seq, one past the last byte queued.
  void Mark(SeqNum snd_up) {
    mode_ = true;
    snd_up_ = snd_up;
  }
  /// tcp_clean_rtx_queue: the urgent byte is acknowledged, urgent mode ends.
  void OnAck(SeqNum snd_una) {
    if (mode_ && snd_up_ <= snd_una) mode_ = false;
  }
  /// tcp_urg_mode: Nagle and the cork let urgent data through.
  bool mode() const { return mode_; }
  /// The urgent pointer a segment starting at seq carries, if any: while in
  /// urgent mode, for a segment before snd_up, when it fits 16 bits.
  bool PointerFor(SeqNum seq, uint16_t* ptr) const;

 private:
  bool mode_ = false;
  SeqNum snd_up_;
};

/// The receiver's urgent mark and byte (tp->urg_data, tp->urg_seq), by stream
/// offset. O(1); no allocation.
class UrgentReceiver {
 public:
  /// What tcp_recv_urg sees: no mark, a mark whose byte has not arrived,
  /// the byte arrived and unread (valid), or read with MSG_OOB.
  enum class State : uint8_t { kNone, kNotYet, kValid, kRead };

  /// tcp_check_urg: a segment's urgent pointer names the byte at stream
  /// offset `off`; rcv_off is the offset of RCV.NXT. An older mark, or one
  /// into data already received, is ignored. Returns true when the new mark
  /// replaces an old one whose byte is next to be read (`copied`) and out of
  /// line: that byte must be dropped from the stream, or it would be read
  /// again as data.
  bool OnPointer(int64_t off, uint64_t rcv_off, uint64_t copied,
                 bool oob_inline);
  /// tcp_urg: a segment whose payload starts at stream offset seg_off may
  /// carry the urgent byte; if so, its value is kept.
  void OnPayload(int64_t seg_off, const std::vector<uint8_t>& payload);

  /// Where the mark stands.
  State state() const { return state_; }
  /// A mark is known (any state but kNone).
  bool any() const { return state_ != State::kNone; }
  /// Stream offset of the urgent byte (meaningful when any()).
  uint64_t offset() const { return off_; }
  /// The urgent byte's value (meaningful in kValid and kRead).
  uint8_t byte() const { return byte_; }
  /// The urgent byte is at stream offset `copied` (the next to be read).
  bool At(uint64_t copied) const { return any() && off_ == copied; }
  /// The byte was read with MSG_OOB (kRead: a second MSG_OOB read gets EINVAL).
  void MarkRead() { state_ = State::kRead; }
  /// A read went past the byte, or the connection was aborted.
  void Clear() { state_ = State::kNone; }

 private:
  State state_ = State::kNone;
  uint8_t byte_ = 0;
  uint64_t off_ = 0;
};

}  // namespace simsock::sim::tcp
