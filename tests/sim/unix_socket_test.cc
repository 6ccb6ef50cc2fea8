// AF_UNIX stream sockets in the simulated kernel (sim/vfs/unix_socket.h,
// sim/kernel/process_unix.cc): what the differential scenarios cannot show
// from one thread — blocking reads, writes, accepts and connects woken by
// another simulated thread — and the simulator's own answers (EOPNOTSUPP
// for what it does not model, names per host, the trace line).
#include "simsock/sim/vfs/unix_socket.h"

#include <gtest/gtest.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/matchers.h"
#include "simsock/testing/trace_events.h"

namespace simsock::sim {
namespace {

using std::chrono::milliseconds;
using testing::SyscallFailsWithErrno;
using testing::SyscallSucceeds;

constexpr int64_t kTenMs = 10'000'000;

socklen_t Abstract(const std::string& name, sockaddr_un* a) {
  std::memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  std::memcpy(a->sun_path + 1, name.data(), name.size());
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 +
                                name.size());
}

TEST(UnixSocket, BlockingReadIsWokenByAWriteFromAnotherThread) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int sv[2];
  ASSERT_THAT(p.socketpair(AF_UNIX, SOCK_STREAM, 0, sv), SyscallSucceeds());
  std::string got;
  Time read_at{-1};
  p.Spawn([&] {
    char buf[16];
    const ssize_t n = p.read(sv[1], buf, sizeof buf);
    ASSERT_EQ(n, 5);
    got.assign(buf, 5);
    read_at = w.Now();
  });
  p.Spawn([&] {
    p.nanosleep_ns(kTenMs);
    EXPECT_EQ(p.write(sv[0], "hello", 5), 5);
  });
  w.RunFor(milliseconds(100));
  EXPECT_EQ(got, "hello");
  EXPECT_EQ(read_at, Time(milliseconds(10)));
}

TEST(UnixSocket, BlockingWriteWaitsForRoomAndStaysInOrder) {
  World w(2);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int sv[2];
  ASSERT_THAT(p.socketpair(AF_UNIX, SOCK_STREAM, 0, sv), SyscallSucceeds());
  const size_t total = 1000000;  // several send buffers
  std::vector<uint8_t> out(total), in;
  for (size_t i = 0; i < total; ++i) out[i] = static_cast<uint8_t>(i % 251);
  ssize_t wrote = -1;
  p.Spawn([&] { wrote = p.write(sv[0], out.data(), total); });
  p.Spawn([&] {
    std::vector<uint8_t> buf(50000);
    for (int i = 0; i < 1000 && in.size() < total; ++i) {
      p.nanosleep_ns(1'000'000);
      const ssize_t n = p.read(sv[1], buf.data(), buf.size());
      ASSERT_GT(n, 0);
      in.insert(in.end(), buf.begin(), buf.begin() + n);
    }
  });
  w.RunFor(milliseconds(2000));
  EXPECT_EQ(wrote, static_cast<ssize_t>(total));
  EXPECT_EQ(in, out);
}

TEST(UnixSocket, CloseWakesABlockedReaderAndWriter) {
  World w(3);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int sv[2];
  ASSERT_THAT(p.socketpair(AF_UNIX, SOCK_STREAM, 0, sv), SyscallSucceeds());
  int t[2];
  ASSERT_THAT(p.socketpair(AF_UNIX, SOCK_STREAM, 0, t), SyscallSucceeds());
  ssize_t read_result = -1, write_result = 0;
  p.Spawn([&] {
    char buf[8];
    read_result = p.read(sv[1], buf, sizeof buf);
  });
  std::vector<uint8_t> big(600000, 'x');
  p.Spawn([&] { write_result = p.write(t[0], big.data(), big.size()); });
  p.Spawn([&] {
    p.nanosleep_ns(kTenMs);
    EXPECT_EQ(p.close(sv[0]), 0);
    EXPECT_EQ(p.close(t[1]), 0);  // with unread bytes
  });
  w.RunFor(milliseconds(100));
  EXPECT_EQ(read_result, 0);
  // What went before the reader's close, then nothing more: a short write.
  EXPECT_GT(write_result, 0);
  EXPECT_LT(write_result, static_cast<ssize_t>(big.size()));
}

