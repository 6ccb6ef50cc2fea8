// Shared fixture for the control-block tests (tests/tcp/tcb_*_test.cc), in
// smoltcp's style: a fixture builds a Tcb in a given state, a test feeds
// one segment, user call or timer, and asserts exactly the segments emitted
// (flags, seq, ack, window, options, payload) and the new state. Both ISNs
// sit just below 2^32, so every test crosses the sequence-number wrap.
#pragma once

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/sim/tcp/segment.h"
#include "simsock/sim/tcp/tcb.h"
#include "simsock/sim/tcp/tcp_state.h"

namespace simsock::sim::tcp::tcb_test {

using std::chrono::milliseconds;
using std::chrono::seconds;

inline constexpr uint16_t kLocalPort = 40000;
inline constexpr uint16_t kRemotePort = 80;
inline constexpr SeqNum kLocalIss(0xFFFFFF00u);
inline constexpr SeqNum kRemoteIss(0xFFFFFFF8u);
// First data sequence numbers of each side.
inline constexpr SeqNum L = kLocalIss + 1;
inline constexpr SeqNum R = kRemoteIss + 1;
inline constexpr uint16_t kPeerMss = 1000;  // our send MSS: min(1000, 1460)

inline Time Ms(int64_t ms) { return milliseconds(ms); }
inline Time Sec(int64_t s) { return seconds(s); }

inline TcbConfig Cfg() {
  TcbConfig c;
  c.local_port = kLocalPort;
  c.remote_port = kRemotePort;
  c.mss = 1460;
  c.rcv_buf = 4096;
  c.snd_buf = 8192;
  return c;
}

inline std::vector<uint8_t> Bytes(std::string_view s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

// A segment from the peer.
inline Segment In(uint8_t flags, SeqNum seq, SeqNum ack = SeqNum(),
                  std::string_view payload = "", uint16_t window = 4096) {
  Segment s;
  s.src_port = kRemotePort;
  s.dst_port = kLocalPort;
  s.flags = flags;
  s.seq = seq;
  s.ack = ack;
  s.window = window;
  s.payload = Bytes(payload);
  return s;
}

// The peer's SYN or SYN-ACK with options.
inline Segment InSyn(uint8_t flags, SeqNum ack = SeqNum(),
                     uint16_t window = 4096,
                     std::optional<uint16_t> mss = kPeerMss,
                     std::optional<uint8_t> wscale = std::nullopt) {
  Segment s = In(flags, kRemoteIss, ack, "", window);
  s.mss = mss;
  s.wscale = wscale;
  return s;
}

// A segment we expect the Tcb to emit.
inline Segment Out(uint8_t flags, SeqNum seq, SeqNum ack, uint16_t window,
                   std::string_view payload = "") {
  Segment s;
  s.src_port = kLocalPort;
  s.dst_port = kRemotePort;
  s.flags = flags;
  s.seq = seq;
  s.ack = ack;
  s.window = window;
  s.payload = Bytes(payload);
  return s;
}

inline Segment OutSyn(uint8_t flags, SeqNum ack, uint16_t window,
                      std::optional<uint8_t> wscale) {
  Segment s = Out(flags, kLocalIss, ack, window);
  s.mss = 1460;
  s.wscale = wscale;
  return s;
}

// A reply from ResetFor: no window, ports swapped.
inline Segment OutRst(uint8_t flags, SeqNum seq, SeqNum ack = SeqNum()) {
  Segment s = Out(flags, seq, ack, 0);
  return s;
}

inline std::string Describe(const Segment& s) {
  std::ostringstream o;
  o << s.src_port << ">" << s.dst_port << " [" << FlagsToString(s.flags)
    << "] seq=" << s.seq.value();
  if (s.Has(kAck)) o << " ack=" << s.ack.value();
  o << " win=" << s.window;
  if (s.Has(kUrg)) o << " urg=" << s.urg_ptr;
  if (s.mss) o << " mss=" << *s.mss;
  if (s.wscale) o << " ws=" << int{*s.wscale};
  o << " len=" << s.payload.size();
  if (!s.payload.empty()) {
    if (s.payload.size() <= 32) {
      o << " '" << std::string(s.payload.begin(), s.payload.end()) << "'";
    } else {
      uint64_t h = 1469598103934665603ull;  // FNV-1a
      for (uint8_t b : s.payload) h = (h ^ b) * 1099511628211ull;
      o << " fnv=" << std::hex << h;
    }
  }
  return o.str();
}

inline std::string Describe(const std::vector<Segment>& v) {
  std::string out;
  for (const Segment& s : v) out += Describe(s) + "\n";
  return out;
}

#define EXPECT_OUT(tcb, ...)              \
  EXPECT_EQ(Describe((tcb).TakeOutput()), \
            Describe(std::vector<Segment>{__VA_ARGS__}))
#define EXPECT_NO_OUT(tcb) EXPECT_EQ(Describe((tcb).TakeOutput()), "")

struct Timed {
  Time at;
  Segment seg;
};

// Fires every timer due up to `until`, in order, collecting the output.
inline std::vector<Timed> RunTimers(Tcb& t, Time until) {
  std::vector<Timed> out;
  for (int guard = 0; t.PollAt() <= until && guard < 100000; ++guard) {
    const Time now = t.PollAt();
    t.OnTimer(now);
    for (Segment& s : t.TakeOutput()) out.push_back({now, std::move(s)});
  }
  return out;
}

inline std::vector<Time> TimesOf(const std::vector<Timed>& v) {
  std::vector<Time> out;
  for (const Timed& t : v) out.push_back(t.at);
  return out;
}

inline std::string Str(size_t n, char c) { return std::string(n, c); }

// --- Fixtures ------------------------------------------------------------

inline Tcb SynSent(TcbConfig c = Cfg()) {
  Tcb t(c);
  t.Connect(kLocalIss, Ms(0));
  t.TakeOutput();
  return t;
}

// Passive open: the peer's SYN offered MSS 1000 and no window scale.
inline Tcb SynReceived(TcbConfig c = Cfg()) {
  Tcb t(c);
  t.AcceptSyn(InSyn(kSyn), kLocalIss, Ms(0));
  t.TakeOutput();
  return t;
}

inline Tcb Established(TcbConfig c = Cfg()) {
  Tcb t = SynSent(c);
  t.OnSegment(InSyn(kSyn | kAck, L), Ms(0));
  t.TakeOutput();
  return t;
}

inline Tcb FinWait1(TcbConfig c = Cfg()) {
  Tcb t = Established(c);
  t.Close(Ms(0));
  t.TakeOutput();
  return t;
}

inline Tcb FinWait2(TcbConfig c = Cfg()) {
  Tcb t = FinWait1(c);
  t.OnSegment(In(kAck, R, L + 1), Ms(0));
  t.TakeOutput();
  return t;
}

inline Tcb CloseWait(TcbConfig c = Cfg()) {
  Tcb t = Established(c);
  t.OnSegment(In(kFin | kAck, R, L), Ms(0));
  t.TakeOutput();
  return t;
}

inline Tcb LastAck(TcbConfig c = Cfg()) {
  Tcb t = CloseWait(c);
  t.Close(Ms(0));
  t.TakeOutput();
  return t;
}

inline Tcb Closing(TcbConfig c = Cfg()) {
  Tcb t = FinWait1(c);
  t.OnSegment(In(kFin | kAck, R, L), Ms(0));
  t.TakeOutput();
  return t;
}

inline Tcb TimeWait(TcbConfig c = Cfg()) {
  Tcb t = FinWait2(c);
  t.OnSegment(In(kFin | kAck, R, L + 1), Ms(0));
  t.TakeOutput();
  return t;
}

inline size_t SendStr(Tcb& t, std::string_view s, Time now) {
  return t.Send(reinterpret_cast<const uint8_t*>(s.data()), s.size(), now);
}

inline std::string RecvStr(Tcb& t, size_t n, bool peek = false) {
  std::string out(n, '\0');
  const size_t got =
      t.Recv(reinterpret_cast<uint8_t*>(out.data()), n, peek, Ms(0));
  out.resize(got);
  return out;
}

inline size_t SendUrgent(Tcb& t, std::string_view s, Time now) {
  return t.Send(reinterpret_cast<const uint8_t*>(s.data()), s.size(), now,
                /*urgent=*/true);
}

// Whether the block emitted a RST (its output is taken).
inline bool EmitsRst(Tcb& t) {
  bool rst = false;
  for (const Segment& s : t.TakeOutput()) rst = rst || s.Has(kRst);
  return rst;
}

inline Segment WithUrg(Segment s, uint16_t ptr) {
  s.flags |= kUrg;
  s.urg_ptr = ptr;
  return s;
}

}  // namespace simsock::sim::tcp::tcb_test
