/// \file
/// Tcb: one TCP connection's control block, sans-IO.
//
// Reading list: RFC 9293 (TCP, §3.10 event processing), RFC 1122 (§4.2.3.4
// Nagle, §4.2.2.17 zero-window probes, §4.2.3.3 receiver SWS avoidance),
// RFC 6298 (RTO), RFC 7323 (window scale), RFC 5961 (RST/SYN robustness).
// Where Linux differs from the RFCs we follow Linux and say so at the spot
// (net/ipv4/tcp_input.c, tcp_output.c, tcp_timer.c, tcp_minisocks.c).
//
// The control block never touches a network, a clock or a scheduler. Time
// comes in as an argument; timers are data (PollAt says when the block next
// needs OnTimer); segments to send accumulate in an outbox drained with
// TakeOutput. The socket layer (sim/inet/tcp_socket.*) owns the fd-level
// semantics (errors surfacing once, shutdown flags, wakeups) and the listener
// (SYN and accept queues); the host routes segments by 4-tuple.
//
// LISTEN is not a Tcb state in practice: a listener is a socket holding
// queues, and each arriving SYN gets a fresh Tcb through AcceptSyn.
//
// ACKs follow Linux's delayed-ACK engine (icsk_ack): the first data
// segments are ACKed at once (quickack, up to 16), then ACKs wait for the
// delayed-ACK timer (ATO, 40 ms adapted to the arrival pattern), a second
// full segment, a read that empties the buffer, or data to carry them; a
// connection that answers within the ATO of receiving goes "pingpong"
// (interactive) and delays even the early ACKs. Nagle is Minshall's
// variant (hold a small segment only while an earlier small one is
// unacknowledged), as tcp_nagle_check.
//
// Congestion control (congestion_control.h, "cubic" or "reno" as
// TCP_CONGESTION chooses): new data goes only while fewer segments than
// cwnd are in flight (tcp_cwnd_test) and it fits the peer's window
// (tcp_snd_wnd_test). Three duplicate ACKs start fast retransmit and
// NewReno recovery; a retransmission timeout the Loss state (cwnd 1,
// go-back-N). The first two duplicate ACKs each let one new segment go
// (limited transmit, RFC 3042, as Linux's Reno accounting does).
//
// Deliberate simplifications (also in docs/semantics.md):
// - no timestamps, SACK, tail-loss probe, F-RTO or undo of a spurious
//   retransmission; recovery is NewReno's with window inflation, not PRR.
//
// Urgent data (MSG_OOB) follows Linux, not RFC 9293: one urgent byte, the
// last one sent with MSG_OOB; the receiver keeps the newest mark only,
// takes that byte out of the stream unless SO_OOBINLINE, and a read never
// crosses the mark (tcp_check_urg, tcp_urg, tcp_recvmsg_locked).
//
// Where each mechanism lives (a Tcb owns one of each component):
//   tcb.cc             construction, opening, user calls, state changes
//   tcb_input.cc       SEGMENT ARRIVES (RFC 9293 §3.10.7; tcp_input.c)
//   tcb_output.cc      segments, windows, Nagle, the cork (tcp_output.c)
//   tcb_timers.cc      timer expiries and give-ups (tcp_timer.c)
//   rtt_estimator.h    srtt, rttvar, RTO, Karn's rule, backoff (RFC 6298)
//   reassembly_queue.h out-of-order data and FIN
//   delayed_ack.h      quickack, ATO, pingpong (icsk_ack)
//   urgent.h           MSG_OOB, sender's and receiver's side
//   tcp_timers.h       the five timers' deadlines and their counters
//
// Threading: none; the world calls it from its one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "simsock/sim/base/io_span.h"
#include "simsock/sim/base/time.h"
#include "simsock/sim/tcp/byte_queue.h"
#include "simsock/sim/tcp/congestion_control.h"
#include "simsock/sim/tcp/delayed_ack.h"
#include "simsock/sim/tcp/reassembly_queue.h"
#include "simsock/sim/tcp/rtt_estimator.h"
#include "simsock/sim/tcp/segment.h"
#include "simsock/sim/tcp/seq.h"
#include "simsock/sim/tcp/seq_fifo.h"
#include "simsock/sim/tcp/tcp_state.h"
#include "simsock/sim/tcp/tcp_timers.h"
#include "simsock/sim/tcp/urgent.h"

