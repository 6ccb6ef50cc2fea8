// RttEstimator alone: RFC 6298's arithmetic with Linux's floor on the
// variance term, Karn's rule, and the exponential backoff.
#include "simsock/sim/tcp/rtt_estimator.h"

#include <gtest/gtest.h>

#include <chrono>

namespace simsock::sim::tcp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Linux's bounds: TCP_TIMEOUT_INIT, TCP_RTO_MIN, TCP_RTO_MAX.
constexpr RtoBounds kLinux{seconds(1), milliseconds(200), seconds(120)};

RttEstimator Linux() { return RttEstimator(kLinux.initial); }

TEST(RttEstimator, NoSample_RtoInitial) {
  RttEstimator r = Linux();
  EXPECT_FALSE(r.has_srtt());
  EXPECT_EQ(r.rto(), seconds(1));
  EXPECT_EQ(r.ComputedRto(kLinux), seconds(1));
}

// RFC 6298 §2.2: SRTT = R, RTTVAR = R/2; RTO = SRTT + max(4 RTTVAR, 200 ms).
TEST(RttEstimator, FirstSample_Rfc6298Section2_2) {
  RttEstimator r = Linux();
  r.Sample(milliseconds(100));
  EXPECT_TRUE(r.has_srtt());
  EXPECT_EQ(r.srtt(), milliseconds(100));
  EXPECT_EQ(r.rttvar(), milliseconds(50));
  EXPECT_EQ(r.ComputedRto(kLinux), milliseconds(300));
  EXPECT_EQ(r.rto(), seconds(1));  // until ResetRto
  r.ResetRto(kLinux);
  EXPECT_EQ(r.rto(), milliseconds(300));
}

// RFC 6298 §2.3: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R'|, SRTT = 7/8 SRTT +
// 1/8 R', the variance updated first (with the old SRTT).
TEST(RttEstimator, LaterSample_Rfc6298Section2_3) {
  RttEstimator r = Linux();
  r.Sample(milliseconds(100));
  r.Sample(milliseconds(200));
  EXPECT_EQ(r.rttvar(), std::chrono::microseconds(62500));
  EXPECT_EQ(r.srtt(), std::chrono::microseconds(112500));
  // 112.5 + max(4 * 62.5, 200) = 362.5 ms.
  EXPECT_EQ(r.ComputedRto(kLinux), std::chrono::microseconds(362500));
}

// Loopback-like RTTs: 4 * RTTVAR is far below rto_min, which then sets the
// RTO (tcp_set_rto): 10 ms gives 210 ms, as the SYN_SENT test sees.
TEST(RttEstimator, SmallRtt_VarianceFlooredAtRtoMin) {
  RttEstimator r = Linux();
  r.Sample(milliseconds(10));
  EXPECT_EQ(r.ComputedRto(kLinux), milliseconds(210));
  r.Sample(Duration(-5));  // a clock going backwards counts as 0
  // rttvar = (3 * 5 + 10) / 4 = 6.25 ms; srtt = 70 / 8 = 8.75 ms.
  EXPECT_EQ(r.srtt(), std::chrono::microseconds(8750));
  EXPECT_EQ(r.ComputedRto(kLinux), std::chrono::microseconds(208750));
}

TEST(RttEstimator, HugeRtt_RtoCappedAtRtoMax) {
  RttEstimator r = Linux();
  r.Sample(seconds(100));
  EXPECT_EQ(r.ComputedRto(kLinux), seconds(120));
}

// RFC 6298 §5.5: each timeout doubles the RTO, up to rto_max; an ACK of new
// data recomputes it from the estimate.
TEST(RttEstimator, BackOff_DoublesToRtoMaxAndResetEndsIt) {
  RttEstimator r = Linux();
  for (int64_t want : {2, 4, 8, 16, 32, 64, 120, 120}) {
    r.BackOff(kLinux);
    EXPECT_EQ(r.rto(), seconds(want));
  }
  r.Sample(milliseconds(100));
  r.ResetRto(kLinux);
  EXPECT_EQ(r.rto(), milliseconds(300));
  r.BackOff(kLinux);
  EXPECT_EQ(r.rto(), milliseconds(600));
  r.ResetRto(kLinux);
  EXPECT_EQ(r.rto(), milliseconds(300));
}

// One segment timed at a time; its ACK (or a later one) takes the sample.
TEST(RttEstimator, Timing_AckCoveringTheTimedSegmentSamples) {
  RttEstimator r = Linux();
  const SeqNum seq(0xFFFFFFF0u);  // the sample crosses the wrap
  r.StartTiming(seq + 0x20, Time(milliseconds(5)));
  EXPECT_TRUE(r.timing());
  r.OnAck(seq + 0x10, Time(milliseconds(20)));  // short of the timed end
  EXPECT_FALSE(r.has_srtt());
  r.OnAck(seq + 0x30, Time(milliseconds(35)));
  EXPECT_FALSE(r.timing());
  EXPECT_EQ(r.srtt(), milliseconds(30));
  r.OnAck(seq + 0x40, Time(milliseconds(90)));  // nothing timed: no sample
  EXPECT_EQ(r.srtt(), milliseconds(30));
}

// Karn's rule: a retransmission stops the measurement.
TEST(RttEstimator, Karn_NoSampleAcrossARetransmission) {
  RttEstimator r = Linux();
  r.StartTiming(SeqNum(100), Time(milliseconds(0)));
  r.StopTiming();
  r.OnAck(SeqNum(100), Time(milliseconds(50)));
  EXPECT_FALSE(r.has_srtt());
  EXPECT_EQ(r.ComputedRto(kLinux), seconds(1));
}

TEST(Backoff, ShiftsAndCaps) {
  EXPECT_EQ(Backoff(milliseconds(200), 0, seconds(120)), milliseconds(200));
  EXPECT_EQ(Backoff(seconds(1), 3, seconds(120)), seconds(8));
  EXPECT_EQ(Backoff(seconds(1), 7, seconds(120)), seconds(120));
  EXPECT_EQ(Backoff(seconds(1), 1000, seconds(120)), seconds(120));
}

}  // namespace
}  // namespace simsock::sim::tcp
