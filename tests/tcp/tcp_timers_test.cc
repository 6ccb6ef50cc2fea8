// TcpTimers alone: the deadlines and their one query, and the give-up
// arithmetic of tcp_timer.c (tcp_model_timeout, retransmits_timed_out,
// tcp_clamp_rto_to_user_timeout, tcp_probe0_when).
#include "simsock/sim/tcp/tcp_timers.h"

#include <gtest/gtest.h>

#include <chrono>

namespace simsock::sim::tcp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Time At(Duration d) { return Time(d); }

TEST(TcpTimers, NextDeadline_IsTheEarliestArmed) {
  TcpTimers t;
  EXPECT_EQ(t.NextDeadline(), kNever);
  t.Arm(TcpTimer::kKeepalive, At(seconds(7200)));
  t.Arm(TcpTimer::kRetransmit, At(seconds(1)));
  t.Arm(TcpTimer::kDelayedAck, At(milliseconds(40)));
  EXPECT_EQ(t.NextDeadline(), At(milliseconds(40)));
  EXPECT_TRUE(t.Due(TcpTimer::kDelayedAck, At(milliseconds(40))));
  EXPECT_FALSE(t.Due(TcpTimer::kRetransmit, At(milliseconds(40))));
  t.Cancel(TcpTimer::kDelayedAck);
  EXPECT_FALSE(t.armed(TcpTimer::kDelayedAck));
  EXPECT_EQ(t.NextDeadline(), At(seconds(1)));
  t.CancelAll();
  EXPECT_EQ(t.NextDeadline(), kNever);
}

// tcp_model_timeout: rto_base doubling until rto_max, then rto_max each.
TEST(ModelTimeout, LinuxValues) {
  // tcp_retries2 = 15 from TCP_RTO_MIN: (2^10 - 1) * 0.2 s + 6 * 120 s.
  EXPECT_EQ(ModelTimeout(15, milliseconds(200), seconds(120)),
            milliseconds(924600));
  // tcp_syn_retries = 6 from 1 s: (2^7 - 1) s; 2 gives (2^3 - 1) s.
  EXPECT_EQ(ModelTimeout(6, seconds(1), seconds(120)), seconds(127));
  EXPECT_EQ(ModelTimeout(2, seconds(1), seconds(120)), seconds(7));
  EXPECT_EQ(ModelTimeout(3, milliseconds(200), seconds(120)), seconds(3));
  EXPECT_EQ(ModelTimeout(3, Duration::zero(), seconds(120)), Duration::zero());
}

TEST(TcpTimers, RetransmitsTimedOut_ModelOrUserTimeout) {
  TcpTimers t;
  EXPECT_FALSE(t.RetransmitsTimedOut(2, seconds(1), seconds(120),
                                     Duration::zero(), At(seconds(100))));
  t.StampRetransmit(At(seconds(0)));
  t.CountRetransmitTimeout();
  EXPECT_EQ(t.retransmits(), 1);
  EXPECT_FALSE(t.RetransmitsTimedOut(2, seconds(1), seconds(120),
                                     Duration::zero(), At(milliseconds(6999))));
  EXPECT_TRUE(t.RetransmitsTimedOut(2, seconds(1), seconds(120),
                                    Duration::zero(), At(seconds(7))));
  // TCP_USER_TIMEOUT replaces the model.
  EXPECT_TRUE(t.RetransmitsTimedOut(2, seconds(1), seconds(120), seconds(3),
                                    At(seconds(3))));
  // An ACK of new data starts the count over.
  t.ClearRetransmits();
  EXPECT_FALSE(t.RetransmitsTimedOut(2, seconds(1), seconds(120),
                                     Duration::zero(), At(seconds(100))));
  EXPECT_EQ(t.total_rto(), 1);  // tp->total_rto is not cleared
}

TEST(TcpTimers, StampFirstRetransmit_KeepsTheFirst) {
  TcpTimers t;
  t.StampFirstRetransmit(At(seconds(2)));
  t.StampFirstRetransmit(At(seconds(5)));
  t.CountRetransmitTimeout();
  EXPECT_TRUE(t.RetransmitsTimedOut(0, seconds(1), seconds(120),
                                    Duration::zero(), At(seconds(3))));
}

TEST(TcpTimers, ClampRtoToUserTimeout) {
  TcpTimers t;
  EXPECT_EQ(t.ClampRtoToUserTimeout(seconds(2), seconds(5), At(seconds(4))),
            seconds(2));  // no retransmission stamped yet
  t.StampRetransmit(At(seconds(0)));
  EXPECT_EQ(
      t.ClampRtoToUserTimeout(seconds(2), Duration::zero(), At(seconds(4))),
      seconds(2));
  EXPECT_EQ(t.ClampRtoToUserTimeout(seconds(2), seconds(5), At(seconds(4))),
            seconds(1));
  EXPECT_EQ(t.ClampRtoToUserTimeout(seconds(2), seconds(5), At(seconds(5))),
            milliseconds(1));  // one jiffy
}