namespace simsock::sim::tcp {

/// Per-connection parameters, filled by the socket layer from the host's
/// sysctls and the socket's options. Defaults are Linux 6.x defaults.
struct TcbConfig {
  uint16_t local_port = 0;   ///< our port
  uint16_t remote_port = 0;  ///< the peer's port
  /// MSS we advertise (path MTU - 40): 65483 on loopback, 1460 on Ethernet.
  uint16_t mss = 1460;
  /// Receive window scale we offer in our SYN (used only if the peer offers
  /// one too). Linux offers 7 with the default tcp_rmem.
  uint8_t rcv_wscale = 7;
  /// Receive buffer capacity, in payload bytes. The advertised window is the
  /// free part of it.
  uint32_t rcv_buf = 65536;
  /// Send buffer capacity, in payload bytes (unacknowledged + unsent).
  uint32_t snd_buf = 16384;
  bool nodelay = false;  ///< TCP_NODELAY: no Nagle
  /// SYN retransmissions: tcp_syn_retries (or TCP_SYNCNT) and
  /// tcp_syn_linear_timeouts (Linux >= 6.5: the first N backoffs are linear).
  int syn_retries = 6;
  int syn_linear_timeouts = 4;  ///< tcp_syn_linear_timeouts
  /// tcp_synack_retries: SYN-ACK retransmissions of a passive open
  int synack_retries = 5;
  /// tcp_retries2, converted to a time budget as Linux's tcp_model_timeout.
  int retries2 = 15;
  /// tcp_orphan_retries = 0 means 8 (tcp_orphan_retries()).
  int orphan_retries = 8;
  Duration rto_initial = std::chrono::seconds(1);  ///< TCP_TIMEOUT_INIT
  /// TCP_RTO_MIN: floor of the computed RTO
  Duration rto_min = std::chrono::milliseconds(200);
  /// TCP_RTO_MAX: cap of the RTO and its backoff
  Duration rto_max = std::chrono::seconds(120);
  /// The three above, as the RTT estimator takes them.
  RtoBounds rto_bounds() const { return {rto_initial, rto_min, rto_max}; }
  Duration time_wait = std::chrono::seconds(60);  ///< TCP_TIMEWAIT_LEN
  /// tcp_fin_timeout, orphans
  Duration fin_timeout = std::chrono::seconds(60);
  Duration user_timeout{0};  ///< TCP_USER_TIMEOUT, 0 = off
  bool keepalive = false;    ///< SO_KEEPALIVE
  /// TCP_KEEPIDLE: idle time before the first probe
  Duration keepalive_idle = std::chrono::seconds(7200);
  /// TCP_KEEPINTVL: time between probes
  Duration keepalive_interval = std::chrono::seconds(75);
  int keepalive_count = 9;  ///< TCP_KEEPCNT: unanswered probes before giving up
  bool oob_inline = false;  ///< SO_OOBINLINE: the urgent byte stays in line
  bool interactive = false;  ///< TCP_QUICKACK 0 before the connection
  /// TCP_CONGESTION: "cubic" (Linux's default) or "reno"; another name is
  /// taken as "cubic" (the socket layer refuses it first, with ENOENT).
  std::string congestion = "cubic";
  /// net.ipv4.tcp_slow_start_after_idle: a sender idle for more than an
  /// RTO restarts from a smaller window (tcp_cwnd_restart, RFC 2861).
  bool slow_start_after_idle = true;
  /// net.ipv4.tcp_invalid_ratelimit: at most one ACK per this interval
  /// answers out-of-window segments, or is a challenge ACK (RFC 5961), on
  /// one connection (tcp_oow_rate_limited), so two ends that each find the
  /// other's ACKs unacceptable cannot loop.
  Duration invalid_ratelimit = std::chrono::milliseconds(500);
  /// CONFIG_HZ of the modelled kernel: the rate limit counts jiffies.
  int hz = 250;
};

/// Whether two configs agree in every field a Tcb shares between connections
/// (all but the ports, mss, rcv_wscale, the buffer sizes, nodelay, keepalive
/// and oob_inline, which each block keeps for itself).
bool SameSharedConfig(const TcbConfig& a, const TcbConfig& b);

/// One TCP connection's control block, sans-IO: RFC 9293's state machine with
/// Linux's choices (see the file comment). Segments come in through OnSegment,
/// time through OnTimer and every call's `now`; segments go out through
/// TakeOutput. Errors are recorded as a positive errno read with error(). Not
/// thread-safe; owned by its socket.
class Tcb {
 public:
  /// A CLOSED block with the given parameters (and its congestion control
  /// algorithm, config.congestion).
  explicit Tcb(const TcbConfig& config);
  /// The same block, sharing the config's common part with the other blocks
  /// made through `shared` (a host's connections with the same options):
  /// *shared is used when SameSharedConfig says it fits, else replaced by a
  /// copy of `config`. The block copies the shared part only when a setter
  /// changes it. Only memory differs from Tcb(config).
  Tcb(const TcbConfig& config, std::shared_ptr<const TcbConfig>* shared);

