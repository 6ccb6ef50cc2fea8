// Control-block tests in smoltcp's style: a fixture builds a Tcb in a given
// state, a test feeds one segment, user call or timer, and asserts exactly
// the segments emitted (flags, seq, ack, window, options, payload) and the
// new state. Both ISNs sit just below 2^32, so every test crosses the
// sequence-number wrap.
#include "simsock/sim/tcp/tcb.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/sim/tcp/segment.h"
#include "simsock/sim/tcp/tcp_state.h"

namespace simsock::sim::tcp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr uint16_t kLocalPort = 40000;
constexpr uint16_t kRemotePort = 80;
constexpr SeqNum kLocalIss(0xFFFFFF00u);
constexpr SeqNum kRemoteIss(0xFFFFFFF8u);
// First data sequence numbers of each side.
constexpr SeqNum L = kLocalIss + 1;
constexpr SeqNum R = kRemoteIss + 1;
constexpr uint16_t kPeerMss = 1000;  // our send MSS: min(1000, 1460)

Time Ms(int64_t ms) { return milliseconds(ms); }
Time Sec(int64_t s) { return seconds(s); }

TcbConfig Cfg() {
  TcbConfig c;
  c.local_port = kLocalPort;
  c.remote_port = kRemotePort;
  c.mss = 1460;
  c.rcv_buf = 4096;
  c.snd_buf = 8192;
  return c;
}

