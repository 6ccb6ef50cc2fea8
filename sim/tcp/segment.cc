// Printing of TCP segment flags in tcpdump's notation, and the per-thread
// pool of segment vectors that the outboxes reuse.
#include "simsock/sim/tcp/segment.h"

#include <cstdint>
#include <utility>

namespace simsock::sim::tcp {
namespace {

// A step emits one or two segments and hands them on at once; a few spare
// buffers cover nested steps (a send that runs the peer's receive).
constexpr size_t kSpareVectors = 8;
// Payloads in flight at once: one or two per connection in a ping-pong;
// a burst of many connections just allocates past the pool, as before.
constexpr size_t kSparePayloads = 64;
// Bigger buffers (a segment of a loopback's 64 KiB MSS) are freed, so the
// pool holds at most kSparePayloads * kSparePayloadBytes.
constexpr size_t kSparePayloadBytes = 4096;

// One calling thread's spare, emptied vectors of T: Take hands out the
// last given back (or a new empty one); Give keeps a buffer while fewer
// than `count` are kept and its capacity is at most `max_capacity`.
template <typename T, size_t count, size_t max_capacity>
struct SparePool {
  static std::vector<std::vector<T>>& Kept() {
    thread_local std::vector<std::vector<T>> kept;
    return kept;
  }
  static std::vector<T> Take() {
    auto& kept = Kept();
    if (kept.empty()) return {};
    std::vector<T> v = std::move(kept.back());
    kept.pop_back();
    return v;
  }
  static void Give(std::vector<T>&& given) {
    std::vector<T> v = std::move(given);
    v.clear();
    auto& kept = Kept();
    if (v.capacity() == 0 || v.capacity() > max_capacity ||
        kept.size() >= count)
      return;
    if (kept.capacity() == 0) kept.reserve(count);
    kept.push_back(std::move(v));
  }
};

using SegmentVectors = SparePool<Segment, kSpareVectors, SIZE_MAX>;
using Payloads = SparePool<uint8_t, kSparePayloads, kSparePayloadBytes>;

}  // namespace

std::vector<uint8_t> SparePayload() { return Payloads::Take(); }

void RecyclePayload(std::vector<uint8_t>&& payload) {
  Payloads::Give(std::move(payload));
}

std::vector<Segment> SpareSegmentVector() { return SegmentVectors::Take(); }

void RecycleSegmentVector(std::vector<Segment>&& v) {
  SegmentVectors::Give(std::move(v));
}

std::string FlagsToString(uint8_t flags) {
  std::string out;
  AppendFlags(out, flags);
  return out;
}

void AppendFlags(std::string& out, uint8_t flags) {
  // tcpdump prints the flags in the order of its tcp_flag_values table
  // (F, S, R, P, "." for ACK, then U), so FIN+PSH+ACK is "FP.", SYN+ACK
  // "S." and urgent data "P.U". A segment with no flag at all prints as
  // "none".
  char buf[6];
  size_t n = 0;
  if (flags & kFin) buf[n++] = 'F';
  if (flags & kSyn) buf[n++] = 'S';
  if (flags & kRst) buf[n++] = 'R';
  if (flags & kPsh) buf[n++] = 'P';
  if (flags & kAck) buf[n++] = '.';
  if (flags & kUrg) buf[n++] = 'U';
  if (n == 0) {
    out += "none";
  } else {
    out.append(buf, n);
  }
}

}  // namespace simsock::sim::tcp