  // --- Opening -------------------------------------------------------------
  /// Active open (RFC 9293 OPEN call): CLOSED -> SYN_SENT, emits a SYN with
  /// the MSS and window-scale options, arms the SYN timer (Linux schedule:
  /// rto_initial for the first syn_linear_timeouts retransmissions, then
  /// doubling; ETIMEDOUT when retransmits >= syn_retries + linear timeouts or
  /// when (2^(syn_retries+1) - 1) * rto_initial has passed since the first
  /// SYN, whichever comes first, as tcp_write_timeout).
  void Connect(SeqNum iss, Time now);
  /// Passive open for a listener that accepted `syn` (a SYN without ACK):
  /// CLOSED -> SYN_RECEIVED, emits a SYN-ACK, arms the SYN-ACK timer
  /// (rto_initial doubling, synack_retries, then the block closes silently
  /// with no error, as a Linux request sock expires).
  void AcceptSyn(const Segment& syn, SeqNum iss, Time now);

  // --- Input ---------------------------------------------------------------
  /// RFC 9293 §3.10.7 SEGMENT ARRIVES for every state but LISTEN, with
  /// RFC 5961 (exact-sequence RST, challenge ACK for an in-window RST or a
  /// SYN in a synchronized state). Segments to a CLOSED block are answered
  /// as for a closed port (see ResetFor). Includes out-of-order reassembly,
  /// duplicate-ACK fast retransmit (3 dup ACKs), window updates, FIN
  /// processing, and: RST in SYN_SENT -> error ECONNREFUSED; RST in
  /// CLOSE_WAIT -> EPIPE; RST in another synchronized state -> ECONNRESET;
  /// a RST in TIME_WAIT ends it (tcp_rfc1337 = 0); new data arriving after
  /// ShutdownReceive() in FIN_WAIT1/2 -> RST sent, CLOSED, error ECONNRESET
  /// (tcp_rcv_state_process). Duplicate SYN in SYN_RECEIVED -> SYN-ACK again.
  void OnSegment(const Segment& seg, Time now);