std::vector<uint8_t> Bytes(std::string_view s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

// A segment from the peer.
Segment In(uint8_t flags, SeqNum seq, SeqNum ack = SeqNum(),
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
Segment InSyn(uint8_t flags, SeqNum ack = SeqNum(), uint16_t window = 4096,
              std::optional<uint16_t> mss = kPeerMss,
              std::optional<uint8_t> wscale = std::nullopt) {
  Segment s = In(flags, kRemoteIss, ack, "", window);
  s.mss = mss;
  s.wscale = wscale;
  return s;
}

// A segment we expect the Tcb to emit.
Segment Out(uint8_t flags, SeqNum seq, SeqNum ack, uint16_t window,
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

Segment OutSyn(uint8_t flags, SeqNum ack, uint16_t window,
               std::optional<uint8_t> wscale) {
  Segment s = Out(flags, kLocalIss, ack, window);
  s.mss = 1460;
  s.wscale = wscale;
  return s;
}

// A reply from ResetFor: no window, ports swapped.
Segment OutRst(uint8_t flags, SeqNum seq, SeqNum ack = SeqNum()) {
  Segment s = Out(flags, seq, ack, 0);
  return s;
}

std::string Describe(const Segment& s) {
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

std::string Describe(const std::vector<Segment>& v) {
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
std::vector<Timed> RunTimers(Tcb& t, Time until) {
  std::vector<Timed> out;
  for (int guard = 0; t.PollAt() <= until && guard < 100000; ++guard) {
    const Time now = t.PollAt();
    t.OnTimer(now);
    for (Segment& s : t.TakeOutput()) out.push_back({now, std::move(s)});
  }
  return out;
}

std::vector<Time> TimesOf(const std::vector<Timed>& v) {
  std::vector<Time> out;
  for (const Timed& t : v) out.push_back(t.at);
  return out;
}

std::string Str(size_t n, char c) { return std::string(n, c); }

// --- Fixtures ------------------------------------------------------------

Tcb SynSent(TcbConfig c = Cfg()) {
  Tcb t(c);
  t.Connect(kLocalIss, Ms(0));
  t.TakeOutput();
  return t;
}

// Passive open: the peer's SYN offered MSS 1000 and no window scale.
Tcb SynReceived(TcbConfig c = Cfg()) {
  Tcb t(c);
  t.AcceptSyn(InSyn(kSyn), kLocalIss, Ms(0));
  t.TakeOutput();
  return t;
}

Tcb Established(TcbConfig c = Cfg()) {
  Tcb t = SynSent(c);
  t.OnSegment(InSyn(kSyn | kAck, L), Ms(0));
  t.TakeOutput();
  return t;
}

Tcb FinWait1(TcbConfig c = Cfg()) {
  Tcb t = Established(c);
  t.Close(Ms(0));
  t.TakeOutput();
  return t;
}

Tcb FinWait2(TcbConfig c = Cfg()) {
  Tcb t = FinWait1(c);
  t.OnSegment(In(kAck, R, L + 1), Ms(0));
  t.TakeOutput();
  return t;
}

Tcb CloseWait(TcbConfig c = Cfg()) {
  Tcb t = Established(c);
  t.OnSegment(In(kFin | kAck, R, L), Ms(0));
  t.TakeOutput();
  return t;
}

Tcb LastAck(TcbConfig c = Cfg()) {
  Tcb t = CloseWait(c);
  t.Close(Ms(0));
  t.TakeOutput();
  return t;
}

Tcb Closing(TcbConfig c = Cfg()) {
  Tcb t = FinWait1(c);
  t.OnSegment(In(kFin | kAck, R, L), Ms(0));
  t.TakeOutput();
  return t;
}

Tcb TimeWait(TcbConfig c = Cfg()) {
  Tcb t = FinWait2(c);
  t.OnSegment(In(kFin | kAck, R, L + 1), Ms(0));
  t.TakeOutput();
  return t;
}

size_t SendStr(Tcb& t, std::string_view s, Time now) {
  return t.Send(reinterpret_cast<const uint8_t*>(s.data()), s.size(), now);
}

std::string RecvStr(Tcb& t, size_t n, bool peek = false) {
  std::string out(n, '\0');
  const size_t got =
      t.Recv(reinterpret_cast<uint8_t*>(out.data()), n, peek, Ms(0));
  out.resize(got);
  return out;
}

size_t SendUrgent(Tcb& t, std::string_view s, Time now) {
  return t.Send(reinterpret_cast<const uint8_t*>(s.data()), s.size(), now,
                /*urgent=*/true);
}

Segment WithUrg(Segment s, uint16_t ptr) {
  s.flags |= kUrg;
  s.urg_ptr = ptr;
  return s;
}

// =========================================================================
// Helpers: state names, flag strings, ResetFor.
// =========================================================================

TEST(TcpState, NamesAndLinuxNumbers) {
  EXPECT_EQ(ToString(TcpState::kSynSent), "SYN_SENT");
  EXPECT_EQ(ToString(TcpState::kTimeWait), "TIME_WAIT");
  EXPECT_EQ(ToString(TcpState::kFinWait1), "FIN_WAIT1");
  EXPECT_EQ(ToString(TcpState::kCloseWait), "CLOSE_WAIT");
  EXPECT_EQ(LinuxStateNumber(TcpState::kEstablished), 1);
  EXPECT_EQ(LinuxStateNumber(TcpState::kSynSent), 2);
  EXPECT_EQ(LinuxStateNumber(TcpState::kSynReceived), 3);
  EXPECT_EQ(LinuxStateNumber(TcpState::kFinWait1), 4);
  EXPECT_EQ(LinuxStateNumber(TcpState::kFinWait2), 5);
  EXPECT_EQ(LinuxStateNumber(TcpState::kTimeWait), 6);
  EXPECT_EQ(LinuxStateNumber(TcpState::kClosed), 7);
  EXPECT_EQ(LinuxStateNumber(TcpState::kCloseWait), 8);
  EXPECT_EQ(LinuxStateNumber(TcpState::kLastAck), 9);
  EXPECT_EQ(LinuxStateNumber(TcpState::kListen), 10);
  EXPECT_EQ(LinuxStateNumber(TcpState::kClosing), 11);
  EXPECT_FALSE(IsSynchronized(TcpState::kSynReceived));
  EXPECT_FALSE(IsSynchronized(TcpState::kSynSent));
  EXPECT_TRUE(IsSynchronized(TcpState::kEstablished));
  EXPECT_TRUE(IsSynchronized(TcpState::kTimeWait));
}

TEST(Segment, FlagsToStringIsTcpdumpNotation) {
  EXPECT_EQ(FlagsToString(kSyn), "S");
  EXPECT_EQ(FlagsToString(kSyn | kAck), "S.");
  EXPECT_EQ(FlagsToString(kAck), ".");
  EXPECT_EQ(FlagsToString(kPsh | kAck), "P.");
  EXPECT_EQ(FlagsToString(kFin | kAck), "F.");
  EXPECT_EQ(FlagsToString(kFin | kPsh | kAck), "FP.");
  EXPECT_EQ(FlagsToString(kRst), "R");
  EXPECT_EQ(FlagsToString(kRst | kAck), "R.");
  EXPECT_EQ(FlagsToString(kPsh | kAck | kUrg), "P.U");
}

TEST(ResetFor, SegmentWithAck_RstAtItsAck) {
  Segment r;
  ASSERT_TRUE(ResetFor(In(kAck | kPsh, R, L + 7, "abc"), &r));
  EXPECT_EQ(Describe(r), Describe(OutRst(kRst, L + 7)));
}

TEST(ResetFor, SegmentWithoutAck_RstAckCoveringIt) {
  Segment r;
  ASSERT_TRUE(ResetFor(InSyn(kSyn), &r));
  EXPECT_EQ(Describe(r), Describe(OutRst(kRst | kAck, SeqNum(0), R)));
  ASSERT_TRUE(ResetFor(In(kFin, R, SeqNum(), "ab"), &r));
  EXPECT_EQ(Describe(r), Describe(OutRst(kRst | kAck, SeqNum(0), R + 3)));
}

TEST(ResetFor, Rst_NoReply) {
  Segment r;
  EXPECT_FALSE(ResetFor(In(kRst, R), &r));
  EXPECT_FALSE(ResetFor(In(kRst | kAck, R, L), &r));
}

// =========================================================================
// CLOSED
// =========================================================================

TEST(Closed, Fresh_NoTimers) {
  Tcb t(Cfg());
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.PollAt(), kNever);
  EXPECT_EQ(SendStr(t, "x", Ms(0)), 0u);
}

TEST(Closed, Segment_AnsweredAsClosedPort) {
  Tcb t(Cfg());
  t.OnSegment(In(kAck, R, L), Ms(0));
  EXPECT_OUT(t, OutRst(kRst, L));
  t.OnSegment(InSyn(kSyn), Ms(0));
  EXPECT_OUT(t, OutRst(kRst | kAck, SeqNum(0), R));
}

TEST(Closed, Rst_Ignored) {
  Tcb t(Cfg());
  t.OnSegment(In(kRst, R), Ms(0));
  EXPECT_NO_OUT(t);
}

TEST(Closed, SynAckAfterCloseInSynSent_Rst) {
  // close() in SYN_SENT sends nothing; the late SYN-ACK meets a closed port.
  Tcb t = SynSent();
  t.Close(Ms(10));
  EXPECT_NO_OUT(t);
  t.OnSegment(InSyn(kSyn | kAck, L), Ms(20));
  EXPECT_OUT(t, OutRst(kRst, L));
}

// =========================================================================
// SYN_SENT
// =========================================================================

TEST(SynSent, Connect_SynWithOptions) {
  Tcb t(Cfg());
  t.Connect(kLocalIss, Ms(0));
  EXPECT_EQ(t.state(), TcpState::kSynSent);
  EXPECT_OUT(t, OutSyn(kSyn, SeqNum(), 4096, 7));
  EXPECT_EQ(t.PollAt(), Sec(1));
  EXPECT_EQ(t.snd_nxt(), L);
}

TEST(SynSent, SynWindow_CappedAt65535Unscaled) {
  TcbConfig c = Cfg();
  c.rcv_buf = 1 << 20;
  Tcb t(c);
  t.Connect(kLocalIss, Ms(0));
  EXPECT_OUT(t, OutSyn(kSyn, SeqNum(), 65535, 7));
}

TEST(SynSent, SynAck_Established) {
  Tcb t = SynSent();
  t.OnSegment(InSyn(kSyn | kAck, L, 3000), Ms(0));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.send_mss(), kPeerMss);
  EXPECT_EQ(t.snd_wnd(), 3000u);
  EXPECT_EQ(t.irs(), kRemoteIss);
  EXPECT_EQ(t.rcv_nxt(), R);
  EXPECT_EQ(t.snd_una(), L);
  EXPECT_EQ(t.PollAt(), kNever);
  EXPECT_EQ(t.error(), 0);
}

TEST(SynSent, SynAckWithoutMss_SendMss536) {
  Tcb t = SynSent();
  t.OnSegment(InSyn(kSyn | kAck, L, 4096, std::nullopt), Ms(0));
  EXPECT_EQ(t.send_mss(), 536);
}

TEST(SynSent, SynAckAfter10ms_RttSampledRto210ms) {
  Tcb t = SynSent();
  t.OnSegment(InSyn(kSyn | kAck, L), Ms(10));
  // srtt 10 ms + max(4 * 5 ms, rto_min 200 ms).
  EXPECT_EQ(t.rto(), Ms(210));
}

TEST(SynSent, SynAckAfterRetransmission_NoSampleRtoInitial) {
  Tcb t = SynSent();
  t.OnTimer(Sec(1));
  EXPECT_OUT(t, OutSyn(kSyn, SeqNum(), 4096, 7));
  t.OnSegment(InSyn(kSyn | kAck, L), Ms(1010));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_EQ(t.rto(), Sec(1));  // Karn: no sample from a retransmitted SYN
}

TEST(SynSent, SynAckWithWscale_LaterWindowsScaled) {
  TcbConfig c = Cfg();
  c.rcv_buf = 1 << 20;
  Tcb t = SynSent(c);
  t.OnSegment(InSyn(kSyn | kAck, L, 1000, kPeerMss, 2), Ms(0));
  EXPECT_EQ(t.snd_wnd(), 1000u);  // the SYN-ACK's own window is not scaled
  // 1 MiB >> 7 = 8192.
  EXPECT_OUT(t, Out(kAck, L, R, 8192));
  t.OnSegment(In(kAck, R, L, "", 3000), Ms(1));
  EXPECT_EQ(t.snd_wnd(), 12000u);
  EXPECT_NO_OUT(t);
}

TEST(SynSent, SynAckWithoutWscale_NoScaling) {
  TcbConfig c = Cfg();
  c.rcv_buf = 1 << 20;
  Tcb t = SynSent(c);
  t.OnSegment(InSyn(kSyn | kAck, L, 1000), Ms(0));
  EXPECT_OUT(t, Out(kAck, L, R, 65535));
  t.OnSegment(In(kAck, R, L, "", 3000), Ms(1));
  EXPECT_EQ(t.snd_wnd(), 3000u);
}

TEST(SynSent, RstWithAck_Refused) {
  Tcb t = SynSent();
  t.OnSegment(In(kRst | kAck, SeqNum(0), L), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ECONNREFUSED);
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), kNever);
}

TEST(SynSent, RstWithoutAck_Ignored) {
  Tcb t = SynSent();
  t.OnSegment(In(kRst, R), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kSynSent);
  EXPECT_EQ(t.error(), 0);
  EXPECT_NO_OUT(t);
}

TEST(SynSent, RstWithBadAck_Ignored) {
  Tcb t = SynSent();
  t.OnSegment(In(kRst | kAck, R, L + 5), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kSynSent);
  EXPECT_NO_OUT(t);
}

TEST(SynSent, SynAckWithBadAck_Rst) {
  Tcb t = SynSent();
  t.OnSegment(InSyn(kSyn | kAck, kLocalIss), Ms(5));  // acks nothing new
  EXPECT_OUT(t, OutRst(kRst, kLocalIss));
  t.OnSegment(InSyn(kSyn | kAck, L + 1), Ms(5));  // acks beyond the SYN
  EXPECT_OUT(t, OutRst(kRst, L + 1));
  EXPECT_EQ(t.state(), TcpState::kSynSent);
}

TEST(SynSent, AckWithoutSyn_Dropped) {
  Tcb t = SynSent();
  t.OnSegment(In(kAck, R, L), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kSynSent);
  EXPECT_NO_OUT(t);
}

TEST(SynSent, Syn_SimultaneousOpen) {
  Tcb t = SynSent();
  t.OnSegment(InSyn(kSyn, SeqNum(), 4096, kPeerMss, 5), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
  EXPECT_OUT(t, OutSyn(kSyn | kAck, R, 4096, 7));
}

TEST(SynSent, Close_ClosedNothingSent) {
  Tcb t = SynSent();
  t.Close(Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), kNever);
}

TEST(SynSent, Abort_NoRst) {
  Tcb t = SynSent();
  t.Abort(Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_NO_OUT(t);
}

TEST(SynSent, Send_ReturnsZero) {
  Tcb t = SynSent();
  EXPECT_EQ(SendStr(t, "abc", Ms(1)), 0u);
  EXPECT_NO_OUT(t);
}

TEST(SynSent, RetransmitSchedule_Linux65_TimedOutAt131s) {
  Tcb t = SynSent();
  std::vector<Timed> out = RunTimers(t, Sec(1000));
  // Five linear retransmissions 1 s apart, then doubling; the timer that
  // fires at 67 + 64 = 131 s finds syn_retries + linear = 10 retransmissions.
  EXPECT_EQ(TimesOf(out),
            (std::vector<Time>{Sec(1), Sec(2), Sec(3), Sec(4), Sec(5), Sec(7),
                               Sec(11), Sec(19), Sec(35), Sec(67)}));
  for (const Timed& x : out) {
    EXPECT_EQ(Describe(x.seg), Describe(OutSyn(kSyn, SeqNum(), 4096, 7)));
  }
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(SynSent, RetransmitSchedule_GiveUpTimeIs131s) {
  Tcb t = SynSent();
  RunTimers(t, Ms(130999));
  EXPECT_EQ(t.state(), TcpState::kSynSent);
  EXPECT_EQ(t.PollAt(), Sec(131));
  t.OnTimer(Sec(131));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
  EXPECT_NO_OUT(t);  // SYN_SENT is not synchronized: no RST
}

TEST(SynSent, SynCnt2_SixSynsTimedOutAt7s) {
  TcbConfig c = Cfg();
  c.syn_retries = 2;
  Tcb t = SynSent(c);
  std::vector<Timed> out = RunTimers(t, Sec(100));
  // The budget (2^3 - 1) * 1 s = 7 s runs out before 2 + 4 retransmissions.
  EXPECT_EQ(TimesOf(out),
            (std::vector<Time>{Sec(1), Sec(2), Sec(3), Sec(4), Sec(5)}));
  EXPECT_EQ(t.error(), ETIMEDOUT);
  Tcb u = SynSent(c);
  RunTimers(u, Ms(6999));
  EXPECT_EQ(u.state(), TcpState::kSynSent);
  u.OnTimer(Sec(7));
  EXPECT_EQ(u.state(), TcpState::kClosed);
}

TEST(SynSent, SynCnt1_ThreeSynsTimedOutAt3s) {
  TcbConfig c = Cfg();
  c.syn_retries = 1;
  Tcb t = SynSent(c);
  std::vector<Timed> out = RunTimers(t, Ms(2999));
  EXPECT_EQ(TimesOf(out), (std::vector<Time>{Sec(1), Sec(2)}));
  EXPECT_EQ(t.PollAt(), Sec(3));
  t.OnTimer(Sec(3));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(SynSent, NoLinearTimeouts_PureDoubling) {
  TcbConfig c = Cfg();
  c.syn_linear_timeouts = 0;
  Tcb t = SynSent(c);
  std::vector<Timed> out = RunTimers(t, Ms(126999));
  EXPECT_EQ(TimesOf(out), (std::vector<Time>{Sec(1), Sec(3), Sec(7), Sec(15),
                                             Sec(31), Sec(63)}));
  EXPECT_EQ(t.PollAt(), Sec(127));
  t.OnTimer(Sec(127));
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(SynSent, UserTimeout_ClampsTimerAndTimesOut) {
  TcbConfig c = Cfg();
  c.user_timeout = Ms(2500);
  Tcb t = SynSent(c);
  std::vector<Timed> out = RunTimers(t, Sec(100));
  EXPECT_EQ(TimesOf(out), (std::vector<Time>{Sec(1), Sec(2)}));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(SynSent, UserTimeout_ExpiryAtClampedTime) {
  TcbConfig c = Cfg();
  c.user_timeout = Ms(2500);
  Tcb t = SynSent(c);
  RunTimers(t, Sec(2));
  EXPECT_EQ(t.PollAt(), Ms(2500));  // min(RTO 1 s, 0.5 s left)
}

// =========================================================================
// SYN_RECEIVED (passive open)
// =========================================================================

TEST(SynReceived, AcceptSyn_SynAck) {
  Tcb t(Cfg());
  t.AcceptSyn(InSyn(kSyn), kLocalIss, Ms(0));
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
  // No window scale in the peer's SYN: none in our SYN-ACK.
  EXPECT_OUT(t, OutSyn(kSyn | kAck, R, 4096, std::nullopt));
  EXPECT_EQ(t.send_mss(), kPeerMss);
  EXPECT_EQ(t.PollAt(), Sec(1));
}

TEST(SynReceived, AcceptSynWithWscale_WscaleInSynAck) {
  Tcb t(Cfg());
  t.AcceptSyn(InSyn(kSyn, SeqNum(), 4096, kPeerMss, 3), kLocalIss, Ms(0));
  EXPECT_OUT(t, OutSyn(kSyn | kAck, R, 4096, 7));
  t.OnSegment(In(kAck, R, L, "", 100), Ms(1));
  EXPECT_EQ(t.snd_wnd(), 800u);
  EXPECT_NO_OUT(t);
}

TEST(SynReceived, Ack_Established) {
  Tcb t = SynReceived();
  t.OnSegment(In(kAck, R, L, "", 2000), Ms(3));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.snd_wnd(), 2000u);
  EXPECT_EQ(t.PollAt(), kNever);
  // srtt 3 ms + max(6 ms, 200 ms).
  EXPECT_EQ(t.rto(), Ms(203));
}

TEST(SynReceived, AckWithData_EstablishedAndAcked) {
  Tcb t = SynReceived();
  t.OnSegment(In(kAck | kPsh, R, L, "hello"), Ms(3));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_OUT(t, Out(kAck, L, R + 5, 4091));
  EXPECT_EQ(RecvStr(t, 10), "hello");
}

TEST(SynReceived, AckWithFin_CloseWait) {
  Tcb t = SynReceived();
  t.OnSegment(In(kAck | kFin, R, L), Ms(3));
  EXPECT_EQ(t.state(), TcpState::kCloseWait);
  EXPECT_OUT(t, Out(kAck, L, R + 1, 4096));
}

TEST(SynReceived, BadAck_RstStaysSynReceived) {
  Tcb t = SynReceived();
  t.OnSegment(In(kAck, R, L + 10), Ms(3));
  EXPECT_OUT(t, OutRst(kRst, L + 10));
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
}

TEST(SynReceived, NoAck_Dropped) {
  Tcb t = SynReceived();
  t.OnSegment(In(kPsh, R, SeqNum(), "x"), Ms(3));
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
}

TEST(SynReceived, DuplicateSyn_SynAckAgain) {
  Tcb t = SynReceived();
  t.OnSegment(InSyn(kSyn), Ms(300));
  EXPECT_OUT(t, OutSyn(kSyn | kAck, R, 4096, std::nullopt));
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
  EXPECT_EQ(t.PollAt(), Ms(1300));
}

TEST(SynReceived, SynAckSchedule_DoublingThenSilentClose) {
  Tcb t = SynReceived();
  std::vector<Timed> out = RunTimers(t, Sec(1000));
  EXPECT_EQ(TimesOf(out),
            (std::vector<Time>{Sec(1), Sec(3), Sec(7), Sec(15), Sec(31)}));
  for (const Timed& x : out) {
    EXPECT_EQ(Describe(x.seg),
              Describe(OutSyn(kSyn | kAck, R, 4096, std::nullopt)));
  }
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);  // a request sock expires without an error
}

TEST(SynReceived, SynAckSchedule_ExpiresAt63s) {
  Tcb t = SynReceived();
  RunTimers(t, Ms(62999));
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
  EXPECT_EQ(t.PollAt(), Sec(63));
}

TEST(SynReceived, DuplicateSynAfterTimeout_TimerWithCurrentBackoff) {
  // Linux: SYN-ACKs at 0, 1, 2 (answering a duplicate SYN) and 4 s.
  Tcb t = SynReceived();
  t.OnTimer(Sec(1));
  EXPECT_OUT(t, OutSyn(kSyn | kAck, R, 4096, std::nullopt));
  t.OnSegment(InSyn(kSyn), Sec(2));
  EXPECT_OUT(t, OutSyn(kSyn | kAck, R, 4096, std::nullopt));
  EXPECT_EQ(t.PollAt(), Sec(4));
}

TEST(SynReceived, Rst_ClosedSilently) {
  Tcb t = SynReceived();
  t.OnSegment(In(kRst, R), Ms(3));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
  EXPECT_NO_OUT(t);
}

TEST(SynReceived, RstOutOfWindow_Ignored) {
  Tcb t = SynReceived();
  t.OnSegment(In(kRst, R + 5000), Ms(3));
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
  EXPECT_NO_OUT(t);
}

TEST(SynReceived, SegmentOutOfWindow_Acked) {
  Tcb t = SynReceived();
  t.OnSegment(In(kAck | kPsh, R + 5000, L, "x"), Ms(3));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
}

TEST(SynReceived, NewSynInWindow_RstAndDropped) {
  Tcb t = SynReceived();
  Segment syn = InSyn(kSyn);
  syn.seq = R + 10;
  t.OnSegment(syn, Ms(3));
  EXPECT_OUT(t, OutRst(kRst | kAck, SeqNum(0), R + 11));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
}

TEST(SynReceived, Close_FinWaitsForAckOfSyn) {
  Tcb t = SynReceived();
  t.Close(Ms(1));
  EXPECT_EQ(t.state(), TcpState::kFinWait1);
  EXPECT_NO_OUT(t);
  t.OnSegment(In(kAck, R, L), Ms(2));
  EXPECT_OUT(t, Out(kFin | kAck, L, R, 4096));
  EXPECT_EQ(t.state(), TcpState::kFinWait1);
  t.OnSegment(In(kAck, R, L + 1), Ms(3));
  EXPECT_EQ(t.state(), TcpState::kFinWait2);
}

TEST(SynReceived, Abort_Rst) {
  Tcb t = SynReceived();
  t.Abort(Ms(1));
  EXPECT_OUT(t, Out(kRst | kAck, L, R, 4096));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
}

// =========================================================================
// Simultaneous open (SYN_SENT -> SYN_RECEIVED -> ESTABLISHED)
// =========================================================================

Tcb SimOpen() {
  Tcb t = SynSent();
  t.OnSegment(InSyn(kSyn), Ms(500));
  t.TakeOutput();
  return t;
}

TEST(SimultaneousOpen, PeerSynAck_EstablishedAndAcked) {
  Tcb t = SimOpen();
  t.OnSegment(InSyn(kSyn | kAck, L), Ms(600));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.PollAt(), kNever);
}

TEST(SimultaneousOpen, PeerAck_Established) {
  Tcb t = SimOpen();
  t.OnSegment(In(kAck, R, L), Ms(600));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_NO_OUT(t);
}

TEST(SimultaneousOpen, PeerSynRetransmitted_SynAckAgain) {
  Tcb t = SimOpen();
  t.OnSegment(InSyn(kSyn), Ms(700));
  EXPECT_OUT(t, OutSyn(kSyn | kAck, R, 4096, std::nullopt));
}

TEST(SimultaneousOpen, SynAckRetransmissions_Double) {
  Tcb t = SimOpen();
  std::vector<Timed> out = RunTimers(t, Sec(8));
  // The SYN timer keeps running; out of SYN_SENT it doubles at once.
  EXPECT_EQ(TimesOf(out), (std::vector<Time>{Sec(1), Sec(3), Sec(7)}));
  for (const Timed& x : out) {
    EXPECT_EQ(Describe(x.seg),
              Describe(OutSyn(kSyn | kAck, R, 4096, std::nullopt)));
  }
}

TEST(SimultaneousOpen, GiveUp_TimedOut) {
  Tcb t = SimOpen();
  RunTimers(t, Sec(1000));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(SimultaneousOpen, Rst_ConnReset) {
  // Linux's tcp_reset gives ECONNRESET for a full socket in SYN_RECV.
  Tcb t = SimOpen();
  t.OnSegment(In(kRst, R), Ms(600));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ECONNRESET);
}

TEST(SimultaneousOpen, BothSidesBackToBack) {
  // Two blocks wired together, each one's SYN crossing the other's.
  TcbConfig ca = Cfg();
  TcbConfig cb = Cfg();
  cb.local_port = kRemotePort;
  cb.remote_port = kLocalPort;
  Tcb a(ca), b(cb);
  a.Connect(kLocalIss, Ms(0));
  b.Connect(kRemoteIss, Ms(0));
  std::vector<Segment> from_a = a.TakeOutput(), from_b = b.TakeOutput();
  for (int round = 0; round < 5; ++round) {
    for (const Segment& s : from_a) b.OnSegment(s, Ms(1));
    for (const Segment& s : from_b) a.OnSegment(s, Ms(1));
    from_a = a.TakeOutput();
    from_b = b.TakeOutput();
  }
  EXPECT_EQ(a.state(), TcpState::kEstablished);
  EXPECT_EQ(b.state(), TcpState::kEstablished);
  EXPECT_EQ(a.rcv_nxt(), R);
  EXPECT_EQ(b.rcv_nxt(), L);
}

// =========================================================================
// ESTABLISHED: receiving
// =========================================================================

TEST(Established, RecvData_AckedAtOnce) {
  Tcb t = Established();
  t.OnSegment(In(kAck | kPsh, R, L, "hello world"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R + 11, 4085));
  EXPECT_EQ(t.rcv_nxt().value(), 4u);  // wrapped past 2^32
  EXPECT_EQ(t.RecvAvailable(), 11u);
  EXPECT_EQ(RecvStr(t, 5), "hello");
  EXPECT_EQ(RecvStr(t, 100), " world");
}

TEST(Established, AckOnly_NotAcked) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L), Ms(1));
  EXPECT_NO_OUT(t);
}

