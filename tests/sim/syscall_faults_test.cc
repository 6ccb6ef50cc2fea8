// Syscall faults (sim/kernel/process.h SyscallFaults): each stays inside the
// call's contract, is drawn from the seed and traced.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/matchers.h"
#include "simsock/testing/sockets.h"
#include "simsock/testing/trace_events.h"

namespace simsock::sim {
namespace {

using testing::SyscallFailsWithErrno;
using testing::SyscallSucceeds;

using std::chrono::milliseconds;
using testing::Bind;
using testing::Connect;

// How many faults of one kind the trace reports.
size_t CountFaults(World& w, const std::string& what) {
  return testing::FindEvents(w.trace().events(), testing::TextHas(what)).size();
}

TEST(SyscallFaults, ShortReadsAndWritesKeepTheStreamWhole) {
  World w(21);
  w.trace().KeepEvents(true);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  SyscallFaults f;
  f.short_io = 0.5;
  p.SetFaults(f);
  int l = p.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  Bind(p, l, "127.0.0.1", 80);
  p.listen(l, 1);
  int c = p.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  Connect(p, c, "127.0.0.1", 80);
  int s = p.accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
  ASSERT_GE(s, 0);
  const size_t total = 100000;
  std::vector<uint8_t> out(total), in;
  for (size_t i = 0; i < total; ++i) out[i] = static_cast<uint8_t>(i % 241);
  size_t sent = 0;
  std::vector<uint8_t> buf(4096);
  for (int i = 0; i < 100000 && in.size() < total; ++i) {
    if (sent < total) {
      ssize_t n =
          p.write(c, out.data() + sent, std::min<size_t>(8000, total - sent));
      if (n > 0) sent += static_cast<size_t>(n);
    }
    ssize_t n = p.read(s, buf.data(), buf.size());
    if (n > 0) in.insert(in.end(), buf.begin(), buf.begin() + n);
  }
  EXPECT_EQ(in, out);
  EXPECT_GT(CountFaults(w, "fault: short write"), 10u);
  EXPECT_GT(CountFaults(w, "fault: short read"), 10u);
}

TEST(SyscallFaults, EmfileOnAcceptLeavesTheConnectionQueued) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int l = p.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  Bind(p, l, "127.0.0.1", 80);
  p.listen(l, 1);
  int c = p.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  Connect(p, c, "127.0.0.1", 80);
  SyscallFaults f;
  f.emfile = 1;
  p.SetFaults(f);
  EXPECT_THAT(p.accept4(l, nullptr, nullptr, 0), SyscallFailsWithErrno(EMFILE));
  EXPECT_THAT(p.socket(AF_INET, SOCK_DGRAM, 0), SyscallFailsWithErrno(EMFILE));
  EXPECT_THAT(p.epoll_create1(0), SyscallFailsWithErrno(EMFILE));
  p.SetFaults({});
  EXPECT_THAT(p.accept4(l, nullptr, nullptr, 0), SyscallSucceeds());
}

TEST(SyscallFaults, EintrEndsBlockingCallsWithoutProgress) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int u = p.socket(AF_INET, SOCK_DGRAM, 0);
  Bind(p, u, "127.0.0.1", 9000);
  int ep = p.epoll_create1(0);
  long read_result = 0, wait_result = 0;
  SyscallFaults f;
  f.eintr = 1;
  p.SetFaults(f);
  p.Spawn([&] {
    char c;
    read_result = p.read(u, &c, 1);
    epoll_event ev;
    wait_result = p.epoll_wait(ep, &ev, 1, 1000);
  });
  w.RunFor(milliseconds(1));
  EXPECT_EQ(read_result, -EINTR);
  EXPECT_EQ(wait_result, -EINTR);
  EXPECT_EQ(w.Now(), Time(milliseconds(1)));  // neither waited
}

TEST(SyscallFaults, EnobufsOnUdpSendsNothing) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int rx = p.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  Bind(p, rx, "127.0.0.1", 9000);
  int tx = p.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  SyscallFaults f;
  f.enobufs = 1;
  p.SetFaults(f);
  EXPECT_THAT(testing::SendTo(p, tx, "x", 1, "127.0.0.1", 9000),
              SyscallFailsWithErrno(ENOBUFS));
  char c;
  EXPECT_THAT(p.read(rx, &c, 1), SyscallFailsWithErrno(EAGAIN));
}

TEST(SyscallFaults, ReplayFromTheSeed) {
  auto run = [](uint64_t seed) {
    World w(seed);
    Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
    SyscallFaults f;
    f.short_io = 0.5;
    f.emfile = 0.3;
    p.SetFaults(f);
    std::vector<long> results;
    for (int i = 0; i < 20; ++i)
      results.push_back(p.socket(AF_INET, SOCK_DGRAM, 0));
    return std::make_pair(results, w.trace().hash());
  };
  EXPECT_EQ(run(3), run(3));
  EXPECT_NE(run(3).first, run(4).first);
}

}  // namespace
}  // namespace simsock::sim
