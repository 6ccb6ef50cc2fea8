/// \file
/// RttEstimator: the sender's round-trip time estimate and retransmission
/// timeout (RFC 6298), without timestamps: one segment is timed at a time
/// and, by Karn's rule, no sample is taken across a retransmission.
//
// RFC 6298 §2.2 / §2.3 give srtt and rttvar; the RTO is §2.4 with Linux's
// floor on the variance term (tcp_set_rto: rttvar is at least rto_min, so
// RTO = srtt + max(4 * rttvar, rto_min)), capped at rto_max, and
// rto_initial while no sample exists. A retransmission timeout doubles the
// RTO (BackOff, RFC 6298 §5.5); every ACK that advances SND.UNA recomputes
// it from the estimate (ResetRto), which also ends the backoff. (Linux,
// which has timestamps, also gets a fresh RTO on such ACKs.)
//
// Threading: none.
#pragma once

#include <optional>

#include "simsock/sim/base/time.h"
#include "simsock/sim/tcp/seq.h"

namespace simsock::sim::tcp {

/// A duration doubled n times (base << n), but never past cap (no shift
/// overflow for large n): inet_csk_rto_backoff and the request sock's
/// rto_initial << num_timeout.
Duration Backoff(Duration base, int n, Duration cap);

/// The RTO's bounds: its value before any sample, the floor of the
/// variance term and the cap (TCP_TIMEOUT_INIT, TCP_RTO_MIN, TCP_RTO_MAX).
/// The control block passes them from its shared configuration rather than
/// each estimator keeping a copy (24 bytes in every connection).
struct RtoBounds {
  Duration initial = std::chrono::seconds(1);     ///< the RTO before a sample
  Duration min = std::chrono::milliseconds(200);  ///< floor of 4 * RTTVAR
  Duration max = std::chrono::seconds(120);       ///< cap, backoff included
};

/// The round-trip estimate and RTO of one sending connection (RFC 6298 with
/// Linux's floor, Karn's rule; no timestamps). O(1) per call; no allocation.
/// The calls that compute an RTO take the bounds; pass the same ones on
/// every call.
class RttEstimator {
 public:
  /// An estimator with no sample yet: rto() is rto_initial.
  explicit RttEstimator(Duration rto_initial) : rto_(rto_initial) {}

  // --- Timing one segment (Karn's rule) ----------------------------------
  /// Times the segment whose acknowledgment will be `ack_seq`, sent at now.
  void StartTiming(SeqNum ack_seq, Time now);
  /// A retransmission: the running measurement would be ambiguous.
  void StopTiming() { timing_ = false; }
  /// A segment is being timed.
  bool timing() const { return timing_; }
  /// An ACK up to `ack` arrived at now: completes the measurement if it
  /// covers the timed segment (and then takes the sample, which it returns
  /// for congestion control's minimum RTT).
  std::optional<Duration> OnAck(SeqNum ack, Time now);

  // --- Estimate and RTO ----------------------------------------------------
  /// RFC 6298 §2.2 / 2.3: a new measurement r (negative counts as 0).
  void Sample(Duration r);
  /// The RTO from the estimate (RFC 6298 §2.4, Linux's floor: at least
  /// b.min for the variance term, at most b.max), or b.initial with no
  /// sample yet.
  Duration ComputedRto(const RtoBounds& b) const;
  /// RFC 6298 §5.7-like: new data acknowledged, the RTO is the estimate's.
  void ResetRto(const RtoBounds& b) { rto_ = ComputedRto(b); }
  /// RFC 6298 §5.5: the timer expired, the RTO doubles up to b.max.
  void BackOff(const RtoBounds& b);

  /// The current RTO, backoff included.
  Duration rto() const { return rto_; }
  /// At least one sample has been taken.
  bool has_srtt() const { return have_srtt_; }
  /// The smoothed RTT (RFC 6298 SRTT); 0 before the first sample.
  Duration srtt() const { return srtt_; }
  /// The RTT variation (RFC 6298 RTTVAR); 0 before the first sample.
  Duration rttvar() const { return rttvar_; }

 private:
  Duration rto_;
  bool timing_ = false;
  bool have_srtt_ = false;
  SeqNum timed_ack_;  // the ACK that completes the sample
  Time timed_start_{0};
  Duration srtt_{0}, rttvar_{0};
};

}  // namespace simsock::sim::tcp