TEST(Established, RecvPeek_LeavesData) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "abc"), Ms(1));
  EXPECT_EQ(RecvStr(t, 2, /*peek=*/true), "ab");
  EXPECT_EQ(t.RecvAvailable(), 3u);
  EXPECT_EQ(t.Recv(nullptr, 2, false, Ms(1)), 2u);  // discard (MSG_TRUNC)
  EXPECT_EQ(RecvStr(t, 5), "c");
}

TEST(Established, OutOfOrder_Reassembled) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R + 5, L, "world"), Ms(1));
  // Duplicate ACK; the right edge already advertised does not move back.
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.OutOfOrderBytes(), 5u);
  EXPECT_EQ(t.RecvAvailable(), 0u);
  t.OnSegment(In(kAck, R, L, "hello"), Ms(2));
  EXPECT_OUT(t, Out(kAck, L, R + 10, 4086));
  EXPECT_EQ(t.OutOfOrderBytes(), 0u);
  EXPECT_EQ(RecvStr(t, 20), "helloworld");
}

TEST(Established, OutOfOrderOverlapping_Merged) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R + 4, L, "efgh"), Ms(1));
  t.OnSegment(In(kAck, R + 10, L, "klm"), Ms(1));
  t.OnSegment(In(kAck, R + 6, L, "ghijk"), Ms(1));
  EXPECT_EQ(t.OutOfOrderBytes(), 9u);
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L, "abcdef"), Ms(2));
  EXPECT_OUT(t, Out(kAck, L, R + 13, 4083));
  EXPECT_EQ(RecvStr(t, 20), "abcdefghijklm");
}

