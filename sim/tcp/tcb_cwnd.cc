// Tcb and its congestion control: what the block tells the algorithm
// (congestion_control.h) and what it asks of it. The arithmetic of cwnd
// and ssthresh is the algorithm's; here are the events, as Linux raises
// them (tcp_input.c: tcp_ack, tcp_clean_rtx_queue, tcp_fastretrans_alert,
// tcp_cong_control; tcp_output.c: tcp_cwnd_test, tcp_cwnd_validate,
// tcp_event_data_sent; tcp_timer.c / tcp_input.c: tcp_enter_loss;
// include/net/tcp.h: tcp_is_cwnd_limited, tcp_packets_in_flight,
// tcp_slow_start_after_idle_check).
//
// Design notes:
// - Segments are counted as Linux counts skbs: packets_out_ holds the end
//   of each segment sent, so a run of small segments counts one each, as
//   Linux's cwnd does (and a cwnd-limited sender's small writes coalesce in
//   the send queue and leave together, as they do in Linux's last skb).
// - Without SACK, Linux's Reno accounting counts each duplicate ACK as one
//   segment delivered (tcp_add_reno_sack), so the first two each let one
//   new segment go (limited transmit, RFC 3042). From the third, recovery
//   inflates cwnd instead (congestion_control.h).
// - After a timeout everything beyond the retransmitted head is taken as
//   lost (tcp_enter_loss marks the queue lost): in flight are the segments
//   below snd_nxt_, which goes back to snd_una_ (go-back-N).
//
// Threading: none.
#include <algorithm>

#include "simsock/sim/tcp/tcb.h"

namespace simsock::sim::tcp {

CongestionControl& Tcb::cc() {
  return std::visit([](auto& c) -> CongestionControl& { return c; }, cc_);
}

const CongestionControl& Tcb::congestion() const {
  return std::visit([](const auto& c) -> const CongestionControl& { return c; },
                    cc_);
}

bool Tcb::SetCongestionControl(std::string_view name) {
  std::variant<Cubic, Reno> next;
  if (name == "cubic") {
    next.emplace<Cubic>();
  } else if (name == "reno") {
    next.emplace<Reno>();
  } else {
    return false;
  }
  std::visit([&](auto& c) { c.TakeWindowFrom(congestion()); }, next);
  cc_ = next;
  if (config_->congestion != name)
    MutableConfig().congestion = std::string(name);
  return true;
}

uint32_t Tcb::packets_in_flight() const {
  if (packets_out_.empty() || snd_nxt_ == snd_una_) return 0;
  uint32_t n = static_cast<uint32_t>(packets_out_.size());
  if (snd_nxt_ < snd_max_) {
    // Go-back-N after a timeout: the segments that start below snd_nxt_,
    // those ending below it and the one that holds it.
    n = std::min(n,
                 static_cast<uint32_t>(packets_out_.LowerBound(snd_nxt_)) + 1);
  }
  if (!congestion().in_recovery() && !in_loss_) {
    const uint32_t limited = static_cast<uint32_t>(std::min(dupacks_, 2));
    n = n > limited ? n - limited : 0;
  }
  return n;
}

// tcp_cwnd_validate: remember whether this round of sending filled cwnd,
// or else the most segments it had out, until snd_una passes what was sent
// then (cwnd_usage_seq).
void Tcb::CwndValidate(bool is_cwnd_limited) {
  const uint32_t out = static_cast<uint32_t>(packets_out_.size());
  if (snd_una_ >= cwnd_usage_seq_ || is_cwnd_limited ||
      (!is_cwnd_limited_ && out > max_packets_out_)) {
    is_cwnd_limited_ = is_cwnd_limited;
    max_packets_out_ = out;
    cwnd_usage_seq_ = snd_nxt_;
  }
}

// tcp_is_cwnd_limited: cwnd grows only while it is what limits the sender
// (in slow start: while it is below twice the segments that were out).
bool Tcb::IsCwndLimited() const {
  if (is_cwnd_limited_) return true;
  if (congestion().in_slow_start())
    return congestion().cwnd() < 2 * max_packets_out_;
  return false;
}

// tcp_clean_rtx_queue's count: the segments snd_una_ now covers whole.
uint32_t Tcb::AckPackets() {
  uint32_t acked = 0;
  while (!packets_out_.empty() && packets_out_.front() <= snd_una_) {
    packets_out_.pop_front();
    ++acked;
  }
  return acked;
}

// tcp_fastretrans_alert then tcp_cong_control, for an ACK that advanced
// snd_una: a partial ACK in recovery deflates cwnd and retransmits the
// next hole (the caller sends it, once the window is updated); the ACK
// that reaches recover_ ends recovery (cwnd = ssthresh) or the Loss state;
// outside recovery cwnd grows (tcp_cong_avoid).
void Tcb::OnNewAck(uint32_t acked_packets, Time now) {
  CongestionControl& c = cc();
  if (c.in_recovery()) {
    if (snd_una_ < recover_) {
      c.OnPartialAck(acked_packets);
    } else {
      c.ExitRecovery();
    }
    return;
  }
  if (in_loss_ && snd_una_ >= recover_) in_loss_ = false;
  c.OnAck(acked_packets, IsCwndLimited(), now, rtt_.srtt());
}

// A duplicate ACK (RFC 5681 §2): the third starts fast retransmit and
// recovery (tcp_enter_recovery), once per window (RFC 6582: not again
// before recover_), and not in the Loss state (tcp_process_loss); later
// ones inflate cwnd.
void Tcb::OnDupAck(Time now) {
  ++dupacks_;
  CongestionControl& c = cc();
  if (c.in_recovery()) {
    c.OnRecoveryDupAck();
    return;
  }
  if (dupacks_ == 3 && !in_loss_) {
    recover_ = snd_max_;
    c.EnterRecovery();
    TransmitAt(snd_una_, EffectiveMss(), /*allow_fin=*/true, now);
  }
}

// tcp_enter_loss. A new loss sets ssthresh by the algorithm's rule; a
// timeout that repeats one (Loss state, nothing acknowledged since the
// last, high_seq not reached) keeps it. cwnd becomes 1 either way.
void Tcb::OnRetransmitTimeout() {
  const bool new_loss =
      !in_loss_ || snd_una_ >= recover_ || timers_.retransmits() == 0;
  cc().OnRetransmitTimeout(new_loss);
  in_loss_ = true;
  recover_ = snd_max_;
  dupacks_ = 0;
}

// tcp_slow_start_after_idle_check, when a write starts a new segment: a
// sender with nothing in flight that last sent more than an RTO ago
// restarts from a smaller window (tcp_cwnd_restart).
void Tcb::SlowStartAfterIdleCheck(Time now) {
  if (!config_->slow_start_after_idle || !packets_out_.empty()) return;
  const Duration idle = now - lsndtime_;  // negative: no data sent yet
  if (idle > rtt_.rto()) cc().RestartAfterIdle(idle, rtt_.rto());
}

}  // namespace simsock::sim::tcp
