// Pipes and eventfds in the simulated kernel (sim/vfs/pipe.h,
// sim/vfs/eventfd.h, sim/kernel/process_pipe.cc): what the differential
// scenarios cannot show from one thread — blocking reads and writes woken
// by another simulated thread, the syscall faults that apply to them, and
// the simulator's own answers (EFAULT, ENOPKG, root's F_SETPIPE_SZ, the
// trace lines).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
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
using testing::SyscallSucceedsWithValue;

constexpr int64_t kTenMs = 10'000'000;

size_t CountLines(World& w, const std::string& what) {
  return testing::FindEvents(w.trace().events(), testing::TextHas(what)).size();
}

TEST(Pipe, BlockingReadIsWokenByAWriteFromAnotherThread) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int fds[2];
  ASSERT_THAT(p.pipe2(fds, 0), SyscallSucceeds());
  std::string got;
  Time read_at{-1};
  p.Spawn([&] {
    char buf[16];
    const ssize_t n = p.read(fds[0], buf, sizeof buf);
    ASSERT_EQ(n, 5);
    got.assign(buf, 5);
    read_at = w.Now();
  });
  p.Spawn([&] {
    p.nanosleep_ns(kTenMs);
    EXPECT_EQ(p.write(fds[1], "hello", 5), 5);
  });
  w.RunFor(milliseconds(100));
  EXPECT_EQ(got, "hello");
  EXPECT_EQ(read_at, Time(milliseconds(10)));
}

TEST(Pipe, BlockingWriteWaitsForRoomAndStaysInOrder) {
  World w(2);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int fds[2];
  ASSERT_THAT(p.pipe2(fds, 0), SyscallSucceeds());
  const size_t total = 200000;  // three times the pipe's capacity
  std::vector<uint8_t> out(total), in;
  for (size_t i = 0; i < total; ++i) out[i] = static_cast<uint8_t>(i % 251);
  ssize_t wrote = -1;
  p.Spawn([&] { wrote = p.write(fds[1], out.data(), total); });
  p.Spawn([&] {
    std::vector<uint8_t> buf(10000);
    for (int i = 0; i < 1000 && in.size() < total; ++i) {
      p.nanosleep_ns(1'000'000);
      const ssize_t n = p.read(fds[0], buf.data(), buf.size());
      ASSERT_GT(n, 0);
      in.insert(in.end(), buf.begin(), buf.begin() + n);
    }
  });
  w.RunFor(milliseconds(1000));
  EXPECT_EQ(wrote, static_cast<ssize_t>(total));
  EXPECT_EQ(in, out);
}

TEST(Pipe, ClosingOneEndWakesTheOther) {
  World w(3);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int a[2], b[2];
  ASSERT_THAT(p.pipe2(a, 0), SyscallSucceeds());
  ASSERT_THAT(p.pipe2(b, 0), SyscallSucceeds());
  ssize_t read_result = -1, write_result = 0;
  // A reader blocked on an empty pipe sees the end when the writer goes.
  p.Spawn([&] {
    char c;
    read_result = p.read(a[0], &c, 1);
  });
  // A writer blocked on a full pipe gets what it queued when the reader
  // goes: 65536 bytes of its 70000.
  std::vector<uint8_t> big(70000, 'x');
  p.Spawn([&] { write_result = p.write(b[1], big.data(), big.size()); });
  p.Spawn([&] {
    p.nanosleep_ns(kTenMs);
    p.close(a[1]);
    p.close(b[0]);
  });
  w.RunFor(milliseconds(100));
  EXPECT_EQ(read_result, 0);
  EXPECT_EQ(write_result, 65536);
  EXPECT_THAT(p.write(b[1], "x", 1), SyscallFailsWithErrno(EPIPE));
}

TEST(Pipe, ABlockingReadWithNothingToWakeItIsADeadlock) {
  World w(4);
  w.trace().KeepEvents(true);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int fds[2];
  ASSERT_THAT(p.pipe2(fds, 0), SyscallSucceeds());
  char c;
  // From the test's own code: nothing could ever write, so the call says
  // so and returns the nonblocking answer.
  EXPECT_THAT(p.read(fds[0], &c, 1), SyscallFailsWithErrno(EAGAIN));
  EXPECT_EQ(CountLines(w, "deadlock: blocking read can never complete"), 1u);
}