TEST(Established, DuplicateData_AckedNotQueued) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "abc"), Ms(1));
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L, "abc"), Ms(2));
  EXPECT_OUT(t, Out(kAck, L, R + 3, 4093));
  EXPECT_EQ(t.RecvAvailable(), 3u);
}

TEST(Established, PartlyOldData_NewPartKept) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "abc"), Ms(1));
  t.TakeOutput();
  t.OnSegment(In(kAck, R + 1, L, "bcde"), Ms(2));
  EXPECT_OUT(t, Out(kAck, L, R + 5, 4091));
  EXPECT_EQ(RecvStr(t, 10), "abcde");
}

TEST(Established, DataBeyondWindow_Trimmed) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R + 4090, L, "0123456789"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.OutOfOrderBytes(), 6u);
}

TEST(Established, DataOutOfWindow_AckedAndDropped) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R + 5000, L, "zz"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.OutOfOrderBytes(), 0u);
}

TEST(Established, ZeroWindow_DataDroppedAckSent) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, Str(4096, 'a')), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R + 4096, 0));
  t.OnSegment(In(kAck, R + 4096, L, "z"), Ms(2));
  EXPECT_OUT(t, Out(kAck, L, R + 4096, 0));
  EXPECT_EQ(t.RecvAvailable(), 4096u);
}

TEST(Established, ZeroWindowProbeFromPeer_Answered) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, Str(4096, 'a')), Ms(1));
  t.TakeOutput();
  t.OnSegment(In(kAck, R + 4095, L), Ms(2));  // seq = RCV.NXT - 1
  EXPECT_OUT(t, Out(kAck, L, R + 4096, 0));
}

// A 4096-byte buffer gives 4096 / (2 * 1000) = 2 quick ACKs; then, with
// the application not reading, the window shrinks, so "every second full
// segment" does not apply and the rest waits for the delayed-ACK timer
// (40 ms, capped by the RTT estimate's floor of 40 ms).
TEST(Established, WindowUpdateAfterRead_OnlyWhenWorthASegment) {
  Tcb t = Established();
  for (int i = 0; i < 4; ++i) {
    t.OnSegment(In(kAck, R + 1000 * i, L, Str(1000, 'a')), Ms(1));
  }
  t.OnSegment(In(kAck, R + 4000, L, Str(96, 'b')), Ms(1));
  std::vector<Segment> acks = t.TakeOutput();
  ASSERT_EQ(acks.size(), 2u);  // the quick ACKs
  EXPECT_EQ(acks[0].window, 3096);
  EXPECT_EQ(acks[1].window, 2096);
  EXPECT_TRUE(t.ack_scheduled());
  EXPECT_EQ(t.PollAt(), Ms(41));
  std::vector<Timed> out = RunTimers(t, Ms(41));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Describe(out[0].seg), Describe(Out(kAck, L, R + 4096, 0)));
  EXPECT_EQ(t.rcv_wnd(), 0u);
  EXPECT_EQ(t.Recv(nullptr, 100, false, Ms(42)), 100u);
  EXPECT_NO_OUT(t);  // 100 bytes < min(rcv_buf / 2, MSS)
  EXPECT_EQ(t.Recv(nullptr, 1000, false, Ms(43)), 1000u);
  EXPECT_OUT(t, Out(kAck, L, R + 4096, 1100));
  EXPECT_EQ(t.rcv_wnd(), 1100u);
  EXPECT_EQ(t.Recv(nullptr, 1000, false, Ms(44)), 1000u);
  EXPECT_NO_OUT(t);  // the window was not below the threshold
}

TEST(Established, WindowScale_AdvertisedShifted) {
  TcbConfig c = Cfg();
  c.rcv_buf = 1 << 20;
  Tcb t = SynSent(c);
  t.OnSegment(InSyn(kSyn | kAck, L, 4096, kPeerMss, 0), Ms(0));
  EXPECT_OUT(t, Out(kAck, L, R, 8192));
  t.OnSegment(In(kAck, R, L, Str(1000, 'a')), Ms(1));
  // (2^20 - 1000) / 128 = 8184.2; the right edge already advertised may
  // not move left, so the field is rounded up (tcp_select_window's ALIGN).
  EXPECT_OUT(t, Out(kAck, L, R + 1000, 8185));
  EXPECT_EQ(t.Recv(nullptr, 1000, false, Ms(2)), 1000u);
  t.OnSegment(In(kAck, R + 1000, L, Str(128, 'b')), Ms(3));
  // (2^20 - 128) >> 7 = 8191.
  EXPECT_OUT(t, Out(kAck, L, R + 1128, 8191));
}

TEST(Established, ShutdownReceive_DataStillQueued) {
  // SHUT_RD in ESTABLISHED: the peer is not told, later data is kept.
  Tcb t = Established();
  t.ShutdownReceive();
  t.OnSegment(In(kAck, R, L, "late"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R + 4, 4092));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_EQ(t.RecvAvailable(), 4u);
}

TEST(Established, Fin_CloseWait) {
  Tcb t = Established();
  t.OnSegment(In(kFin | kAck, R, L), Ms(1));
  EXPECT_EQ(t.state(), TcpState::kCloseWait);
  EXPECT_TRUE(t.fin_received());
  EXPECT_OUT(t, Out(kAck, L, R + 1, 4096));
}

// tcp_fin makes the session interactive (pingpong): after data, the ACK
// of the FIN waits for the delayed-ACK timer (40 ms), or for a reply.
TEST(Established, FinWithData_CloseWaitDataReadable) {
  Tcb t = Established();
  t.OnSegment(In(kFin | kPsh | kAck, R, L, "bye"), Ms(1));
  EXPECT_EQ(t.state(), TcpState::kCloseWait);
  EXPECT_TRUE(t.in_pingpong());
  EXPECT_NO_OUT(t);
  EXPECT_EQ(RecvStr(t, 10), "bye");
  EXPECT_NO_OUT(t);  // interactive: a read does not push the ACK out
  std::vector<Timed> out = RunTimers(t, Ms(41));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].at, Ms(41));
  EXPECT_EQ(Describe(out[0].seg), Describe(Out(kAck, L, R + 4, 4096)));
}

// The delayed-ACK engine's quick ACKs: rcv_wnd / (2 rcv_mss), at most 16,
// and one more from tcp_grow_window for the first segment that outweighs
// its buffer overhead, when the buffer has room beyond the SYN's window.
TEST(Established, QuickAcks_CountAndWindowGrowthBonus) {
  TcbConfig big = Cfg();
  big.rcv_buf = 1 << 17;  // room beyond the 65535-byte SYN window
  Tcb t = Established(big);
  t.OnSegment(In(kAck | kPsh, R, L, Str(900, 'q')), Ms(1));
  t.TakeOutput();
  // 65535 / (2 * 900) = 36, capped at 16, |1 = 17, one used by this ACK.
  EXPECT_EQ(t.quickacks_left(), 16);
  Tcb small = Established();  // rcv_buf 4096: no room to grow
  small.OnSegment(In(kAck | kPsh, R, L, Str(900, 'q')), Ms(1));
  small.TakeOutput();
  // 4096 / (2 * 900) = 2, one used by this ACK.
  EXPECT_EQ(small.quickacks_left(), 1);
}

// A bare FIN before any data (ATO still 0) is ACKed at once.
TEST(Established, FinWithoutData_AckedAtOnce) {
  Tcb t = Established();
  t.OnSegment(In(kFin | kAck, R, L), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R + 1, 4096));
}

TEST(Established, OutOfOrderFin_ProcessedWhenHoleFills) {
  Tcb t = Established();
  t.OnSegment(In(kFin | kAck, R + 3, L, "def"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_FALSE(t.fin_received());
  t.OnSegment(In(kAck, R, L, "abc"), Ms(2));
  EXPECT_EQ(t.state(), TcpState::kCloseWait);
  EXPECT_OUT(t, Out(kAck, L, R + 7, 4090));
  EXPECT_EQ(RecvStr(t, 10), "abcdef");
}

TEST(Established, FinBeyondWindow_Ignored) {
  Tcb t = Established();
  t.OnSegment(In(kFin | kAck, R + 4090, L, "0123456789"), Ms(1));
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L, Str(4090, 'a')), Ms(2));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_FALSE(t.fin_received());
}

// =========================================================================
// ESTABLISHED: RST, SYN and bad ACKs (RFC 5961)
// =========================================================================

TEST(Established, RstExactSeq_ConnResetDataStillReadable) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "abc"), Ms(1));
  t.TakeOutput();
  t.OnSegment(In(kRst, R + 3), Ms(2));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ECONNRESET);
  EXPECT_NO_OUT(t);
  EXPECT_EQ(RecvStr(t, 10), "abc");
  EXPECT_EQ(t.PollAt(), kNever);
}

TEST(Established, RstInWindow_ChallengeAck) {
  Tcb t = Established();
  t.OnSegment(In(kRst, R + 1), Ms(1));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
}

TEST(Established, RstOutOfWindow_Ignored) {
  Tcb t = Established();
  t.OnSegment(In(kRst, R + 5000), Ms(1));
  t.OnSegment(In(kRst, R - 1), Ms(1));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_NO_OUT(t);
}

TEST(Established, SynInWindow_ChallengeAck) {
  Tcb t = Established();
  Segment syn = InSyn(kSyn);
  syn.seq = R + 100;
  t.OnSegment(syn, Ms(1));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
}

TEST(Established, RetransmittedSynAck_Acked) {
  // Our handshake ACK was lost; the peer's SYN-ACK again.
  Tcb t = Established();
  t.OnSegment(InSyn(kSyn | kAck, L), Ms(1000));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
}

TEST(Established, AckOfUnsentData_AckedAndDropped) {
  Tcb t = Established();
  t.OnSegment(In(kAck | kPsh, R, L + 10, "x"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.RecvAvailable(), 0u);
  EXPECT_EQ(t.snd_una(), L);
}

TEST(Established, AckOlderThanMaxWindow_ChallengeAck) {
  Tcb t = Established();
  t.OnSegment(In(kAck | kPsh, R, L - 5000, "x"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.RecvAvailable(), 0u);
}

TEST(Established, SlightlyOldAck_DataStillAccepted) {
  Tcb t = Established();
  t.OnSegment(In(kAck | kPsh, R, L - 10, "x"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R + 1, 4095));
  EXPECT_EQ(t.RecvAvailable(), 1u);
}

TEST(Established, NoAckFlag_Dropped) {
  Tcb t = Established();
  t.OnSegment(In(kPsh, R, SeqNum(), "x"), Ms(1));
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.RecvAvailable(), 0u);
}

// =========================================================================
// ESTABLISHED: sending
// =========================================================================

TEST(Established, Send_SegmentsByMssPshOnLast) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  const std::string data = Str(1000, 'a') + Str(1000, 'b') + Str(500, 'c');
  EXPECT_EQ(SendStr(t, data, Ms(1)), 2500u);
  EXPECT_OUT(t, Out(kAck, L, R, 4096, Str(1000, 'a')),
             Out(kAck, L + 1000, R, 4096, Str(1000, 'b')),
             Out(kPsh | kAck, L + 2000, R, 4096, Str(500, 'c')));
  EXPECT_EQ(t.snd_nxt(), L + 2500);
  EXPECT_EQ(t.PollAt(), Ms(201));
  t.OnSegment(In(kAck, R, L + 2500), Ms(5));
  EXPECT_EQ(t.SendQueued(), 0u);
  EXPECT_EQ(t.PollAt(), kNever);
  EXPECT_NO_OUT(t);
}

