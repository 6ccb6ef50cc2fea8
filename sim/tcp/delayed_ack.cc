// DelayedAck (see delayed_ack.h): Linux's icsk_ack engine.
#include "simsock/sim/tcp/delayed_ack.h"

#include <algorithm>

#include "simsock/sim/tcp/rtt_estimator.h"
#include "simsock/sim/tcp/segment.h"

namespace simsock::sim::tcp {
namespace {

using std::chrono::milliseconds;

// The engine's constants (include/net/tcp.h, HZ-independent in
// milliseconds): TCP_ATO_MIN and TCP_DELACK_MIN are HZ/25, TCP_DELACK_MAX
// HZ/5; a bulk receiver's ATO is bounded by HZ/2.
constexpr Duration kAtoMin = milliseconds(40);
constexpr Duration kDelackMin = milliseconds(40);
constexpr Duration kDelackMax = milliseconds(200);
constexpr Duration kAtoMaxBulk = milliseconds(500);
constexpr int kMaxQuickacks = 16;     // TCP_MAX_QUICKACKS
constexpr uint32_t kMinRcvMss = 536;  // TCP_MIN_RCVMSS
constexpr uint32_t kMinMss = 88;      // TCP_MIN_MSS
// The header tcp_measure_rcv_mss adds to a segment's length. Linux's peer
// on loopback also sends timestamps (32 bytes); the simulator has none.
constexpr size_t kTcpHeaderLen = 20;
// tcp_grow_window raises the window (and grants one more quick ACK) only
// for a segment whose payload outweighs its buffer overhead: measured on
// Linux 6.18 loopback, 20 writes of 800 bytes get 16 quick ACKs and of
// 900 bytes 17 (832 is the truesize of a small skb, UdpSocket::Truesize).
constexpr size_t kGrowMinPayload = 832;

}  // namespace

DelayedAck::DelayedAck(bool interactive) {
  if (interactive) pingpong_ = static_cast<uint8_t>(kPingpongThresh);
}

// --- Receiving (tcp_input.c) -----------------------------------------------

// tcp_initialize_rcv_mss: a guess at the peer's MSS, at most 536.
void DelayedAck::InitRcvMss(uint32_t our_mss, uint32_t snd_mss,
                            uint32_t adv_wnd) {
  uint32_t hint = std::min<uint32_t>(our_mss, snd_mss);
  hint = std::min<uint32_t>(hint, adv_wnd / 2);
  hint = std::min<uint32_t>(hint, kMinRcvMss);
  rcv_mss_ = std::max<uint32_t>(hint, kMinMss);
}

// tcp_incr_quickack: about one quick ACK per two segments of window.
void DelayedAck::IncrQuickack(uint32_t adv_wnd, int max_quickacks) {
  uint32_t quickacks = adv_wnd / (2 * rcv_mss_);
  if (quickacks == 0) quickacks = 2;
  const int q = static_cast<int>(
      std::min<uint32_t>(quickacks, static_cast<uint32_t>(max_quickacks)));
  if (q > quick_) quick_ = static_cast<uint8_t>(q);
}

// tcp_enter_quickack_mode.
void DelayedAck::EnterQuickackMode(uint32_t adv_wnd) {
  IncrQuickack(adv_wnd, kMaxQuickacks);
  pingpong_ = 0;
  ato_ = kAtoMin;
}

void DelayedAck::EnterPingpong() {
  pingpong_ = static_cast<uint8_t>(std::max<int>(pingpong_, kPingpongThresh));
}

// tcp_measure_rcv_mss: full-sized segments teach the peer's MSS; small
// ones mark the pending ACK as "pushed" (twice: PUSHED2).
void DelayedAck::MeasureRcvMss(size_t len, uint8_t flags, uint32_t our_mss) {
  const uint32_t lss = last_seg_size_;
  last_seg_size_ = 0;
  if (len >= rcv_mss_) {
    rcv_mss_ = static_cast<uint32_t>(std::min<size_t>(len, our_mss));
    return;
  }
  const size_t with_header = len + kTcpHeaderLen;
  if (with_header >= kMinRcvMss + kTcpHeaderLen ||
      (with_header >= kMinMss + kTcpHeaderLen &&
       !(flags & (kFin | kUrg | kSyn | kPsh)))) {
    last_seg_size_ = static_cast<uint32_t>(len);
    if (len == lss) {
      rcv_mss_ = static_cast<uint32_t>(len);
      return;
    }
  }
  if (pending_ & kAckPushed) pending_ |= kAckPushed2;
  pending_ |= kAckPushed;
}

// tcp_event_data_recv: schedule an ACK and adapt the ATO to the gaps
// between data segments.
void DelayedAck::OnDataRecv(size_t len, uint8_t flags, Time now, Duration rto,
                            uint32_t adv_wnd, uint32_t our_mss,
                            bool grow_room) {
  pending_ |= kAckSched;
  MeasureRcvMss(len, flags, our_mss);
  if (ato_ == Duration::zero()) {
    // The first data segment starts the engine.
    IncrQuickack(adv_wnd, kMaxQuickacks);
    ato_ = kAtoMin;
  } else {
    const Duration m = now - lrcvtime_;
    if (m <= kAtoMin / 2) {
      ato_ = ato_ / 2 + kAtoMin / 2;
    } else if (m < ato_) {
      ato_ = ato_ / 2 + m;
      if (ato_ > rto) ato_ = rto;
    } else if (m > rto) {
      // A long gap: the sender must restart; ACK quickly again.
      IncrQuickack(adv_wnd, kMaxQuickacks);
    }
  }
  lrcvtime_ = now;
  // tcp_grow_window: while rcv_ssthresh (the window our SYN offered) is
  // below the window clamp (the buffer's capacity), the first large enough
  // segment raises it to the clamp in one step on these paths (2 * advmss
  // exceeds the room left) and adds a quick ACK (icsk_ack.quick |= 1). A
  // small pinned SO_RCVBUF leaves no room, so no extra ACK.
  if (len >= kGrowMinPayload && !window_grown_ && grow_room) {
    window_grown_ = true;
    quick_ |= 1;
  }
}

// --- Deciding ----------------------------------------------------------------

// __tcp_ack_snd_check.
bool DelayedAck::AckNowDue(bool full_frames) const {
  return full_frames || InQuickackMode() || (pending_ & kAckNow);
}

// tcp_send_delayed_ack (tcp_output.c): the timer at now + ATO, bounded by
// 200 ms in an interactive session (or after a pushed segment) and by the
// RTT; an earlier timer already armed is kept.
Time DelayedAck::DelayedAckDeadline(Time now, Time armed,
                                    const RttEstimator& rtt) {
  Duration ato = ato_;
  if (ato > kDelackMin) {
    Duration max_ato = kAtoMaxBulk;
    if (in_pingpong() || (pending_ & kAckPushed)) max_ato = kDelackMax;
    if (rtt.has_srtt()) {
      const Duration r = std::max(rtt.srtt(), kDelackMin);
      if (r < max_ato) max_ato = r;
    }
    ato = std::min(ato, max_ato);
  }
  ato = std::min(ato, kDelackMax);
  // ATO 0 (no data received yet, e.g. a bare FIN): Linux's timer fires on
  // the next 4 ms tick; here, at once.
  if (ato == Duration::zero()) return now;
  Time timeout = now + ato;
  if (pending_ & kAckTimer) {
    // The armed timer is about to fire: ACK now.
    if (armed <= now + ato / 4) return now;
    if (!(timeout < armed)) timeout = armed;
  }
  pending_ |= kAckSched | kAckTimer;
  return timeout;
}

// tcp_cleanup_rbuf (tcp.c), the delayed-ACK half.
bool DelayedAck::ReadWantsAck(size_t copied, bool drained,
                              uint32_t unacked) const {
  if (!(pending_ & kAckSched)) return false;
  return unacked > rcv_mss_ || (copied > 0 && drained &&
                                ((pending_ & kAckPushed2) ||
                                 ((pending_ & kAckPushed) && !in_pingpong())));
}

// --- Events
// --------------------------------------------------------------------

// tcp_event_ack_sent (tcp_output.c).
void DelayedAck::OnAckSent() {
  if (quick_ > 0 && (pending_ & kAckSched)) {
    if (--quick_ == 0) ato_ = kAtoMin;
  }
  pending_ = 0;
}

// tcp_event_data_sent (tcp_output.c).
void DelayedAck::OnDataSent(Time now) {
  if (now - lrcvtime_ < ato_) {
    if (pingpong_ < 255) ++pingpong_;
  }
}

// tcp_delack_timer_handler (tcp_timer.c).
bool DelayedAck::OnTimer(Duration rto, bool connection_open) {
  pending_ &= static_cast<uint8_t>(~kAckTimer);
  if (!(pending_ & kAckSched) || !connection_open) return false;
  if (!in_pingpong()) {
    ato_ = std::min(ato_ * 2, rto);
  } else {
    pingpong_ = 0;
    ato_ = kAtoMin;
  }
  return true;
}

}  // namespace simsock::sim::tcp