  // --- User calls ----------------------------------------------------------
  /// Queues up to SendSpace() bytes and transmits what the peer's window and
  /// Nagle allow. Returns the number of bytes queued. Only in ESTABLISHED or
  /// CLOSE_WAIT (else returns 0).
  /// urgent (MSG_OOB): the last byte queued becomes the urgent byte
  /// (tcp_mark_urg); segments before it carry URG and the urgent pointer,
  /// and Nagle and the cork do not hold them.
  /// more (MSG_MORE): this push is corked, as TCP_CORK for one call; the
  /// partial segment goes with a later push, or on the persist timer.
  /// data: the caller's buffers (all of them readable, IoSpan::Readable).
  size_t Send(const IoSpan& data, Time now, bool urgent = false,
              bool more = false);
  /// Send from one buffer of len bytes.
  size_t Send(const uint8_t* data, size_t len, Time now, bool urgent = false,
              bool more = false) {
    return Send(IoSpan(data, len), now, urgent, more);
  }
  /// Copies (or with out == nullptr, discards) up to len in-order bytes.
  /// peek leaves them queued. Stops before the urgent mark if anything was
  /// copied; at the mark, the urgent byte is skipped (unless oob_inline).
  /// Returns the bytes copied, which may be 0 when only the urgent byte was
  /// skipped. Consuming may send a window update (receiver SWS avoidance:
  /// when the window grows by at least min(rcv_buf/2, MSS) from below that
  /// size, as tcp_cleanup_rbuf).
  /// A peek may start `skip` bytes into the queue (SO_PEEK_OFF, or a
  /// blocking peek that goes on after what it has peeked).
  size_t Recv(uint8_t* out, size_t len, bool peek, Time now, size_t skip = 0);
  /// User CLOSE / shutdown(SHUT_WR): sends FIN after the queued data.
  /// SYN_SENT -> CLOSED (nothing sent); SYN_RECEIVED, ESTABLISHED ->
  /// FIN_WAIT1; CLOSE_WAIT -> LAST_ACK; otherwise no effect.
  void Close(Time now);
  /// ABORT (tcp_disconnect / SO_LINGER {1,0}): sends RST when
  /// ResetOnAbort(), or in any synchronized state but TIME_WAIT when the
  /// application closes with unread data (tcp_close's data_was_unread);
  /// then CLOSED, with no error recorded. Queues are emptied.
  void Abort(Time now, bool unread_data = false);
  /// tcp_disconnect's rule: SYN_RECEIVED, ESTABLISHED, FIN_WAIT1/2 and
  /// CLOSE_WAIT (tcp_need_reset), and CLOSING or LAST_ACK while data or the
  /// FIN is still unsent (snd_nxt != write_seq).
  bool ResetOnAbort() const;
  /// TIME_WAIT moved to a copy of this block (a timewait sock): this one is
  /// CLOSED, with its received data still readable (tcp_done).
  void HandOverTimeWait() { EnterClosed(); }
  /// The application will read no more (close() or shutdown(SHUT_RD)).
  void ShutdownReceive() { rcv_shutdown_ = true; }
  /// No fd refers to the connection any longer: FIN_WAIT2 is then bounded by
  /// fin_timeout, and retransmissions by orphan_retries.
  void SetOrphan(Time now);
  /// TCP_NODELAY: with on, Nagle stops holding small segments and what it held
  /// is sent now.
  void SetNoDelay(bool on, Time now);
  /// TCP_CORK: hold partial segments until uncorked (or pushed).
  void SetCork(bool on, Time now);
  /// SO_KEEPALIVE: arms (from now, in a synchronized state) or stops the
  /// keepalive timer.
  void SetKeepAlive(bool on, Time now);
  /// Options changed after the block was made: TCP_KEEPIDLE / KEEPINTVL /
  /// KEEPCNT, TCP_USER_TIMEOUT (checked at the next timer), TCP_LINGER2
  /// (applies from the next entry into orphaned FIN_WAIT2).
  void SetKeepAliveTiming(Duration idle, Duration interval, int count,
                          Time now);
  /// TCP_USER_TIMEOUT; 0 turns it off.
  void SetUserTimeout(Duration timeout);
  /// TCP_LINGER2: how long an orphan stays in FIN_WAIT2.
  void SetFinTimeout(Duration timeout);
  /// Changes the buffer capacities (SO_SNDBUF / SO_RCVBUF, autotuning).
  void SetSendBuffer(uint32_t bytes) { conn_.snd_buf = bytes; }
  /// The receive buffer's capacity; the advertised window follows from the next
  /// segment sent.
  void SetReceiveBuffer(uint32_t bytes);
  /// SO_OOBINLINE: the urgent byte stays in the stream.
  void SetOobInline(bool on) { conn_.oob_inline = on; }
  /// TCP_CONGESTION: switches the algorithm ("cubic" or "reno"; false for
  /// another name, nothing changed). cwnd and ssthresh carry over
  /// (tcp_reinit_congestion_control).
  bool SetCongestionControl(std::string_view name);
  /// TCP_QUICKACK (__tcp_sock_set_quickack): 0 enters pingpong mode; any
  /// other value leaves it and, in ESTABLISHED or CLOSE_WAIT with an ACK
  /// held and the buffer read, sends it; an even value re-enters pingpong.
  void SetQuickAck(int val, Time now);
  /// Added observers of the delayed-ACK engine (tests, TCP_INFO).
  bool ack_scheduled() const { return delayed_ack_.scheduled(); }
  /// The delayed-ACK engine counts the session as interactive.
  bool in_pingpong() const { return delayed_ack_.in_pingpong(); }
  /// ACKs the engine will still send at once.
  int quickacks_left() const { return delayed_ack_.quickacks_left(); }

