/// \file
/// DelayedAck: Linux's receiver-side ACK engine (icsk_ack; tcp_input.c
/// tcp_event_data_recv, tcp_measure_rcv_mss, __tcp_ack_snd_check;
/// tcp_output.c tcp_send_delayed_ack, tcp_event_ack_sent,
/// tcp_event_data_sent; tcp_timer.c tcp_delack_timer_handler;
/// tcp.c tcp_cleanup_rbuf), in virtual time: the timer fires exactly at
/// now + ATO rather than on the next 4 ms jiffy.
//
// The first data segments are ACKed at once (quickack, up to 16), then
// ACKs wait for the delayed-ACK timer (ATO, 40 ms adapted to the arrival
// pattern), a second full segment, a read that empties the buffer, or data
// to carry them; a connection that answers within the ATO of receiving
// goes "pingpong" (interactive) and delays even the early ACKs.
//
// The engine decides; the Tcb acts: it sends the ACK, and arms the timer's
// deadline in its TcpTimers (the engine keeps only ICSK_ACK_TIMER, the
// "armed" bit). Inputs the engine does not own (the window last
// advertised, the RTO, the RTT estimate) come in as arguments.
//
// Threading: none.
#pragma once

#include <cstddef>
#include <cstdint>

#include "simsock/sim/base/time.h"

namespace simsock::sim::tcp {

class RttEstimator;

/// Linux's receiver-side ACK engine for one connection: decides when an ACK
/// goes at once, when it waits for the delayed-ACK timer and when that timer is
/// due. The Tcb owns it, sends the ACKs and arms the timer. O(1) per call; no
/// allocation.
class DelayedAck {
 public:
  /// An engine with no ACK pending; interactive (TCP_QUICKACK 0 before the
  /// connection) starts in pingpong mode.
  explicit DelayedAck(bool interactive);

  // --- Observers -----------------------------------------------------------
  /// An ACK is held (ICSK_ACK_SCHED).
  bool scheduled() const { return (pending_ & kAckSched) != 0; }
  /// The session counts as interactive: even the early ACKs are delayed.
  bool in_pingpong() const { return pingpong_ >= kPingpongThresh; }
  /// ACKs still to be sent at once (quickack mode; up to 16).
  int quickacks_left() const { return quick_; }
  /// icsk_ack.rcv_mss: the estimate of the peer's segment size.
  uint32_t rcv_mss() const { return rcv_mss_; }
  /// The current delayed-ACK timeout (icsk_ack.ato); 0 until the first data
  /// segment.
  Duration ato() const { return ato_; }

  // --- Receiving -----------------------------------------------------------
  /// tcp_initialize_rcv_mss (at ESTABLISHED): a guess at the peer's MSS, at
  /// most 536.
  void InitRcvMss(uint32_t our_mss, uint32_t snd_mss, uint32_t adv_wnd);
  /// tcp_enter_quickack_mode: data we had, or beyond the window.
  void EnterQuickackMode(uint32_t adv_wnd);
  /// tcp_event_data_recv: len in-order bytes with these flags arrived at
  /// now; schedules an ACK and adapts the ATO. grow_room: the buffer has
  /// room beyond the window our SYN offered (tcp_grow_window's condition).
  void OnDataRecv(size_t len, uint8_t flags, Time now, Duration rto,
                  uint32_t adv_wnd, uint32_t our_mss, bool grow_room);
  /// An ACK is due (inet_csk_schedule_ack).
  void Schedule() { pending_ |= kAckSched; }
  /// An ACK is due at once (inet_csk_schedule_ack with ICSK_ACK_NOW).
  void ScheduleNow() { pending_ |= kAckSched | kAckNow; }
  /// A hole has been filled (RFC 5681 §4.2): ACK at once.
  void AckNow() { pending_ |= kAckNow; }
  /// tcp_fin: the session counts as interactive.
  void EnterPingpong();
  /// The session is no longer interactive (inet_csk_exit_pingpong_mode).
  void LeavePingpong() { pingpong_ = 0; }

  // --- Deciding ------------------------------------------------------------
  /// __tcp_ack_snd_check: with an ACK scheduled, whether it goes at once
  /// (more than one full segment in and the window would move, quickack
  /// mode, or ICSK_ACK_NOW) rather than on the timer.
  bool AckNowDue(bool full_frames) const;
  /// tcp_send_delayed_ack: when the delayed ACK is due, or `now` when it must
  /// go at once (ATO 0, or the armed timer, at `armed`, is about to fire).
  /// Marks the timer armed; the Tcb arms (or moves) it to the returned time.
  Time DelayedAckDeadline(Time now, Time armed, const RttEstimator& rtt);
  /// tcp_cleanup_rbuf's first half: a read of `copied` bytes that left the
  /// receive side `drained` sends the held ACK when more than a full segment
  /// is unacknowledged (`unacked` bytes), or the buffer of small pushed
  /// segments is empty in a non-interactive session.
  bool ReadWantsAck(size_t copied, bool drained, uint32_t unacked) const;
  /// TCP_QUICKACK nonzero with an ACK held: it counts as pushed.
  void MarkPushed() { pending_ |= kAckPushed; }

  // --- Events --------------------------------------------------------------
  /// tcp_event_ack_sent: a segment carried the ACK; a quick ACK is used up,
  /// nothing is pending (the Tcb stops the timer).
  void OnAckSent();
  /// tcp_event_data_sent: data sent within the ATO of the last data received
  /// is a reply, so the session is interactive.
  void OnDataSent(Time now);
  /// tcp_delack_timer_handler: the timer fired. Returns whether the ACK is
  /// still to be sent (the Tcb sends it), after inflating the ATO or ending
  /// an interactive session.
  /// connection_open: false in CLOSED, where nothing is sent.
  bool OnTimer(Duration rto, bool connection_open);
  /// The timer is cancelled and nothing is pending (tcp_done).
  void Cancel() { pending_ = 0; }

 private:
  static constexpr uint8_t kAckSched = 1;    // ICSK_ACK_SCHED
  static constexpr uint8_t kAckTimer = 2;    // ICSK_ACK_TIMER
  static constexpr uint8_t kAckPushed = 4;   // ICSK_ACK_PUSHED
  static constexpr uint8_t kAckPushed2 = 8;  // ICSK_ACK_PUSHED2
  static constexpr uint8_t kAckNow = 16;     // ICSK_ACK_NOW
  static constexpr int kPingpongThresh = 1;  // tcp_pingpong_thresh

  void IncrQuickack(uint32_t adv_wnd, int max_quickacks);
  bool InQuickackMode() const { return quick_ > 0 && !in_pingpong(); }
  void MeasureRcvMss(size_t len, uint8_t flags, uint32_t our_mss);

  // (The times first, then the 4-byte fields, then the bytes: no padding
  // between them, 32 bytes in every control block. The two counters are
  // bytes as Linux's icsk_ack.quick and .pingpong are: quick_ is at most
  // kMaxQuickacks, pingpong_ stops at 255.)
  Duration ato_{0};         // 0 until the first data segment
  Time lrcvtime_{0};        // last data segment received
  uint32_t rcv_mss_ = 536;  // guess at the peer's MSS
  uint32_t last_seg_size_ = 0;
  uint8_t quick_ = 0;          // ACKs still to send at once
  uint8_t pingpong_ = 0;       // interactive-session count
  uint8_t pending_ = 0;        // icsk_ack.pending
  bool window_grown_ = false;  // tcp_grow_window has raised rcv_ssthresh
};

}  // namespace simsock::sim::tcp