TEST(Established, Send_BoundedByPeerWindow) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  t.OnSegment(In(kAck, R, L, "", 1500), Ms(0));
  SendStr(t, Str(2500, 'x'), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096, Str(1000, 'x')));
  EXPECT_EQ(t.snd_nxt(), L + 1000);
  // The window's right edge moves to L + 2500: the rest fits.
  t.OnSegment(In(kAck, R, L + 1000, "", 1500), Ms(2));
  EXPECT_OUT(t, Out(kAck, L + 1000, R, 4096, Str(1000, 'x')),
             Out(kPsh | kAck, L + 2000, R, 4096, Str(500, 'x')));
}

TEST(Established, Nagle_HoldsSmallSegmentWhileUnacked) {
  Tcb t = Established();
  SendStr(t, "ab", Ms(1));
  EXPECT_OUT(t, Out(kPsh | kAck, L, R, 4096, "ab"));
  SendStr(t, "cd", Ms(2));
  SendStr(t, "ef", Ms(3));
  EXPECT_NO_OUT(t);
  t.OnSegment(In(kAck, R, L + 2), Ms(4));
  EXPECT_OUT(t, Out(kPsh | kAck, L + 2, R, 4096, "cdef"));
}

TEST(Established, Nagle_FullSegmentsGoSmallTailHeld) {
  Tcb t = Established();
  SendStr(t, Str(2500, 'q'), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096, Str(1000, 'q')),
             Out(kAck, L + 1000, R, 4096, Str(1000, 'q')));
  t.OnSegment(In(kAck, R, L + 2000), Ms(4));
  EXPECT_OUT(t, Out(kPsh | kAck, L + 2000, R, 4096, Str(500, 'q')));
}

TEST(Established, NoDelay_SmallSegmentsGoAtOnce) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, "ab", Ms(1));
  SendStr(t, "cd", Ms(2));
  EXPECT_OUT(t, Out(kPsh | kAck, L, R, 4096, "ab"),
             Out(kPsh | kAck, L + 2, R, 4096, "cd"));
}

TEST(Established, Cork_HoldsPartialSegmentUntilUncorked) {
  TcbConfig c = Cfg();
  c.nodelay = true;  // the cork holds even without Nagle
  Tcb t = Established(c);
  t.SetCork(true, Ms(0));
  SendStr(t, "ab", Ms(1));
  EXPECT_NO_OUT(t);
  t.SetCork(false, Ms(2));
  EXPECT_OUT(t, Out(kPsh | kAck, L, R, 4096, "ab"));
}

TEST(Established, Cork_FullSegmentsStillGo) {
  Tcb t = Established();
  t.SetCork(true, Ms(0));
  SendStr(t, Str(t.send_mss() + 3, 'x'), Ms(1));
  std::vector<Segment> out = t.TakeOutput();
  ASSERT_EQ(out.size(), 1u);  // the MSS-sized one; the 3-byte tail waits
  EXPECT_EQ(out[0].payload.size(), t.send_mss());
  t.SetNoDelay(true, Ms(2));  // a push overrides the cork once
  out = t.TakeOutput();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload.size(), 3u);
}

TEST(Established, SetNoDelay_FlushesHeldData) {
  Tcb t = Established();
  SendStr(t, "ab", Ms(1));
  SendStr(t, "cd", Ms(2));
  t.TakeOutput();
  t.SetNoDelay(true, Ms(3));
  EXPECT_OUT(t, Out(kPsh | kAck, L + 2, R, 4096, "cd"));
}

TEST(Established, Send_LimitedBySendBuffer) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "", 0), Ms(0));  // closed window: all stays
  EXPECT_EQ(t.SendSpace(), 8192u);
  EXPECT_EQ(SendStr(t, Str(10000, 'z'), Ms(1)), 8192u);
  EXPECT_EQ(t.SendSpace(), 0u);
  EXPECT_EQ(SendStr(t, "more", Ms(1)), 0u);
  EXPECT_EQ(t.SendQueued(), 8192u);
}

TEST(Established, AckFreesSendSpace) {
  Tcb t = Established();
  SendStr(t, Str(3000, 'z'), Ms(1));
  t.TakeOutput();
  EXPECT_EQ(t.SendSpace(), 8192u - 3000u);
  t.OnSegment(In(kAck, R, L + 2000), Ms(2));
  EXPECT_EQ(t.SendQueued(), 1000u);
  EXPECT_EQ(t.SendSpace(), 8192u - 1000u);
}

TEST(Established, SendAlsoCarriesAckOfReceivedData) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "ping"), Ms(1));
  t.TakeOutput();
  SendStr(t, "pong", Ms(2));
  EXPECT_OUT(t, Out(kPsh | kAck, L, R + 4, 4092, "pong"));
}

TEST(Established, AckAdvancingData_RestartsRetransmitTimer) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, Str(2000, 'a'), Ms(0));
  t.TakeOutput();
  EXPECT_EQ(t.PollAt(), Ms(200));
  t.OnSegment(In(kAck, R, L + 1000), Ms(150));
  // Second sample (the handshake gave 0): rttvar = 150 / 4 = 37.5 ms,
  // srtt = 150 / 8 = 18.75 ms, RTO = 18.75 + max(150, 200) = 218.75 ms.
  EXPECT_EQ(t.rto(), std::chrono::microseconds(218750));
  EXPECT_EQ(t.PollAt(), std::chrono::microseconds(368750));
}

// =========================================================================
// ESTABLISHED: retransmission
// =========================================================================

TEST(Established, Rto_HeadRetransmittedWithBackoff) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, Str(3000, 'r'), Ms(0));
  t.TakeOutput();
  EXPECT_EQ(t.rto(), Ms(200));
  std::vector<Timed> out = RunTimers(t, Ms(3000));
  EXPECT_EQ(TimesOf(out),
            (std::vector<Time>{Ms(200), Ms(600), Ms(1400), Ms(3000)}));
  for (const Timed& x : out) {
    EXPECT_EQ(Describe(x.seg), Describe(Out(kAck, L, R, 4096, Str(1000, 'r'))));
  }
  EXPECT_EQ(t.rto(), Ms(3200));
}

TEST(Established, RtoThenAck_GoBackN) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, Str(3000, 'g'), Ms(0));
  t.TakeOutput();
  t.OnTimer(Ms(200));
  EXPECT_OUT(t, Out(kAck, L, R, 4096, Str(1000, 'g')));
  EXPECT_EQ(t.snd_nxt(), L + 1000);
  t.OnSegment(In(kAck, R, L + 1000), Ms(250));
  EXPECT_OUT(t, Out(kAck, L + 1000, R, 4096, Str(1000, 'g')),
             Out(kPsh | kAck, L + 2000, R, 4096, Str(1000, 'g')));
  EXPECT_EQ(t.rto(), Ms(200));  // backoff gone with the new ACK
  EXPECT_EQ(t.PollAt(), Ms(450));
}

TEST(Established, FastRetransmit_OnThirdDupAck) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, Str(1000, 'a') + Str(1000, 'b') + Str(1000, 'c') + Str(1000, 'd'),
          Ms(0));
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L + 1000), Ms(10));
  t.OnSegment(In(kAck, R, L + 1000), Ms(11));
  t.OnSegment(In(kAck, R, L + 1000), Ms(12));
  EXPECT_NO_OUT(t);
  t.OnSegment(In(kAck, R, L + 1000), Ms(13));
  EXPECT_OUT(t, Out(kAck, L + 1000, R, 4096, Str(1000, 'b')));
  t.OnSegment(In(kAck, R, L + 1000), Ms(14));  // more dup ACKs: once only
  EXPECT_NO_OUT(t);
}

TEST(Established, FastRetransmit_PartialAckResendsNextHole) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, Str(1000, 'a') + Str(1000, 'b') + Str(1000, 'c') + Str(1000, 'd'),
          Ms(0));
  t.TakeOutput();
  for (int i = 0; i < 3; ++i) t.OnSegment(In(kAck, R, L), Ms(10 + i));
  EXPECT_OUT(t, Out(kAck, L, R, 4096, Str(1000, 'a')));
  t.OnSegment(In(kAck, R, L + 2000), Ms(20));  // 'b' lost too
  EXPECT_OUT(t, Out(kAck, L + 2000, R, 4096, Str(1000, 'c')));
}

TEST(Established, DupAckWithWindowChange_NotCounted) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, Str(2000, 'a'), Ms(0));
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L, "", 4000), Ms(10));
  t.OnSegment(In(kAck, R, L, "", 3900), Ms(11));
  t.OnSegment(In(kAck, R, L, "", 3800), Ms(12));
  EXPECT_NO_OUT(t);
}