  // --- Timers --------------------------------------------------------------
  /// When OnTimer must next run; kNever if no timer is armed.
  Time PollAt() const;
  /// Runs every timer due at `now`: retransmission (with give-up ->
  /// ETIMEDOUT, CLOSED, nothing sent, as tcp_write_err), zero-window probe,
  /// keepalive (give-up -> RST, ETIMEDOUT), TIME_WAIT expiry, orphan
  /// FIN_WAIT2 expiry, SYN / SYN-ACK retransmission.
  void OnTimer(Time now);

  // --- Output --------------------------------------------------------------
  /// Segments emitted since the last call, in order.
  std::vector<Segment> TakeOutput();

  // --- Observers -----------------------------------------------------------
  /// The connection's state.
  TcpState state() const { return state_; }
  /// Opened by AcceptSyn (a listener's child), not by Connect.
  bool passive() const { return passive_; }
  /// The pending socket error as a positive errno (ECONNREFUSED, ECONNRESET,
  /// EPIPE, ETIMEDOUT) or 0. The socket layer reads and clears it.
  int error() const { return error_; }
  /// Forgets the pending error (the socket layer has reported it).
  void ClearError() { error_ = 0; }
  /// The peer's FIN has been received in sequence (RCV_SHUTDOWN).
  bool fin_received() const { return fin_received_; }
  /// In-order bytes queued for reading (the urgent byte included).
  size_t RecvAvailable() const { return rcv_queue_.size(); }
  /// What a read can return: RecvAvailable() less an urgent byte that is
  /// next and will be skipped (tcp_poll's "target++").
  size_t ReadableBytes() const;
  /// The receiver's urgent byte (tcp_recv_urg): a mark is known (any),
  /// the byte has arrived and not been read with MSG_OOB (valid), or it
  /// has been read (read).
  bool urgent_any() const { return urgent_rcv_.any(); }
  /// The urgent byte has arrived and not been read with MSG_OOB.
  bool urgent_valid() const {
    return urgent_rcv_.state() == UrgentReceiver::State::kValid;
  }
  /// The urgent byte has been read with MSG_OOB.
  bool urgent_read() const {
    return urgent_rcv_.state() == UrgentReceiver::State::kRead;
  }
  /// The urgent byte's value (when urgent_valid() or urgent_read()).
  uint8_t urgent_byte() const { return urgent_rcv_.byte(); }
  /// A MSG_OOB read took the urgent byte.
  void MarkUrgentRead() { urgent_rcv_.MarkRead(); }
  /// The next byte to be read is the urgent byte (SIOCATMARK).
  bool AtUrgentMark() const { return urgent_rcv_.At(CopiedOffset()); }
  /// Bytes in the send queue: unacknowledged plus unsent.
  size_t SendQueued() const { return snd_queue_.size(); }
  /// Room left in the send buffer (snd_buf less SendQueued()); what Send will
  /// take.
  size_t SendSpace() const;
  /// Effective send MSS: min(peer's MSS option or 536, our MSS), bounded
  /// to half the peer's largest window (tcp_bound_to_half_wnd).
  uint16_t send_mss() const { return EffectiveMss(); }
  /// The parameters, with the changes the setters made.
  TcbConfig config() const;