TEST(TcpTimers, ProbeWhen_BackedOffFromMaxOfRtoAndRtoMin) {
  TcpTimers t;
  EXPECT_EQ(t.ProbeWhen(milliseconds(100), milliseconds(200), seconds(120)),
            milliseconds(200));
  t.BackOffProbe(15);
  t.BackOffProbe(15);
  EXPECT_EQ(t.probe_backoff(), 2);
  EXPECT_EQ(t.ProbeWhen(milliseconds(300), milliseconds(200), seconds(120)),
            milliseconds(1200));
  EXPECT_EQ(t.ProbeWhen(seconds(100), milliseconds(200), seconds(120)),
            seconds(120));
  t.BackOffProbe(2);  // at the limit: no further backoff
  EXPECT_EQ(t.probe_backoff(), 2);
}

TEST(TcpTimers, Probes_StartOnceStopForgetsTheSeries) {
  TcpTimers t;
  EXPECT_TRUE(t.StartProbes(At(seconds(1))));
  EXPECT_FALSE(t.StartProbes(At(seconds(2))));
  EXPECT_EQ(t.probes_start(), At(seconds(1)));
  t.CountProbe();
  t.BackOffProbe(15);
  t.Arm(TcpTimer::kProbe, At(seconds(3)));
  t.StopProbing();
  EXPECT_FALSE(t.armed(TcpTimer::kProbe));
  EXPECT_EQ(t.probe_backoff(), 0);
  EXPECT_EQ(t.probes_out(), 1);  // only an ACK clears the count
  t.ClearProbesOut();
  EXPECT_EQ(t.probes_out(), 0);
  EXPECT_TRUE(t.StartProbes(At(seconds(4))));
}

// The counters are allocated by the first timeout or probe (an idle
// connection carries none): before, they read 0 and clearing them allocates
// nothing; a copy, made before or after, has counters of its own.
TEST(TcpTimers, Counters_ZeroUntilCountedCopiedDeep) {
  TcpTimers t;
  t.ClearRetransmits();
  t.ClearProbesOut();
  t.StopProbing();
  EXPECT_EQ(t.retransmits(), 0);
  EXPECT_EQ(t.total_rto(), 0);
  EXPECT_EQ(t.synack_timeouts(), 0);
  EXPECT_EQ(t.probes_out(), 0);
  EXPECT_EQ(t.probe_backoff(), 0);
  EXPECT_EQ(t.probes_start(), At(seconds(0)));
  t.StampRetransmit(At(seconds(1)));
  TcpTimers before = t;  // no counters yet
  t.CountRetransmitTimeout();
  t.CountSynAckTimeout();
  t.CountProbe();
  t.BackOffProbe(15);
  EXPECT_TRUE(t.StartProbes(At(seconds(2))));
  TcpTimers after(t);
  t.CountRetransmitTimeout();
  t.ClearProbesOut();
  EXPECT_EQ(before.retransmits(), 0);
  EXPECT_EQ(before.probes_out(), 0);
  EXPECT_EQ(after.retransmits(), 1);
  EXPECT_EQ(after.total_rto(), 1);
  EXPECT_EQ(after.synack_timeouts(), 1);
  EXPECT_EQ(after.probes_out(), 1);
  EXPECT_EQ(after.probe_backoff(), 1);
  EXPECT_EQ(after.probes_start(), At(seconds(2)));
  EXPECT_FALSE(after.StartProbes(At(seconds(3))));  // the series runs on
  EXPECT_EQ(t.retransmits(), 2);
  EXPECT_EQ(t.probes_out(), 0);
  // The stamp, kept inline, is copied with the rest.
  // `before` counted no retransmission: no give-up, whatever the time.
  EXPECT_FALSE(before.RetransmitsTimedOut(0, seconds(1), seconds(120),
                                          Duration::zero(), At(seconds(9))));
  EXPECT_TRUE(after.RetransmitsTimedOut(0, seconds(1), seconds(120),
                                        Duration::zero(), At(seconds(2))));
  TcpTimers assigned;
  assigned = after;
  EXPECT_EQ(assigned.total_rto(), 1);
  EXPECT_EQ(assigned.probes_start(), At(seconds(2)));
}

}  // namespace
}  // namespace simsock::sim::tcp