TEST(Established, Retries2Is3_TimedOutAt6_2sSilently) {
  // docs/semantics.md §6: with retries2 = 3 the 3 s budget counts from the
  // first retransmission and is checked when the RTO fires. Giving up sends
  // nothing (tcp_write_err); only keepalive tells the peer with a RST.
  TcbConfig c = Cfg();
  c.retries2 = 3;
  Tcb t = Established(c);
  SendStr(t, "data", Ms(0));
  t.TakeOutput();
  std::vector<Timed> out = RunTimers(t, Ms(6199));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(TimesOf(out),
            (std::vector<Time>{Ms(200), Ms(600), Ms(1400), Ms(3000)}));
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(Describe(out[i].seg),
              Describe(Out(kPsh | kAck, L, R, 4096, "data")));
  }
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_EQ(t.PollAt(), Ms(6200));
  t.OnTimer(Ms(6200));
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(Established, Retries2Is15_Budget924_6sGiveUpAt1044_6s) {
  // tcp_model_timeout(15, 200 ms) = 1023 * 0.2 s + 6 * 120 s = 924.6 s,
  // counted from the first retransmission (0.2 s). The RTO firing at
  // 924.6 s finds 924.4 s elapsed, so the 16th retransmission goes out and
  // the next firing, at 1044.6 s, gives up.
  Tcb t = Established();
  SendStr(t, "data", Ms(0));
  t.TakeOutput();
  std::vector<Timed> out = RunTimers(t, Ms(1044599));
  EXPECT_EQ(out.size(), 16u);
  EXPECT_EQ(out.back().at, Ms(924600));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_EQ(t.PollAt(), Ms(1044600));
  t.OnTimer(Ms(1044600));
  EXPECT_NO_OUT(t);  // tcp_write_err: no RST
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(Established, RtoCappedAtRtoMax) {
  Tcb t = Established();
  SendStr(t, "data", Ms(0));
  t.TakeOutput();
  RunTimers(t, Sec(500));
  EXPECT_EQ(t.rto(), Sec(120));
}

TEST(Established, UserTimeout_TimedOut) {
  TcbConfig c = Cfg();
  c.user_timeout = Ms(6000);
  Tcb t = Established(c);
  SendStr(t, "data", Ms(0));
  t.TakeOutput();
  std::vector<Timed> out = RunTimers(t, Sec(100));
  // Retransmissions at 0.2, 0.6, 1.4, 3.0; the next RTO is clamped to the
  // 3.2 s left, and at 6.2 s the 6 s since 0.2 s have passed: the
  // connection dies silently.
  EXPECT_EQ(TimesOf(out),
            (std::vector<Time>{Ms(200), Ms(600), Ms(1400), Ms(3000)}));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(Established, AckDuringBackoff_ResetsRetransmitCount) {
  TcbConfig c = Cfg();
  c.retries2 = 3;
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, "ab", Ms(0));
  t.TakeOutput();
  RunTimers(t, Ms(3000));
  t.OnSegment(In(kAck, R, L + 2), Ms(3100));
  SendStr(t, "cd", Ms(3100));
  t.TakeOutput();
  RunTimers(t, Ms(3100 + 200 + 400 + 800 + 1600));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
}

// =========================================================================
// ESTABLISHED: zero window and persist timer
// =========================================================================

Tcb ZeroWindow() {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "", 0), Ms(0));
  t.TakeOutput();
  return t;
}

TEST(Established, ZeroWindow_ProbesWithBackoff) {
  Tcb t = ZeroWindow();
  SendStr(t, "hello", Ms(0));
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), Ms(200));
  std::vector<Timed> out = RunTimers(t, Ms(6200));
  EXPECT_EQ(TimesOf(out), (std::vector<Time>{Ms(200), Ms(600), Ms(1400),
                                             Ms(3000), Ms(6200)}));
  for (const Timed& x : out) {
    // tcp_xmit_probe_skb: seq = SND.UNA - 1, no payload.
    EXPECT_EQ(Describe(x.seg), Describe(Out(kAck, L - 1, R, 4096)));
  }
}

TEST(Established, ZeroWindowProbesAnswered_NeverTimesOut) {
  Tcb t = ZeroWindow();
  SendStr(t, "hello", Ms(0));
  for (int i = 0; i < 40; ++i) {
    const Time at = t.PollAt();
    ASSERT_NE(at, kNever);
    t.OnTimer(at);
    EXPECT_OUT(t, Out(kAck, L - 1, R, 4096));
    t.OnSegment(In(kAck, R, L, "", 0), at);  // the peer answers, window 0
    EXPECT_NO_OUT(t);
  }
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_EQ(t.error(), 0);
  EXPECT_LE(t.PollAt() - Sec(0), Sec(100000));
}

TEST(Established, ZeroWindowProbesUnanswered_GiveUpAfterRetries2) {
  Tcb t = ZeroWindow();
  SendStr(t, "hello", Ms(0));
  std::vector<Timed> out = RunTimers(t, Sec(100000));
  ASSERT_EQ(out.size(), 15u);  // 15 probes, then a silent give-up
  EXPECT_EQ(Describe(out.back().seg), Describe(Out(kAck, L - 1, R, 4096)));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(Established, ZeroWindowOpens_DataSent) {
  Tcb t = ZeroWindow();
  SendStr(t, "hello", Ms(0));
  t.OnTimer(Ms(200));
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L, "", 4096), Ms(250));
  EXPECT_OUT(t, Out(kPsh | kAck, L, R, 4096, "hello"));
  EXPECT_EQ(t.PollAt(), Ms(450));  // now the retransmission timer
}

TEST(Established, SmallWindow_ProbeCarriesData) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "", 10), Ms(0));
  SendStr(t, Str(100, 'w'), Ms(0));
  EXPECT_NO_OUT(t);  // 100 bytes do not fit a 10-byte window
  EXPECT_EQ(t.PollAt(), Ms(200));
  t.OnTimer(Ms(200));
  EXPECT_OUT(t, Out(kAck, L, R, 4096, Str(10, 'w')));
  EXPECT_EQ(t.PollAt(), Ms(400));
}

TEST(Established, ZeroWindowAfterDataInFlight_RtoThenProbe) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, "abc", Ms(0));
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L + 3, "", 0), Ms(10));
  EXPECT_EQ(t.PollAt(), kNever);  // nothing in flight, nothing waiting
  SendStr(t, "def", Ms(20));
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), Ms(20) + t.rto());
}

// =========================================================================
// ESTABLISHED: keepalive
// =========================================================================

TcbConfig KeepaliveCfg() {
  TcbConfig c = Cfg();
  c.keepalive = true;
  c.keepalive_idle = Sec(1);
  c.keepalive_interval = Sec(1);
  c.keepalive_count = 2;
  return c;
}

TEST(Established, Keepalive_ProbesThenRstAndTimedOut) {
  // docs/semantics.md §6: idle 1, interval 1, count 2: probes at 1 s and
  // 2 s, RST and ETIMEDOUT at 3 s.
  Tcb t = Established(KeepaliveCfg());
  EXPECT_EQ(t.PollAt(), Sec(1));
  std::vector<Timed> out = RunTimers(t, Sec(100));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(TimesOf(out), (std::vector<Time>{Sec(1), Sec(2), Sec(3)}));
  EXPECT_EQ(Describe(out[0].seg), Describe(Out(kAck, L - 1, R, 4096)));
  EXPECT_EQ(Describe(out[1].seg), Describe(Out(kAck, L - 1, R, 4096)));
  EXPECT_EQ(Describe(out[2].seg), Describe(Out(kRst | kAck, L, R, 4096)));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(Established, KeepaliveAnswered_StaysOpen) {
  Tcb t = Established(KeepaliveCfg());
  for (int i = 1; i <= 10; ++i) {
    ASSERT_EQ(t.PollAt(), Sec(i));
    t.OnTimer(Sec(i));
    EXPECT_OUT(t, Out(kAck, L - 1, R, 4096));
    t.OnSegment(In(kAck, R, L), Sec(i));
  }
  EXPECT_EQ(t.state(), TcpState::kEstablished);
}

TEST(Established, Keepalive_IdleCountsFromLastSegment) {
  TcbConfig c = Cfg();
  c.keepalive = true;
  c.keepalive_idle = Sec(10);
  Tcb t = Established(c);
  t.OnSegment(In(kAck, R, L), Sec(4));
  t.OnTimer(Sec(10));
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), Sec(14));
}

TEST(Established, Keepalive_DefaultOffNoTimer) {
  Tcb t = Established();
  EXPECT_EQ(t.PollAt(), kNever);
  t.SetKeepAlive(true, Sec(5));
  EXPECT_EQ(t.PollAt(), Sec(5 + 7200));
  t.SetKeepAlive(false, Sec(6));
  EXPECT_EQ(t.PollAt(), kNever);
}

TEST(Established, Keepalive_NotWhileDataInFlight) {
  TcbConfig c = KeepaliveCfg();
  c.keepalive_idle = Sec(5);
  Tcb t = Established(c);
  SendStr(t, "x", Sec(4));
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L), Sec(4));  // does not ack "x"
  std::vector<Timed> out = RunTimers(t, Sec(5));
  for (const Timed& x : out) EXPECT_EQ(x.seg.payload.size(), 1u);
}

// =========================================================================
// ESTABLISHED: closing and aborting
// =========================================================================

TEST(Established, Close_FinWait1) {
  Tcb t = Established();
  t.Close(Ms(1));
  EXPECT_EQ(t.state(), TcpState::kFinWait1);
  EXPECT_OUT(t, Out(kFin | kAck, L, R, 4096));
  EXPECT_EQ(t.PollAt(), Ms(201));
}

TEST(Established, CloseWithQueuedData_FinOnLastSegment) {
  Tcb t = Established();
  SendStr(t, "ab", Ms(1));
  SendStr(t, "cd", Ms(1));  // held by Nagle
  EXPECT_OUT(t, Out(kPsh | kAck, L, R, 4096, "ab"));
  t.Close(Ms(2));  // closing turns Nagle off
  EXPECT_OUT(t, Out(kFin | kPsh | kAck, L + 2, R, 4096, "cd"));
  t.OnSegment(In(kAck, R, L + 5), Ms(3));
  EXPECT_EQ(t.state(), TcpState::kFinWait2);
}

TEST(Established, CloseWithWindowLimitedData_FinAfterData) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "", 1000), Ms(0));
  SendStr(t, Str(1500, 'k'), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096, Str(1000, 'k')));
  t.Close(Ms(2));
  EXPECT_NO_OUT(t);
  t.OnSegment(In(kAck, R, L + 1000, "", 1000), Ms(3));
  EXPECT_OUT(t, Out(kFin | kPsh | kAck, L + 1000, R, 4096, Str(500, 'k')));
}

TEST(Established, Abort_RstNoErrorQueuesEmptied) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "unread"), Ms(1));
  SendStr(t, "unsent", Ms(1));
  t.TakeOutput();
  t.Abort(Ms(2));
  EXPECT_OUT(t, Out(kRst | kAck, L + 6, R + 6, 4090));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
  EXPECT_EQ(t.RecvAvailable(), 0u);
  EXPECT_EQ(t.SendQueued(), 0u);
  EXPECT_EQ(t.PollAt(), kNever);
}

// =========================================================================
// FIN_WAIT1
// =========================================================================

TEST(FinWait1, AckOfFin_FinWait2) {
  Tcb t = FinWait1();
  t.OnSegment(In(kAck, R, L + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kFinWait2);
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), kNever);
}

TEST(FinWait1, AckNotCoveringFin_StaysFinWait1) {
  Tcb t = FinWait1();
  t.OnSegment(In(kAck, R, L), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kFinWait1);
}

TEST(FinWait1, Fin_ClosingSimultaneousClose) {
  Tcb t = FinWait1();
  t.OnSegment(In(kFin | kAck, R, L), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosing);
  EXPECT_OUT(t, Out(kAck, L + 1, R + 1, 4096));
}

