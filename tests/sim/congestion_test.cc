// Congestion control over a bandwidth-limited link, against the known
// shapes (issue 8 §2): two hosts 10 ms apart each way (20 ms RTT), each
// direction serialised at 10 Mbit/s behind a drop-tail queue of 1.5 BDP
// (37500 bytes). A bulk transfer must reach 90% of the link, and two flows
// started together must share it within 20% of each other. Goodput is
// counted in payload bytes read by the receiver over 30 s of virtual time
// after the first 5 s. The figures are printed (and in docs/semantics.md,
// congestion control).
#include <gtest/gtest.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/network.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/sim/tcp/congestion_control.h"
#include "simsock/testing/sockets.h"

namespace simsock::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr uint64_t kRate = 10'000'000;                 // bits per second
constexpr Duration kOneWay = milliseconds(10);         // 20 ms RTT
constexpr uint64_t kBdpBytes = kRate / 8 * 20 / 1000;  // 25000
constexpr uint64_t kQueueBytes = kBdpBytes * 3 / 2;    // 37500
constexpr Duration kWarmUp = seconds(5);
constexpr Duration kMeasured = seconds(30);
constexpr Duration kStep = milliseconds(1);

struct Flow {
  int sender = -1;    // on host a
  int receiver = -1;  // on host b
  uint64_t read_total = 0;
  uint64_t read_at_start = 0;  // read_total when the measurement began
  double goodput_bps = 0;
};

// Hosts a (sender) and b (receiver), the link impaired both ways.
struct Link {
  explicit Link(const char* algorithm) : w(7), algorithm(algorithm) {
    a = &w.AddHost("a", "10.0.0.1");
    b = &w.AddHost("b", "10.0.0.2");
    w.network().SetLatency(*a, *b, kOneWay);
    for (auto [from, to] : {std::pair{a, b}, std::pair{b, a}}) {
      Impairment rate;
      rate.kind = Impairment::Kind::kRate;
      rate.bits_per_second = kRate;
      w.network().Impair(*from, *to, rate);
      Impairment queue;
      queue.kind = Impairment::Kind::kQueue;
      queue.bytes = kQueueBytes;
      w.network().Impair(*from, *to, queue);
    }
    pa = &a->SpawnProcess();
    pb = &b->SpawnProcess();
    listener = pa->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    EXPECT_EQ(testing::Bind(*pa, listener, "0.0.0.0", 5001), 0);
    EXPECT_EQ(pa->listen(listener, 8), 0);
  }

  // A connection from b to a; a sends. Buffers are large (4 MB) so that
  // cwnd, not a socket buffer, limits the sender.
  Flow Open() {
    Flow f;
    f.receiver = pb->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int big = 4 << 20;
    pb->setsockopt(f.receiver, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    EXPECT_EQ(testing::Connect(*pb, f.receiver, "10.0.0.1", 5001),
              -EINPROGRESS);
    w.RunFor(milliseconds(50));
    f.sender = pa->accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
    EXPECT_GE(f.sender, 0);
    pa->setsockopt(f.sender, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    EXPECT_EQ(pa->setsockopt(f.sender, IPPROTO_TCP, TCP_CONGESTION,
                             algorithm.data(), algorithm.size()),
              0);
    return f;
  }

  // Keeps every sender's buffer full and every receiver's empty, stepping
  // 1 ms at a time, for the warm-up and the measured period.
  void Run(std::vector<Flow>& flows) {
    std::vector<char> buf(256 * 1024, 'x');
    const Time start = w.Now();
    const Time measure_from = start + kWarmUp;
    const Time end = measure_from + kMeasured;
    bool measuring = false;
    while (w.Now() < end) {
      if (!measuring && w.Now() >= measure_from) {
        measuring = true;
        for (Flow& f : flows) f.read_at_start = f.read_total;
      }
      for (Flow& f : flows) {
        for (int i = 0; i < 64; ++i) {
          if (pa->write(f.sender, buf.data(), buf.size()) <= 0) break;
        }
        for (int i = 0; i < 64; ++i) {
          const ssize_t n = pb->read(f.receiver, buf.data(), buf.size());
          if (n <= 0) break;
          f.read_total += static_cast<uint64_t>(n);
        }
      }
      w.RunFor(kStep);
    }
    const double secs = std::chrono::duration<double>(kMeasured).count();
    for (Flow& f : flows)
      f.goodput_bps =
          static_cast<double>(f.read_total - f.read_at_start) * 8 / secs;
  }

  tcp_info Info(const Flow& f) {
    tcp_info info{};
    socklen_t len = sizeof info;
    EXPECT_EQ(pa->getsockopt(f.sender, IPPROTO_TCP, TCP_INFO, &info, &len), 0);
    return info;
  }

  World w;
  std::string algorithm;
  Host* a;
  Host* b;
  Process* pa;
  Process* pb;
  int listener = -1;
};

class CongestionOverALink : public ::testing::TestWithParam<const char*> {};

TEST_P(CongestionOverALink, BulkTransferFillsNinetyPercentOfTheLink) {
  Link link(GetParam());
  std::vector<Flow> flows{link.Open()};
  link.Run(flows);
  const double utilisation = flows[0].goodput_bps / kRate;
  const tcp_info info = link.Info(flows[0]);
  std::printf(
      "[ figures  ] %s bulk: goodput %.3f Mbit/s, utilisation %.1f%%, "
      "%llu packets dropped, cwnd %u, ssthresh %u\n",
      GetParam(), flows[0].goodput_bps / 1e6, utilisation * 100,
      static_cast<unsigned long long>(link.w.network().packets_dropped()),
      info.tcpi_snd_cwnd, info.tcpi_snd_ssthresh);
  EXPECT_GE(utilisation, 0.90);
  // The queue overflowed (cwnd probed past the link) and the flow
  // recovered: congestion control, not a buffer, was the limit.
  EXPECT_GT(link.w.network().packets_dropped(), 0u);
  EXPECT_LT(info.tcpi_snd_ssthresh, tcp::CongestionControl::kInfiniteSsthresh);
}

TEST_P(CongestionOverALink, TwoFlowsStartedTogetherShareWithinTwentyPercent) {
  Link link(GetParam());
  std::vector<Flow> flows{link.Open(), link.Open()};
  link.Run(flows);
  const double lo = std::min(flows[0].goodput_bps, flows[1].goodput_bps);
  const double hi = std::max(flows[0].goodput_bps, flows[1].goodput_bps);
  const double total = flows[0].goodput_bps + flows[1].goodput_bps;
  std::printf(
      "[ figures  ] %s two flows: %.3f and %.3f Mbit/s, ratio %.3f, "
      "utilisation %.1f%%\n",
      GetParam(), flows[0].goodput_bps / 1e6, flows[1].goodput_bps / 1e6,
      lo / hi, total / kRate * 100);
  EXPECT_GE(lo / hi, 0.80);
  EXPECT_GE(total / kRate, 0.90);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, CongestionOverALink,
                         ::testing::Values("cubic", "reno"),
                         [](const auto& info) {
                           return std::string(info.param);
                         });

}  // namespace
}  // namespace simsock::sim