TEST(UnixSocket, AcceptAndAFullBacklogWaitInVirtualTime) {
  World w(4);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  sockaddr_un a;
  const socklen_t len = Abstract("srv", &a);
  const int l = p.socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(l, 0);
  ASSERT_THAT(p.bind(l, reinterpret_cast<sockaddr*>(&a), len),
              SyscallSucceeds());
  ASSERT_THAT(p.listen(l, 0), SyscallSucceeds());
  std::vector<Time> connected;
  for (int i = 0; i < 2; ++i) {
    p.Spawn([&] {
      const int c = p.socket(AF_UNIX, SOCK_STREAM, 0);
      // Backlog 0 holds one: the second connect waits for an accept.
      EXPECT_EQ(p.connect(c, reinterpret_cast<sockaddr*>(&a), len), 0);
      connected.push_back(w.Now());
    });
  }
  Time accepted{-1};
  p.Spawn([&] {
    p.nanosleep_ns(kTenMs);
    EXPECT_GE(p.accept4(l, nullptr, nullptr, 0), 0);
    EXPECT_GE(p.accept4(l, nullptr, nullptr, 0), 0);
    accepted = w.Now();
  });
  w.RunFor(milliseconds(100));
  ASSERT_EQ(connected.size(), 2u);
  EXPECT_EQ(connected[0], Time(0));
  EXPECT_EQ(connected[1], Time(milliseconds(10)));
  EXPECT_EQ(accepted, Time(milliseconds(10)));
}

TEST(UnixSocket, TheSimulatorsOwnAnswers) {
  World w(5);
  w.trace().KeepEvents(true);
  Host& h = w.AddHost("h", "10.0.0.1");
  Process& p = h.SpawnProcess();
  int sv[2] = {-1, -1};
  // Not modelled (D34): EOPNOTSUPP, never a silent success.
  EXPECT_THAT(p.socketpair(AF_UNIX, SOCK_DGRAM, 0, sv),
              SyscallFailsWithErrno(EOPNOTSUPP));
  EXPECT_THAT(p.socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv),
              SyscallFailsWithErrno(EOPNOTSUPP));
  EXPECT_THAT(p.socket(AF_UNIX, SOCK_DGRAM, 0),
              SyscallFailsWithErrno(EOPNOTSUPP));
  EXPECT_THAT(p.socketpair(AF_UNIX, SOCK_STREAM, 0, nullptr),
              SyscallFailsWithErrno(EFAULT));
  ASSERT_THAT(p.socketpair(AF_UNIX, SOCK_STREAM, 0, sv), SyscallSucceeds());
  EXPECT_EQ(sv[0], 3);
  EXPECT_EQ(sv[1], 4);
  // SO_PEERCRED: the virtual pid, root.
  ucred c{};
  socklen_t cl = sizeof c;
  ASSERT_THAT(p.getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &c, &cl),
              SyscallSucceeds());
  EXPECT_EQ(c.pid, p.pid());
  EXPECT_EQ(c.uid, 0u);
  // Autobind names count from 00000 on each host.
  const int u = p.socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  ASSERT_THAT(p.bind(u, reinterpret_cast<sockaddr*>(&a), 2), SyscallSucceeds());
  socklen_t al = sizeof a;
  ASSERT_THAT(p.getsockname(u, reinterpret_cast<sockaddr*>(&a), &al),
              SyscallSucceeds());
  EXPECT_EQ(al, 8u);
  EXPECT_EQ(std::string(a.sun_path, 6), std::string("\0"
                                                    "00000",
                                                    6));
  // Names are per host: another host's connect does not find it.
  Process& q = w.AddHost("g", "10.0.0.2").SpawnProcess();
  const int v = q.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  EXPECT_THAT(q.connect(v, reinterpret_cast<sockaddr*>(&a), al),
              SyscallFailsWithErrno(ECONNREFUSED));
  // FIONREAD and SIOCOUTQ.
  ASSERT_EQ(p.write(sv[0], "abc", 3), 3);
  int n = -1;
  ASSERT_THAT(p.unix_ioctl(sv[1], FIONREAD, &n), SyscallSucceeds());
  EXPECT_EQ(n, 3);
  ASSERT_THAT(p.unix_ioctl(sv[0], SIOCOUTQ, &n), SyscallSucceeds());
  EXPECT_EQ(n, 768);
  EXPECT_EQ(UnixSocket::ChunkTruesize(36544), 37120u);
  EXPECT_EQ(UnixSocket::ChunkTruesize(5000), 6400u);
  // The trace line.
  EXPECT_EQ(
      testing::FindEvents(
          w.trace().events(),
          testing::TextHas("socketpair(AF_UNIX, SOCK_STREAM, 0, [3, 4]) = 0"))
          .size(),
      1u);
}

}  // namespace
}  // namespace simsock::sim