TEST(FinWait1, FinAckingOurFin_TimeWait) {
  Tcb t = FinWait1();
  t.OnSegment(In(kFin | kAck, R, L + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kTimeWait);
  EXPECT_OUT(t, Out(kAck, L + 1, R + 1, 4096));
  EXPECT_EQ(t.PollAt(), Ms(5) + Sec(60));
}

TEST(FinWait1, FinRetransmittedOnRto) {
  Tcb t = FinWait1();
  std::vector<Timed> out = RunTimers(t, Ms(1400));
  EXPECT_EQ(TimesOf(out), (std::vector<Time>{Ms(200), Ms(600), Ms(1400)}));
  for (const Timed& x : out) {
    EXPECT_EQ(Describe(x.seg), Describe(Out(kFin | kAck, L, R, 4096)));
  }
}

TEST(FinWait1, DataStillReceived) {
  Tcb t = FinWait1();
  t.OnSegment(In(kAck, R, L, "more"), Ms(5));
  EXPECT_OUT(t, Out(kAck, L + 1, R + 4, 4092));
  EXPECT_EQ(RecvStr(t, 10), "more");
}

TEST(FinWait1, DataAfterShutdownReceive_RstConnReset) {
  Tcb t = FinWait1();
  t.ShutdownReceive();
  t.OnSegment(In(kAck | kPsh, R, L, "x"), Ms(5));
  EXPECT_OUT(t, OutRst(kRst, L));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ECONNRESET);
}

TEST(FinWait1, FinOnlyAfterShutdownReceive_Accepted) {
  Tcb t = FinWait1();
  t.ShutdownReceive();
  t.OnSegment(In(kFin | kAck, R, L + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kTimeWait);
}

TEST(FinWait1, RstExact_ConnReset) {
  Tcb t = FinWait1();
  t.OnSegment(In(kRst, R), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ECONNRESET);
}

TEST(FinWait1, Orphan_GivesUpAfterOrphanRetriesSilently) {
  // orphan_retries 8: tcp_model_timeout(8, 200 ms) = 511 * 0.2 s = 102.2 s
  // from the first retransmission at 0.2 s; checked at 102.2 s (102.0 s
  // elapsed: one more) and at 204.6 s (give up).
  Tcb t = FinWait1();
  t.SetOrphan(Ms(0));
  std::vector<Timed> out = RunTimers(t, Sec(1000));
  ASSERT_EQ(out.size(), 9u);
  EXPECT_EQ(out[8].at, Ms(102200));
  EXPECT_EQ(t.state(), TcpState::kClosed);  // gave up at 204.6 s, silently
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(FinWait1, OrphanReceivingData_Rst) {
  Tcb t = FinWait1();
  t.SetOrphan(Ms(0));
  t.OnSegment(In(kAck | kPsh, R, L + 1, "late"), Ms(5));
  EXPECT_OUT(t, OutRst(kRst, L + 1));
  EXPECT_EQ(t.state(), TcpState::kClosed);
}

// =========================================================================
// FIN_WAIT2
// =========================================================================

TEST(FinWait2, Fin_TimeWait) {
  Tcb t = FinWait2();
  t.OnSegment(In(kFin | kAck, R, L + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kTimeWait);
  EXPECT_OUT(t, Out(kAck, L + 1, R + 1, 4096));
}

TEST(FinWait2, NotOrphan_LastsForever) {
  Tcb t = FinWait2();
  EXPECT_EQ(t.PollAt(), kNever);
  t.OnTimer(Sec(100000));
  EXPECT_EQ(t.state(), TcpState::kFinWait2);
}

TEST(FinWait2, Orphan_ClosedSilentlyAfterFinTimeout) {
  Tcb t = FinWait2();
  t.SetOrphan(Sec(1));
  EXPECT_EQ(t.PollAt(), Sec(61));
  t.OnTimer(Sec(61));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
  EXPECT_NO_OUT(t);
}

TEST(FinWait2, OrphanedInFinWait1_TimerStartsInFinWait2) {
  TcbConfig c = Cfg();
  c.fin_timeout = Sec(3);
  Tcb t = FinWait1(c);
  t.SetOrphan(Ms(0));
  t.OnSegment(In(kAck, R, L + 1), Ms(100));
  EXPECT_EQ(t.state(), TcpState::kFinWait2);
  EXPECT_EQ(t.PollAt(), Ms(3100));
}

TEST(FinWait2, OrphanFinBeforeTimeout_TimeWait) {
  Tcb t = FinWait2();
  t.SetOrphan(Sec(1));
  t.OnSegment(In(kFin | kAck, R, L + 1), Sec(30));
  EXPECT_EQ(t.state(), TcpState::kTimeWait);
  EXPECT_EQ(t.PollAt(), Sec(90));
}

TEST(FinWait2, DataAfterShutdownReceive_Rst) {
  Tcb t = FinWait2();
  t.ShutdownReceive();
  t.OnSegment(In(kAck | kPsh, R, L + 1, "data"), Ms(5));
  EXPECT_OUT(t, OutRst(kRst, L + 1));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ECONNRESET);
}

TEST(FinWait2, HalfClose_DataStillQueued) {
  Tcb t = FinWait2();
  t.OnSegment(In(kAck | kPsh, R, L + 1, "data"), Ms(5));
  EXPECT_OUT(t, Out(kAck, L + 1, R + 4, 4092));
  EXPECT_EQ(RecvStr(t, 10), "data");
  EXPECT_EQ(t.state(), TcpState::kFinWait2);
}

TEST(FinWait2, RstInWindow_ChallengeAck) {
  Tcb t = FinWait2();
  t.OnSegment(In(kRst, R + 3), Ms(5));
  EXPECT_OUT(t, Out(kAck, L + 1, R, 4096));
  EXPECT_EQ(t.state(), TcpState::kFinWait2);
}

// =========================================================================
// CLOSE_WAIT
// =========================================================================

TEST(CloseWait, Rst_Epipe) {
  Tcb t = CloseWait();
  t.OnSegment(In(kRst, R + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), EPIPE);
}

TEST(CloseWait, RstAtFinSequence_Accepted) {
  // tcp_reset_check: RCV.NXT - 1 is accepted after the peer's FIN.
  Tcb t = CloseWait();
  t.OnSegment(In(kRst, R), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), EPIPE);
}

TEST(CloseWait, SendAllowed) {
  Tcb t = CloseWait();
  EXPECT_EQ(SendStr(t, "reply", Ms(5)), 5u);
  EXPECT_OUT(t, Out(kPsh | kAck, L, R + 1, 4096, "reply"));
}

TEST(CloseWait, NeverTimesOut) {
  Tcb t = CloseWait();
  EXPECT_EQ(t.PollAt(), kNever);
}

TEST(CloseWait, Close_LastAck) {
  Tcb t = CloseWait();
  t.Close(Ms(5));
  EXPECT_EQ(t.state(), TcpState::kLastAck);
  EXPECT_OUT(t, Out(kFin | kAck, L, R + 1, 4096));
}

TEST(CloseWait, RetransmittedFin_Acked) {
  Tcb t = CloseWait();
  t.OnSegment(In(kFin | kAck, R, L), Ms(300));
  EXPECT_OUT(t, Out(kAck, L, R + 1, 4096));
  EXPECT_EQ(t.state(), TcpState::kCloseWait);
}

TEST(CloseWait, ReadReturnsDataThenNothing) {
  Tcb t = Established();
  t.OnSegment(In(kAck | kFin, R, L, "tail"), Ms(1));
  EXPECT_EQ(RecvStr(t, 10), "tail");
  EXPECT_EQ(RecvStr(t, 10), "");
  EXPECT_TRUE(t.fin_received());
}

// =========================================================================
// LAST_ACK
// =========================================================================

TEST(LastAck, AckOfFin_ClosedNoError) {
  Tcb t = LastAck();
  t.OnSegment(In(kAck, R + 1, L + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), kNever);
}

TEST(LastAck, FinRetransmitted) {
  Tcb t = LastAck();
  t.OnTimer(Ms(200));
  EXPECT_OUT(t, Out(kFin | kAck, L, R + 1, 4096));
}

TEST(LastAck, Rst_ConnReset) {
  Tcb t = LastAck();
  t.OnSegment(In(kRst, R + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ECONNRESET);
}

TEST(LastAck, DataThenFinWithQueuedData) {
  Tcb t = CloseWait();
  SendStr(t, "x", Ms(1));
  t.TakeOutput();
  t.Close(Ms(2));
  EXPECT_OUT(t, Out(kFin | kAck, L + 1, R + 1, 4096));
  t.OnSegment(In(kAck, R + 1, L + 2), Ms(3));
  EXPECT_EQ(t.state(), TcpState::kClosed);
}

// tcp_disconnect (SO_LINGER {1,0}, connect(AF_UNSPEC)) resets LAST_ACK
// and CLOSING only while something is unsent; a close() that tosses unread
// data resets them always.
bool EmitsRst(Tcb& t) {
  bool rst = false;
  for (const Segment& s : t.TakeOutput()) rst = rst || s.Has(kRst);
  return rst;
}

TEST(LastAck, Abort_EverythingSent_NoRst) {
  Tcb t = LastAck();
  EXPECT_FALSE(t.ResetOnAbort());
  t.Abort(Ms(1));
  EXPECT_FALSE(EmitsRst(t));
  EXPECT_EQ(t.state(), TcpState::kClosed);
}

TEST(LastAck, Abort_DataUnsent_Rst) {
  Tcb t = Established();
  t.OnSegment(In(kFin | kAck, R, L, "", /*window=*/0), Ms(0));
  t.TakeOutput();
  SendStr(t, "x", Ms(1));  // the peer's window is shut: stays unsent
  t.Close(Ms(1));
  t.TakeOutput();
  ASSERT_EQ(t.state(), TcpState::kLastAck);
  EXPECT_TRUE(t.ResetOnAbort());
  t.Abort(Ms(2));
  EXPECT_TRUE(EmitsRst(t));
}

TEST(LastAck, AbortWithUnreadData_Rst) {
  Tcb t = LastAck();
  t.Abort(Ms(1), /*unread_data=*/true);
  EXPECT_TRUE(EmitsRst(t));
}

TEST(Closing, Abort_EverythingSent_NoRst) {
  Tcb t = Closing();
  EXPECT_FALSE(t.ResetOnAbort());
  t.Abort(Ms(1));
  EXPECT_FALSE(EmitsRst(t));
  EXPECT_EQ(t.state(), TcpState::kClosed);
}

// =========================================================================
// CLOSING
// =========================================================================

TEST(Closing, AckOfFin_TimeWait) {
  Tcb t = Closing();
  t.OnSegment(In(kAck, R + 1, L + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kTimeWait);
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), Ms(5) + Sec(60));
}

TEST(Closing, Rst_ConnReset) {
  Tcb t = Closing();
  t.OnSegment(In(kRst, R + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ECONNRESET);
}

TEST(Closing, FinRetransmitted) {
  Tcb t = Closing();
  t.OnTimer(Ms(200));
  EXPECT_OUT(t, Out(kFin | kAck, L, R + 1, 4096));
}

TEST(SimultaneousClose, BothSidesEndInTimeWait) {
  TcbConfig cb = Cfg();
  cb.local_port = kRemotePort;
  cb.remote_port = kLocalPort;
  Tcb a(Cfg()), b(cb);
  a.Connect(kLocalIss, Ms(0));
  std::vector<Segment> wire = a.TakeOutput();
  b.AcceptSyn(wire[0], kRemoteIss, Ms(0));
  for (const Segment& s : b.TakeOutput()) a.OnSegment(s, Ms(1));
  for (const Segment& s : a.TakeOutput()) b.OnSegment(s, Ms(1));
  ASSERT_EQ(a.state(), TcpState::kEstablished);
  ASSERT_EQ(b.state(), TcpState::kEstablished);
  a.Close(Ms(2));
  b.Close(Ms(2));
  std::vector<Segment> fa = a.TakeOutput(), fb = b.TakeOutput();
  for (const Segment& s : fb) a.OnSegment(s, Ms(3));
  for (const Segment& s : fa) b.OnSegment(s, Ms(3));
  EXPECT_EQ(a.state(), TcpState::kClosing);
  EXPECT_EQ(b.state(), TcpState::kClosing);
  fa = a.TakeOutput();
  fb = b.TakeOutput();
  for (const Segment& s : fb) a.OnSegment(s, Ms(4));
  for (const Segment& s : fa) b.OnSegment(s, Ms(4));
  EXPECT_EQ(a.state(), TcpState::kTimeWait);
  EXPECT_EQ(b.state(), TcpState::kTimeWait);
}

// =========================================================================
// TIME_WAIT
// =========================================================================

TEST(TimeWait, ExpiresAfter60s) {
  Tcb t = TimeWait();
  EXPECT_EQ(t.PollAt(), Sec(60));
  t.OnTimer(Ms(59999));
  EXPECT_EQ(t.state(), TcpState::kTimeWait);
  t.OnTimer(Sec(60));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
  EXPECT_NO_OUT(t);
}

TEST(TimeWait, RetransmittedFin_AckedTimerRestarted) {
  Tcb t = TimeWait();
  t.OnSegment(In(kFin | kAck, R, L + 1), Sec(10));
  EXPECT_OUT(t, Out(kAck, L + 1, R + 1, 4096));
  EXPECT_EQ(t.PollAt(), Sec(70));
}

TEST(TimeWait, RstInSequence_Ends) {
  Tcb t = TimeWait();
  t.OnSegment(In(kRst, R + 1), Sec(1));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
}

TEST(TimeWait, RstOutOfSequence_Ignored) {
  Tcb t = TimeWait();
  t.OnSegment(In(kRst, R + 100), Sec(1));
  EXPECT_EQ(t.state(), TcpState::kTimeWait);
  EXPECT_NO_OUT(t);
}

TEST(TimeWait, BareAckInSequence_RestartsSilently) {
  Tcb t = TimeWait();
  t.OnSegment(In(kAck, R + 1, L + 1), Sec(20));
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), Sec(80));
}

