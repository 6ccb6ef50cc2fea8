// Structured trace events (sim::Trace::KeepEvents) and the matchers over
// them: every event is recorded with its parts, keeping them changes no
// line and no hash, and the matchers find what a test asks for.
#include "simsock/testing/trace_events.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/matchers.h"
#include "simsock/testing/sockets.h"

namespace simsock::testing {
namespace {

using sim::TraceEvent;
using std::chrono::milliseconds;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;
namespace tcp = sim::tcp;

// Host a listens on :80, b connects, a's accepted end closes, 100 ms pass.
void ConnectAndClose(sim::World& w) {
  sim::Host& a = w.AddHost("a", "10.0.0.1");
  sim::Host& b = w.AddHost("b", "10.0.0.2");
  w.network().SetLatency(a, b, milliseconds(1));
  sim::Process& pa = a.SpawnProcess();
  sim::Process& pb = b.SpawnProcess();
  int l = pa.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  EXPECT_THAT(Bind(pa, l, "0.0.0.0", 80), SyscallSucceeds());
  EXPECT_THAT(pa.listen(l, 8), SyscallSucceeds());
  int c = pb.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  EXPECT_THAT(Connect(pb, c, "10.0.0.1", 80),
              SyscallFailsWithErrno(EINPROGRESS));
  w.RunFor(milliseconds(10));
  int s = pa.accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
  EXPECT_THAT(s, SyscallSucceeds());
  EXPECT_THAT(pa.close(s), SyscallSucceeds());
  w.RunFor(milliseconds(100));
}

TEST(TraceEvents, KeepingEventsChangesNoLineAndNoHash) {
  sim::World plain(3);
  plain.trace().KeepLines(true);
  ConnectAndClose(plain);
  sim::World kept(3);
  kept.trace().KeepLines(true);
  kept.trace().KeepEvents(true);
  ConnectAndClose(kept);
  EXPECT_EQ(kept.trace().hash(), plain.trace().hash());
  EXPECT_EQ(kept.trace().lines(), plain.trace().lines());
  EXPECT_EQ(kept.trace().events().size(), kept.trace().lines().size());
  EXPECT_TRUE(plain.trace().events().empty());
}

TEST(TraceEvents, SyscallsArePartedAtTheirParentheses) {
  sim::World w(3);
  w.trace().KeepEvents(true);
  ConnectAndClose(w);
  std::vector<const TraceEvent*> connects =
      FindEvents(w.trace().events(), SyscallBy("b pid 1", "connect"));
  ASSERT_EQ(connects.size(), 1u);
  EXPECT_EQ(connects[0]->kind, TraceEvent::Kind::kSyscall);
  EXPECT_EQ(connects[0]->who, "b pid 1");
  EXPECT_EQ(connects[0]->result, "-EINPROGRESS");
  EXPECT_EQ(connects[0]->time, sim::Time(0));
  EXPECT_EQ(connects[0]->text, connects[0]->call + "(" + connects[0]->args +
                                   ") = " + connects[0]->result);
}

TEST(TraceEvents, PacketsCarryTheirFields) {
  sim::World w(3);
  w.trace().KeepEvents(true);
  ConnectAndClose(w);
  const std::vector<TraceEvent>& events = w.trace().events();
  // The handshake: SYN from b, SYN-ACK from a, ACK from b, 1 ms apart.
  EXPECT_THAT(
      EventTimes(events, AllOf(PacketFrom("b"), TcpFlagsExactly(tcp::kSyn))),
      ElementsAre(sim::Time(0)));
  EXPECT_THAT(EventTimes(events, AllOf(PacketFrom("a"),
                                       TcpFlagsExactly(tcp::kSyn | tcp::kAck))),
              ElementsAre(sim::Time(milliseconds(1))));
  // a's close sends a FIN to b's port; b answers it with an ACK.
  EXPECT_THAT(events,
              Contains(AllOf(PacketFrom("a"), TcpFlags(tcp::kFin),
                             PacketSrc("10.0.0.1"), PacketDst("10.0.0.2"),
                             PacketSrcPort(80), PayloadSize(0u))));
  EXPECT_THAT(events,
              Not(Contains(AllOf(PacketFrom("b"), TcpFlags(tcp::kFin)))));
}

TEST(TraceEvents, DropsCarryThePacketAndTheReason) {
  sim::World w(3);
  w.trace().KeepEvents(true);
  sim::Host& a = w.AddHost("a", "10.0.0.1");
  sim::Host& b = w.AddHost("b", "10.0.0.2");
  w.network().Partition(a, b);
  sim::Process& pb = b.SpawnProcess();
  int c = pb.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  Connect(pb, c, "10.0.0.1", 80);
  std::vector<const TraceEvent*> drops =
      FindEvents(w.trace().events(), DropOf("partition"));
  ASSERT_EQ(drops.size(), 1u);
  EXPECT_EQ(drops[0]->who, "b");
  EXPECT_THAT(*drops[0], AllOf(TcpFlagsExactly(tcp::kSyn),
                               PacketDst("10.0.0.1"), Not(PacketFrom("b"))));
  EXPECT_THAT(w.trace().events(),
              Contains(TextHas("fault: partition a <-> b")));
}

TEST(TraceEvents, MatchersDescribeWhatTheyLookFor) {
  EXPECT_EQ(::testing::DescribeMatcher<const TraceEvent&>(
                AllOf(PacketFrom("a"), TcpFlags(tcp::kFin))),
            "(is a packet sent by host \"a\") and (is a TCP segment with flags "
            "[F])");
  EXPECT_EQ(::testing::DescribeMatcher<const TraceEvent&>(
                SyscallBy("a pid 1", "write")),
            "is a write() by a pid 1");
}

}  // namespace
}  // namespace simsock::testing