  /// Our initial sequence number (ISS).
  SeqNum iss() const { return iss_; }
  /// The peer's initial sequence number (IRS), once its SYN is seen.
  SeqNum irs() const { return irs_; }
  /// SND.UNA: the oldest unacknowledged sequence number.
  SeqNum snd_una() const { return snd_una_; }
  /// SND.NXT: the next sequence number to send.
  SeqNum snd_nxt() const { return snd_nxt_; }
  /// RCV.NXT: the next sequence number expected.
  SeqNum rcv_nxt() const { return rcv_nxt_; }
  /// SND.WND: the peer's window, scaled, in bytes.
  uint32_t snd_wnd() const { return snd_wnd_; }
  /// RCV.WND: what is left of the window we advertised (before the peer's SYN,
  /// the window our SYN would offer), in bytes.
  uint32_t rcv_wnd() const;
  /// icsk_ack.rcv_mss: the estimate of the peer's segment size.
  uint32_t rcv_mss() const { return delayed_ack_.rcv_mss(); }
  /// The current retransmission timeout, backoff included.
  Duration rto() const { return rtt_.rto(); }
  /// Congestion control (TCP_INFO's tcpi_snd_cwnd, tcpi_snd_ssthresh).
  const CongestionControl& congestion() const;
  /// The congestion window, in segments.
  uint32_t snd_cwnd() const { return congestion().cwnd(); }
  /// The slow-start threshold, in segments.
  uint32_t snd_ssthresh() const { return congestion().ssthresh(); }
  /// tcp_packets_in_flight: segments sent and neither acknowledged nor
  /// given up for lost (after a timeout, those from snd_nxt on), less the
  /// first two duplicate ACKs' worth (limited transmit).
  uint32_t packets_in_flight() const;
  /// The Loss state: a retransmission timeout is being recovered from.
  bool in_loss() const { return in_loss_; }
  /// Added observer: payload bytes held beyond a hole in the sequence space.
  size_t OutOfOrderBytes() const { return reassembly_.bytes(); }
  /// The components, read-only (tests, diagnostics). The RTT estimator.
  const RttEstimator& rtt() const { return rtt_; }
  /// The delayed-ACK engine.
  const DelayedAck& delayed_ack() const { return delayed_ack_; }
  /// The timer deadlines and counters.
  const TcpTimers& timers() const { return timers_; }

 private:
  // TCP_MSS_DEFAULT: the send MSS when the peer's SYN has no MSS option.
  static constexpr uint16_t kDefaultMss = 536;
  // RFC 7323 §2.3: larger shifts are treated as 14.
  static constexpr uint8_t kMaxWscale = 14;
  static constexpr uint32_t kMaxWindowField = 65535;

  // The config's fields each connection has its own values of (its ports,
  // what the socket's options and buffer autotuning set), kept in the block;
  // the rest is config_, shared by a host's connections made with the same
  // options and copied when a setter changes it (MutableConfig). config_'s
  // copies of conn_'s fields are not read.
  struct ConnParams {
    uint32_t rcv_buf;
    uint32_t snd_buf;
    uint16_t local_port;
    uint16_t remote_port;
    uint16_t mss;
    uint8_t rcv_wscale;
    bool nodelay;
    bool keepalive;
    bool oob_inline;
  };
  static ConnParams ParamsOf(const TcbConfig& config);
  Tcb(std::shared_ptr<const TcbConfig> config, const ConnParams& conn);
  TcbConfig& MutableConfig();

  std::shared_ptr<const TcbConfig> config_;
  ConnParams conn_;
  // The connection state's error (see error()), here where ConnParams
  // leaves 4 bytes before the next 8-byte field: no padding in the block.
  int error_ = 0;
  // The time of the call in progress, for Emit, which accounts every
  // segment sent to the delayed-ACK engine (tcp_event_ack_sent,
  // tcp_event_data_sent).
  Time now_{0};