TEST(TimeWait, Data_AckedNotQueued) {
  Tcb t = TimeWait();
  t.OnSegment(In(kAck | kPsh, R + 1, L + 1, "zz"), Sec(1));
  EXPECT_OUT(t, Out(kAck, L + 1, R + 1, 4096));
  EXPECT_EQ(t.RecvAvailable(), 0u);
}

// =========================================================================
// End to end: two blocks talking, lossless.
// =========================================================================

TEST(EndToEnd, TransferAcrossWrapAndClose) {
  TcbConfig cb = Cfg();
  cb.local_port = kRemotePort;
  cb.remote_port = kLocalPort;
  cb.mss = kPeerMss;
  Tcb a(Cfg()), b(cb);
  a.Connect(kLocalIss, Ms(0));
  std::vector<Segment> wire = a.TakeOutput();
  b.AcceptSyn(wire[0], kRemoteIss, Ms(0));
  std::string sent;
  for (int i = 0; i < 20000; ++i) sent += static_cast<char>('a' + i % 26);
  std::string received;
  size_t offered = 0;
  Time now = Ms(1);
  for (int step = 0; step < 1000; ++step) {
    now += Ms(1);
    if (offered < sent.size() && a.state() == TcpState::kEstablished) {
      offered += SendStr(a, std::string_view(sent).substr(offered), now);
      if (offered == sent.size()) a.Close(now);
    }
    for (const Segment& s : a.TakeOutput()) b.OnSegment(s, now);
    received += RecvStr(b, 100000);
    if (b.state() == TcpState::kCloseWait) b.Close(now);
    for (const Segment& s : b.TakeOutput()) a.OnSegment(s, now);
    if (a.state() == TcpState::kTimeWait && b.state() == TcpState::kClosed) {
      break;
    }
  }
  EXPECT_EQ(received, sent);
  EXPECT_EQ(a.state(), TcpState::kTimeWait);
  EXPECT_EQ(b.state(), TcpState::kClosed);
}

// =========================================================================
// Urgent data (Linux's reading: the pointer is one past the urgent byte)
// =========================================================================

TEST(Urgent, SendMarksSegmentsUntilThePointerIsAcked) {
  Tcb t = Established();
  SendUrgent(t, "ab", Ms(1));
  EXPECT_OUT(t, WithUrg(Out(kPsh | kAck, L, R, 4096, "ab"), 2));
  t.OnSegment(In(kAck, R, L + 2), Ms(2));
  SendStr(t, "c", Ms(3));
  EXPECT_OUT(t, Out(kPsh | kAck, L + 2, R, 4096, "c"));
}

TEST(Urgent, NagleAndCorkDoNotHoldUrgentData) {
  Tcb t = Established();
  SendStr(t, "x", Ms(1));
  EXPECT_OUT(t, Out(kPsh | kAck, L, R, 4096, "x"));
  SendStr(t, "y", Ms(2));
  EXPECT_NO_OUT(t);  // Nagle holds it
  SendUrgent(t, "z", Ms(3));
  EXPECT_OUT(t, WithUrg(Out(kPsh | kAck, L + 1, R, 4096, "yz"), 2));
  Tcb c = Established();
  c.SetCork(true, Ms(1));
  SendUrgent(c, "u", Ms(1));
  EXPECT_OUT(c, WithUrg(Out(kPsh | kAck, L, R, 4096, "u"), 1));
}

TEST(Urgent, RetransmissionCarriesThePointer) {
  Tcb t = Established();
  SendUrgent(t, "ab", Ms(0));
  t.TakeOutput();
  std::vector<Timed> out = RunTimers(t, Ms(200));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Describe(out[0].seg),
            Describe(WithUrg(Out(kPsh | kAck, L, R, 4096, "ab"), 2)));
}

TEST(Urgent, PointerAheadOfItsByte_NotYetThenValid) {
  Tcb t = Established();
  // The pointer arrives on a segment that ends before the urgent byte.
  t.OnSegment(WithUrg(In(kAck | kPsh, R, L, "ab"), 3), Ms(1));
  t.TakeOutput();
  EXPECT_TRUE(t.urgent_any());
  EXPECT_FALSE(t.urgent_valid());
  EXPECT_EQ(RecvStr(t, 8), "ab");  // the mark is after them
  t.OnSegment(In(kAck | kPsh, R + 2, L, "cd"), Ms(2));
  t.TakeOutput();
  EXPECT_TRUE(t.urgent_valid());
  EXPECT_EQ(t.urgent_byte(), 'c');
  EXPECT_EQ(t.ReadableBytes(), 1u);  // 'c' is stepped over
  EXPECT_EQ(RecvStr(t, 8), "d");
  EXPECT_FALSE(t.urgent_any());  // read past the mark
}

TEST(Urgent, ByteInAnOutOfOrderSegmentIsCaptured) {
  Tcb t = Established();
  t.OnSegment(WithUrg(In(kAck | kPsh, R + 2, L, "c"), 1), Ms(1));
  t.TakeOutput();
  EXPECT_TRUE(t.urgent_valid());
  EXPECT_EQ(t.urgent_byte(), 'c');
  EXPECT_EQ(RecvStr(t, 8), "");  // nothing in order yet
  t.OnSegment(In(kAck, R, L, "ab"), Ms(2));
  t.TakeOutput();
  EXPECT_EQ(RecvStr(t, 8), "ab");
  EXPECT_EQ(RecvStr(t, 8), "");  // steps over 'c'
  EXPECT_EQ(t.RecvAvailable(), 0u);
}

TEST(Urgent, StalePointerIsIgnored) {
  Tcb t = Established();
  t.OnSegment(WithUrg(In(kAck | kPsh, R, L, "ab"), 2), Ms(1));
  t.TakeOutput();
  EXPECT_EQ(RecvStr(t, 8), "a");
  EXPECT_EQ(RecvStr(t, 8), "");
  EXPECT_FALSE(t.urgent_any());
  // The same segment again (a retransmission): its pointer is old news.
  t.OnSegment(WithUrg(In(kAck | kPsh, R, L, "ab"), 2), Ms(2));
  t.TakeOutput();
  EXPECT_FALSE(t.urgent_any());
}

TEST(Urgent, PeekStopsAtTheMarkAndStepsOverWithoutConsuming) {
  Tcb t = Established();
  t.OnSegment(WithUrg(In(kAck | kPsh, R, L, "abcd"), 3), Ms(1));
  t.TakeOutput();
  EXPECT_EQ(RecvStr(t, 8, /*peek=*/true), "ab");
  EXPECT_EQ(RecvStr(t, 8), "ab");
  EXPECT_EQ(RecvStr(t, 8, /*peek=*/true), "d");
  EXPECT_TRUE(t.urgent_valid());  // a peek does not pass the mark
  EXPECT_EQ(RecvStr(t, 8), "d");
  EXPECT_FALSE(t.urgent_any());
}

TEST(Urgent, InlineByteIsReadAfterTheMark) {
  TcbConfig c = Cfg();
  c.oob_inline = true;
  Tcb t = Established(c);
  t.OnSegment(WithUrg(In(kAck | kPsh, R, L, "abcd"), 3), Ms(1));
  t.TakeOutput();
  EXPECT_EQ(t.ReadableBytes(), 4u);
  EXPECT_EQ(RecvStr(t, 8), "ab");
  EXPECT_EQ(RecvStr(t, 8), "cd");
  EXPECT_FALSE(t.urgent_any());
}

}  // namespace
}  // namespace simsock::sim::tcp