TEST(Pipe, EpollWaitIsWokenByAWrite) {
  World w(5);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int fds[2];
  ASSERT_THAT(p.pipe2(fds, O_NONBLOCK), SyscallSucceeds());
  const int ep = p.epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fds[0];
  ASSERT_THAT(p.epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev), SyscallSucceeds());
  int n = -1;
  epoll_event out[4];
  Time woke_at{-1};
  p.Spawn([&] {
    n = p.epoll_wait(ep, out, 4, -1);
    woke_at = w.Now();
  });
  p.Spawn([&] {
    p.nanosleep_ns(kTenMs);
    p.write(fds[1], "!", 1);
  });
  w.RunFor(milliseconds(100));
  ASSERT_EQ(n, 1);
  EXPECT_EQ(out[0].data.fd, fds[0]);
  EXPECT_EQ(out[0].events, static_cast<uint32_t>(EPOLLIN));
  EXPECT_EQ(woke_at, Time(milliseconds(10)));
}

TEST(Pipe, TheSimulatorsOwnAnswers) {
  World w(6);
  w.trace().KeepEvents(true);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  // A bad array: no fd is left open.
  EXPECT_THAT(p.pipe2(nullptr, 0), SyscallFailsWithErrno(EFAULT));
  EXPECT_EQ(p.fds().open_count(), 3);
  // O_NOTIFICATION_PIPE: no watch queues (a kernel without
  // CONFIG_WATCH_QUEUE).
  int fds[2];
  EXPECT_THAT(p.pipe2(fds, O_EXCL), SyscallFailsWithErrno(ENOPKG));
  ASSERT_THAT(p.pipe2(fds, O_NONBLOCK), SyscallSucceeds());
  EXPECT_EQ(CountLines(w, "pipe2([3, 4], O_NONBLOCK) = 0"), 1u);
  // Every simulated process is root: above fs.pipe-max-size is allowed.
  EXPECT_THAT(p.fcntl(fds[1], F_SETPIPE_SZ, 4 << 20),
              SyscallSucceedsWithValue(4 << 20));
  // A NULL buffer with data queued: EFAULT, and the data stays.
  ASSERT_EQ(p.write(fds[1], "abc", 3), 3);
  EXPECT_THAT(p.read(fds[0], nullptr, 3), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(p.write(fds[1], nullptr, 3), SyscallFailsWithErrno(EFAULT));
  char buf[8];
  EXPECT_THAT(p.read(fds[0], buf, sizeof buf), SyscallSucceedsWithValue(3));
  // Out of fds: pipe2 needs two.
  p.fds().set_limit(p.fds().open_count() + 1);
  EXPECT_THAT(p.pipe2(fds, 0), SyscallFailsWithErrno(EMFILE));
  EXPECT_EQ(p.fds().open_count(), 5);
  const int e = p.eventfd2(0, 0);
  EXPECT_EQ(e, 5);
  EXPECT_EQ(CountLines(w, "eventfd2(0, 0) = 5"), 1u);
}

TEST(EventFd, BlockingReadIsWokenByAWriteFromAnotherThread) {
  World w(7);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  const int e = p.eventfd2(0, 0);
  ASSERT_GE(e, 0);
  uint64_t got = 0;
  Time read_at{-1};
  p.Spawn([&] {
    ASSERT_EQ(p.read(e, &got, sizeof got), 8);
    read_at = w.Now();
  });
  p.Spawn([&] {
    p.nanosleep_ns(kTenMs);
    const uint64_t v = 42;
    EXPECT_EQ(p.write(e, &v, sizeof v), 8);
  });
  w.RunFor(milliseconds(100));
  EXPECT_EQ(got, 42u);
  EXPECT_EQ(read_at, Time(milliseconds(10)));
}

TEST(EventFd, BlockingWriteWaitsUntilTheCounterHasRoom) {
  World w(8);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  const int e = p.eventfd2(0, 0);
  const uint64_t most = 0xfffffffffffffffeULL, one = 1;
  ASSERT_EQ(p.write(e, &most, 8), 8);
  Time wrote_at{-1};
  p.Spawn([&] {
    EXPECT_EQ(p.write(e, &one, 8), 8);
    wrote_at = w.Now();
  });
  p.Spawn([&] {
    p.nanosleep_ns(kTenMs);
    uint64_t v;
    EXPECT_EQ(p.read(e, &v, 8), 8);
    EXPECT_EQ(v, most);
  });
  w.RunFor(milliseconds(100));
  EXPECT_EQ(wrote_at, Time(milliseconds(10)));
  uint64_t v = 0;
  EXPECT_EQ(p.read(e, &v, 8), 8);
  EXPECT_EQ(v, 1u);
}

TEST(PipeFaults, EintrEndsABlockingReadOrWrite) {
  World w(9);
  w.trace().KeepEvents(true);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int fds[2];
  ASSERT_THAT(p.pipe2(fds, 0), SyscallSucceeds());
  const int e = p.eventfd2(0, 0);
  SyscallFaults f;
  f.eintr = 1;
  p.SetFaults(f);
  ssize_t r = 0, ew = 0, big = 0;
  std::vector<uint8_t> data(70000, 'y');
  p.Spawn([&] {
    char c;
    r = p.read(fds[0], &c, 1);
    uint64_t v;
    ew = p.read(e, &v, 8);
    // A write that must wait for room: the signal leaves the bytes queued.
    big = p.write(fds[1], data.data(), data.size());
  });
  w.RunFor(milliseconds(10));
  EXPECT_EQ(r, -EINTR);
  EXPECT_EQ(ew, -EINTR);
  EXPECT_EQ(big, 65536);
  EXPECT_EQ(CountLines(w, "fault: EINTR in read"), 2u);
  EXPECT_EQ(CountLines(w, "fault: EINTR in write"), 1u);
}

TEST(PipeFaults, ShortWritesNeverSplitAPipeBufWrite) {
  World w(10);
  w.trace().KeepEvents(true);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int fds[2];
  ASSERT_THAT(p.pipe2(fds, O_NONBLOCK), SyscallSucceeds());
  SyscallFaults f;
  f.short_io = 1;
  p.SetFaults(f);
  std::vector<uint8_t> out, in;
  std::vector<uint8_t> chunk(10000);
  std::vector<uint8_t> buf(20000);
  size_t sizes[] = {4096, 100, 1, 10000, 4097};
  for (int round = 0; round < 200; ++round) {
    const size_t len = sizes[round % 5];
    for (size_t i = 0; i < len; ++i)
      chunk[i] = static_cast<uint8_t>((out.size() + i) % 253);
    const ssize_t n = p.write(fds[1], chunk.data(), len);
    if (len <= 4096) {
      // Atomic: all of it or EAGAIN.
      EXPECT_TRUE(n == static_cast<ssize_t>(len) || n == -EAGAIN) << n;
    } else if (n > 0) {
      EXPECT_LT(n, static_cast<ssize_t>(len));  // always cut short
    }
    if (n > 0) out.insert(out.end(), chunk.begin(), chunk.begin() + n);
    const ssize_t m = p.read(fds[0], buf.data(), buf.size());
    if (m > 0) in.insert(in.end(), buf.begin(), buf.begin() + m);
  }
  for (int i = 0; i < 100; ++i) {
    const ssize_t m = p.read(fds[0], buf.data(), buf.size());
    if (m <= 0) break;
    in.insert(in.end(), buf.begin(), buf.begin() + m);
  }
  EXPECT_EQ(in, out);
  EXPECT_GT(CountLines(w, "fault: short write"), 50u);
  EXPECT_GT(CountLines(w, "fault: short read"), 50u);
  // A read of 1 byte is never cut.
  ASSERT_EQ(p.write(fds[1], "z", 1), 1);
  char c;
  EXPECT_EQ(p.read(fds[0], &c, 1), 1);
}

TEST(PipeFaults, AnEventfdIsNeverShort) {
  World w(11);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  const int e = p.eventfd2(5, O_NONBLOCK);
  SyscallFaults f;
  f.short_io = 1;
  p.SetFaults(f);
  uint64_t v = 0;
  EXPECT_EQ(p.read(e, &v, 8), 8);
  EXPECT_EQ(v, 5u);
  EXPECT_EQ(p.write(e, &v, 8), 8);
}

}  // namespace
}  // namespace simsock::sim