  // --- Connection state (tcb.cc) -------------------------------------------
  TcpState state_ = TcpState::kClosed;
  bool passive_ = false;    // opened by AcceptSyn (a Linux request sock)
  bool syn_acked_ = false;  // our SYN has been acknowledged
  bool orphan_ = false;     // no fd refers to the connection
  bool fin_received_ = false;
  bool rcv_shutdown_ = false;
  // (Two flags of the send side below, here where the flags above leave
  // room: no padding in the block.)
  bool in_loss_ = false;          // see recover_
  bool is_cwnd_limited_ = false;  // see max_packets_out_

  // --- Send side (tcb_output.cc) -------------------------------------------
  SeqNum iss_;
  SeqNum snd_una_, snd_nxt_;
  // Highest sequence number sent, plus one. snd_nxt_ is the next sequence
  // number to send and goes back to snd_una_ after a retransmission
  // timeout (go-back-N, RFC 9293 §3.8.1); snd_max_ never goes back.
  SeqNum snd_max_;
  uint32_t snd_wnd_ = 0;
  SeqNum snd_wl1_;  // sequence number of the segment that last set snd_wnd_
  // last_oow_ack_time: tcp_jiffies32 when the last out-of-window or
  // challenge ACK went out; 0 when none has (as Linux, which a jiffies
  // value of exactly 0 fools too).
  uint32_t last_oow_ack_time_ = 0;
  uint32_t max_snd_wnd_ = 0;  // largest window the peer offered (RFC 5961 §5)
  uint8_t snd_wscale_ = 0;    // shift applied to the peer's window field
  bool wscale_ok_ = false;    // both SYNs carried the window-scale option
  uint16_t snd_mss_ = 536;
  int dupacks_ = 0;      // duplicate ACKs in a row (see recover_)
  ByteQueue snd_queue_;  // bytes from snd_una on (sent-unacked, then unsent)
  bool fin_queued_ = false;  // Close(): a FIN follows the queued data
  bool fin_sent_ = false;    // the FIN has been transmitted at least once
  bool fin_acked_ = false;
  // Nagle (Minshall's: the end of the last small segment sent) and corks.
  SeqNum snd_sml_;
  bool cork_ = false;
  bool push_once_ = false;  // one Output that ignores the cork
  bool more_ = false;       // the Send in progress has MSG_MORE
  UrgentSender urgent_snd_;
  // Fast retransmit (RFC 5681 §3.2) with NewReno partial ACKs (RFC 6582),
  // and the Loss state after a timeout; recover_ is Linux's high_seq, the
  // snd_max of when either began. The recovery state itself is the
  // congestion control's (in_recovery()); its limit is applied in
  // SendQuota (tcb_output.cc), the one place that decides how much new
  // data may go.
  // (dupacks_ and in_loss_ are declared above, where they fill padding.)
  SeqNum recover_;
  RttEstimator rtt_;
  std::variant<Cubic, Reno> cc_;
  // The end sequence number of each segment sent and not yet fully
  // acknowledged, in order (the skbs of tp->packets_out).
  SeqFifo packets_out_;
  // tcp_cwnd_validate's memory of how much of cwnd was used, for
  // tcp_is_cwnd_limited (and is_cwnd_limited_, declared above).
  uint32_t max_packets_out_ = 0;
  SeqNum cwnd_usage_seq_;
  Time lsndtime_ = kNever;  // the last data segment sent (tp->lsndtime)

  // --- Receive side (tcb_input.cc) -----------------------------------------
  SeqNum irs_;
  SeqNum rcv_nxt_;
  uint64_t rcv_off_ = 0;  // stream offset of rcv_nxt_ (FIN excluded)
  ByteQueue rcv_queue_;   // in-order bytes not yet read
  ReassemblyQueue reassembly_;
  UrgentReceiver urgent_rcv_;
  Time last_rcv_{0};  // last acceptable segment, for keepalive idle time
  // The window we advertise (tcp_select_window): its field in our SYN, its
  // right edge, the window last sent and rcv_nxt when it was sent.
  uint8_t rcv_wscale_ = 0;  // shift we apply to our advertised window
  uint16_t syn_window_ = 0;
  SeqNum rcv_adv_;
  uint32_t last_adv_wnd_ = 0;  // tp->rcv_wnd
  SeqNum rcv_wup_;
  DelayedAck delayed_ack_;

