// Printing of TCP segment flags in tcpdump's notation, and the per-thread
// pool of segment vectors that the outboxes reuse.
#include "simsock/sim/tcp/segment.h"

#include <utility>

namespace simsock::sim::tcp {
namespace {

// A step emits one or two segments and hands them on at once; a few spare
// buffers cover nested steps (a send that runs the peer's receive).
constexpr size_t kSpareVectors = 8;

std::vector<std::vector<Segment>>& SparePool() {
  thread_local std::vector<std::vector<Segment>> pool;
  return pool;
}

// Payloads in flight at once: one or two per connection in a ping-pong;
// a burst of many connections just allocates past the pool, as before.
constexpr size_t kSparePayloads = 64;
// Bigger buffers (a segment of a loopback's 64 KiB MSS) are freed, so the
// pool holds at most kSparePayloads * kSparePayloadBytes.
constexpr size_t kSparePayloadBytes = 4096;

std::vector<std::vector<uint8_t>>& PayloadPool() {
  thread_local std::vector<std::vector<uint8_t>> pool;
  return pool;
}

}  // namespace

std::vector<uint8_t> SparePayload() {
  auto& pool = PayloadPool();
  if (pool.empty()) return {};
  std::vector<uint8_t> p = std::move(pool.back());
  pool.pop_back();
  return p;
}

void RecyclePayload(std::vector<uint8_t>&& payload) {
  std::vector<uint8_t> p = std::move(payload);
  auto& pool = PayloadPool();
  if (p.capacity() == 0 || p.capacity() > kSparePayloadBytes ||
      pool.size() >= kSparePayloads)
    return;
  p.clear();
  if (pool.capacity() == 0) pool.reserve(kSparePayloads);
  pool.push_back(std::move(p));
}

std::vector<Segment> SpareSegmentVector() {
  auto& pool = SparePool();
  if (pool.empty()) return {};
  std::vector<Segment> v = std::move(pool.back());
  pool.pop_back();
  return v;
}

void RecycleSegmentVector(std::vector<Segment>&& v) {
  v.clear();
  auto& pool = SparePool();
  if (v.capacity() == 0 || pool.size() >= kSpareVectors) return;
  if (pool.capacity() == 0) pool.reserve(kSpareVectors);
  pool.push_back(std::move(v));
}

std::string FlagsToString(uint8_t flags) {
  // tcpdump prints the flags in the order of its tcp_flag_values table
  // (F, S, R, P, "." for ACK, then U), so FIN+PSH+ACK is "FP.", SYN+ACK
  // "S." and urgent data "P.U". A segment with no flag at all prints as
  // "none".
  std::string out;
  if (flags & kFin) out += 'F';
  if (flags & kSyn) out += 'S';
  if (flags & kRst) out += 'R';
  if (flags & kPsh) out += 'P';
  if (flags & kAck) out += '.';
  if (flags & kUrg) out += 'U';
  if (out.empty()) out = "none";
  return out;
}

}  // namespace simsock::sim::tcp