  // --- Timers (tcb_timers.cc) ----------------------------------------------
  TcpTimers timers_;

  std::vector<Segment> outbox_;  // emitted, not yet taken (TakeOutput)

  // tcb.cc: state changes, and what a read does.
  void EnterEstablished(Time now);
  void EnterTimeWait(Time now);
  void EnterClosed();
  void CancelTimers();
  // Stream offset of the first byte not yet read (copied_seq).
  uint64_t CopiedOffset() const { return rcv_off_ - rcv_queue_.size(); }
  void CleanupRbuf(size_t copied, uint64_t old_wnd);

  // tcb_input.cc, in RFC 9293's order of steps.
  void SynSentSegment(const Segment& seg, Time now);
  bool SeqAcceptable(const Segment& seg) const;
  bool ResetCheck(const Segment& seg) const;
  void OnReset();
  bool ProcessAck(const Segment& seg, Time now);
  void ProcessUrgent(const Segment& seg);
  void ProcessText(const Segment& seg, Time now);
  void ProcessFin(Time now);
  void AckSndCheck(Time now);
  void TimeWaitSegment(const Segment& seg, Time now);

  // tcb_output.cc.
  Segment MakeSegment(uint8_t flags, SeqNum seq);
  void Emit(Segment seg);
  void SendAck();
  // tcp_send_challenge_ack: an ACK, unless this connection sent an
  // out-of-window one within tcp_invalid_ratelimit.
  void SendChallengeAck(Time now);
  // __tcp_oow_rate_limited: true when an out-of-window ACK went out within
  // tcp_invalid_ratelimit; otherwise notes `now` as the last one and says
  // false (the caller sends it).
  bool OowRateLimited(Time now);
  // tcp_oow_rate_limited: the same, except that a segment carrying data
  // (or a FIN) and no SYN is never limited: it is not part of an ACK loop.
  bool OowRateLimited(const Segment& seg, Time now);
  void SendDelayedAck(Time now);
  void SendSyn(bool with_ack);
  void SendActiveReset();
  void ReplyReset(const Segment& seg);
  void Output(Time now);
  bool SendOneSegment(Time now);
  int64_t SendQuota() const;
  void TransmitAt(SeqNum seq, size_t max_len, bool allow_fin, Time now);
  // Congestion control's side of sending and acknowledging (tcb_cwnd.cc).
  CongestionControl& cc();
  void CwndValidate(bool is_cwnd_limited);
  bool IsCwndLimited() const;
  uint32_t AckPackets();
  void OnNewAck(uint32_t acked_packets, Time now);
  void OnDupAck(Time now);
  void OnRetransmitTimeout();
  void SlowStartAfterIdleCheck(Time now);
  void RetransmitHead(Time now);
  void UpdatePersist(Time now);
  SeqNum AcceptableSeq() const;
  uint16_t WindowField();
  uint64_t SelectableWindow() const;
  uint64_t FreeSpace() const;
  uint16_t EffectiveMss() const;
  bool CanSendData() const;
  size_t UnsentBytes() const;
  bool HasUnsent() const;

  // tcb_timers.cc.
  void DelayedAckTimer(Time now);
  void RetransmitTimer(Time now);
  bool WriteTimeout(Time now) const;
  int OrphanRetries(bool alive) const;
  Duration ProbeWhen() const;
  void ProbeTimer(Time now);
  void KeepaliveTimer(Time now);
  void GiveUp(bool send_reset);
};

/// The reply a host sends for a segment that reaches no connection and no
/// listener (RFC 9293 §3.10.7.1): nothing for a RST; for a segment with ACK,
/// <SEQ=SEG.ACK><CTL=RST>; otherwise <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
/// Returns false when no reply is due.
bool ResetFor(const Segment& seg, Segment* reply);

}  // namespace simsock::sim::tcp
