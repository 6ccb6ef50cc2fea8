// FaultySyscalls on both backends: the real kernel over 127.0.0.1 and a
// simulated process (its calls made from the test's own code, which runs
// the world forward while a call blocks). Each fault shows as the call's
// Linux result, and the sockets are left as Linux would leave them.
#include "simsock/faults/faulty_syscalls.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/select.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "simsock/net/sys/linux_syscalls.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/sockets.h"

namespace simsock::faults {
namespace {

using K = SyscallFaultKind;
using ::simsock::testing::Addr;
using ::simsock::testing::LocalPort;

// One backend's Syscalls, and a way to let time pass.
struct Inner {
  virtual ~Inner() = default;
  virtual sys::Syscalls& sys() = 0;
  virtual void Pass() = 0;  // lets ~1 ms of the backend's time pass
};

struct LinuxInner final : Inner {
  sys::LinuxSyscalls linux_sys;
  sys::Syscalls& sys() override { return linux_sys; }
  void Pass() override { (void)linux_sys.nanosleep_ns(1'000'000); }
};

struct SimInner final : Inner {
  sim::World world{7};
  sim::Process& process = world.AddHost("host", "10.0.0.1").SpawnProcess();
  sys::Syscalls& sys() override { return process; }
  void Pass() override { world.RunFor(std::chrono::milliseconds(1)); }
};

class FaultySyscallsTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      inner_ = std::make_unique<SimInner>();
    } else {
      inner_ = std::make_unique<LinuxInner>();
    }
    faulty_ = std::make_unique<FaultySyscalls>(inner_->sys(), injector_);
    injector_.SetTrace(
        [this](const Injection& i) { trace_.push_back(i.ToString()); });
  }
  void TearDown() override {
    for (int fd : fds_) (void)inner_->sys().close(fd);
  }

  sys::Syscalls& sys() { return *faulty_; }
  int Track(int fd) {
    if (fd >= 0) fds_.push_back(fd);
    return fd;
  }
  void Untrack(int fd) { std::erase(fds_, fd); }

  uint64_t Add(K kind, uint64_t nth, std::string call = "") {
    SyscallFault f;
    f.kind = kind;
    f.nth = nth;
    f.call = std::move(call);
    return injector_.Add(f, "test");
  }

  int Listener() {
    int l = Track(sys().socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in a = Addr("127.0.0.1", 0);
    EXPECT_EQ(sys().bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(sys().listen(l, 16), 0);
    return l;
  }
  int Connect(int listener) {
    int c = Track(sys().socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in a = Addr("127.0.0.1", LocalPort(sys(), listener));
    EXPECT_EQ(sys().connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    return c;
  }
  // A connected pair (client, server), both blocking.
  std::pair<int, int> Pair() {
    int l = Listener();
    int c = Connect(l);
    int s = Track(sys().accept4(l, nullptr, nullptr, 0));
    EXPECT_GE(s, 0);
    return {c, s};
  }
  void SetNonblocking(int fd) {
    int fl = sys().fcntl(fd, F_GETFL, 0);
    ASSERT_EQ(sys().fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
  }
  // Reads with MSG_DONTWAIT until `want` bytes came, an error other than
  // EAGAIN, or ~2 s of backend time. Returns the last result.
  ssize_t ReadSome(int fd, std::string* out, size_t want) {
    ssize_t r = -EAGAIN;
    char buf[4096];
    for (int i = 0; i < 2000 && out->size() < want; ++i) {
      r = inner_->sys().recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, nullptr,
                                 nullptr);
      if (r > 0) {
        out->append(buf, static_cast<size_t>(r));
        continue;
      }
      if (r != -EAGAIN) break;
      inner_->Pass();
    }
    return r;
  }

  SplitMix64 rng_{1};
  SyscallInjector injector_{rng_, "test"};
  std::unique_ptr<Inner> inner_;
  std::unique_ptr<FaultySyscalls> faulty_;
  std::vector<std::string> trace_;
  std::vector<int> fds_;
};

TEST_P(FaultySyscallsTest, NoRulePassesEverythingThrough) {
  auto [c, s] = Pair();
  EXPECT_EQ(sys().write(c, "hello", 5), 5);
  char buf[8];
  EXPECT_EQ(sys().read(s, buf, sizeof buf), 5);
  EXPECT_TRUE(trace_.empty());
}

TEST_P(FaultySyscallsTest, ShortWriteAndReadMoveFewerBytes) {
  auto [c, s] = Pair();
  Add(K::kShortIo, 1, "write");
  std::string data(1000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i % 97);
  ssize_t n = sys().write(c, data.data(), data.size());
  ASSERT_GE(n, 1);
  ASSERT_LT(n, 1000);
  ASSERT_EQ(
      sys().write(c, data.data() + n, data.size() - static_cast<size_t>(n)),
      1000 - n);
  Add(K::kShortIo, 1, "read");
  char buf[1000];
  ssize_t r = sys().read(s, buf, sizeof buf);
  ASSERT_GE(r, 1);
  ASSERT_LT(r, 1000);
  std::string got(buf, static_cast<size_t>(r));
  ASSERT_EQ(ReadSome(s, &got, 1000) > 0 || got.size() == 1000, true);
  EXPECT_EQ(got, data);
  EXPECT_EQ(trace_.size(), 2u);
}

TEST_P(FaultySyscallsTest, EintrOnABlockingReadOnlyWhenItWouldSleep) {
  auto [c, s] = Pair();
  Add(K::kEintr, 1, "read");
  char buf[16];
  EXPECT_EQ(sys().read(s, buf, sizeof buf), -EINTR);
  ASSERT_EQ(trace_.size(), 1u);
  EXPECT_EQ(trace_[0], "test: eintr in read (test): -EINTR");
  // Nothing changed: the data sent later is read whole.
  EXPECT_EQ(sys().write(c, "abc", 3), 3);
  std::string got;
  ReadSome(s, &got, 3);
  EXPECT_EQ(got, "abc");
  // With data there, Linux does not sleep, and a signal changes nothing.
  Add(K::kEintr, 1, "read");
  EXPECT_EQ(sys().write(c, "de", 2), 2);
  std::string more;
  for (int i = 0; i < 2000 && more.empty(); ++i) {
    // Wait until the bytes are there (loopback may take a moment).
    ReadSome(s, &more, 0);
    epoll_event ev{};
    int ep = Track(inner_->sys().epoll_create1(0));
    ev.events = EPOLLIN;
    (void)inner_->sys().epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
    int n = inner_->sys().epoll_wait(ep, &ev, 1, 0);
    (void)inner_->sys().close(ep);
    Untrack(ep);
    if (n == 1) break;
    inner_->Pass();
  }
  EXPECT_EQ(sys().read(s, buf, sizeof buf), 2);
  EXPECT_EQ(trace_.size(), 1u);
}

TEST_P(FaultySyscallsTest, EagainHidesAReadyFdAndTheNextWaitReportsIt) {
  auto [c, s] = Pair();
  SetNonblocking(s);
  int ep = Track(sys().epoll_create1(0));
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u64 = 77;
  ASSERT_EQ(sys().epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev), 0);
  EXPECT_EQ(sys().write(c, "xyz", 3), 3);
  epoll_event got{};
  ASSERT_EQ(sys().epoll_wait(ep, &got, 1, 1000), 1);  // the edge
  Add(K::kEagain, 1, "read");
  char buf[16];
  EXPECT_EQ(sys().read(s, buf, sizeof buf), -EAGAIN);
  // Edge-triggered: no new edge will come for the bytes already there, so
  // the decorator's next wait reports the fd again.
  got = {};
  ASSERT_EQ(sys().epoll_wait(ep, &got, 1, 1000), 1);
  // epoll_event is packed: copy its fields out before comparing.
  const uint64_t data = got.data.u64;
  const uint32_t events = got.events;
  EXPECT_EQ(data, 77u);
  EXPECT_TRUE(events & EPOLLIN);
  EXPECT_EQ(sys().read(s, buf, sizeof buf), 3);
}

TEST_P(FaultySyscallsTest, EintrOnABlockingConnectLeavesItGoingOn) {
  int l = Listener();
  int c = Track(sys().socket(AF_INET, SOCK_STREAM, 0));
  Add(K::kEintr, 1, "connect");
  sockaddr_in a = Addr("127.0.0.1", LocalPort(sys(), l));
  auto* sa = reinterpret_cast<sockaddr*>(&a);
  int r = sys().connect(c, sa, sizeof a);
  // Linux's loopback may complete the handshake at once (then no signal
  // could interrupt the call); otherwise EINTR and the connection goes on.
  ASSERT_TRUE(r == 0 || r == -EINTR) << r;
  if (r == -EINTR) {
    EXPECT_EQ(trace_.size(), 1u);
    int again = -EALREADY;
    for (int i = 0; i < 2000 && again == -EALREADY; ++i) {
      again = sys().connect(c, sa, sizeof a);
      if (again == -EALREADY) inner_->Pass();
    }
    // The first connect after the handshake reports its success (0), later
    // ones EISCONN (inet_stream_connect), on both backends.
    EXPECT_TRUE(again == 0 || again == -EISCONN) << again;
    EXPECT_EQ(sys().connect(c, sa, sizeof a), -EISCONN);
  }
  // The socket is blocking again, and connected.
  EXPECT_EQ(sys().fcntl(c, F_GETFL, 0) & O_NONBLOCK, 0);
  int s = Track(sys().accept4(l, nullptr, nullptr, 0));
  ASSERT_GE(s, 0);
  EXPECT_EQ(sys().write(c, "k", 1), 1);
  std::string got;
  ReadSome(s, &got, 1);
  EXPECT_EQ(got, "k");
}

TEST_P(FaultySyscallsTest, EconnabortedResetsTheQueuedConnection) {
  int l = Listener();
  int c = Connect(l);
  Add(K::kEconnaborted, 1);
  EXPECT_EQ(sys().accept4(l, nullptr, nullptr, 0), -ECONNABORTED);
  // The client got the RST.
  std::string got;
  EXPECT_EQ(ReadSome(c, &got, 1), -ECONNRESET);
  // The listener goes on.
  int c2 = Connect(l);
  int s2 = Track(sys().accept4(l, nullptr, nullptr, 0));
  ASSERT_GE(s2, 0);
  EXPECT_EQ(sys().write(c2, "ok", 2), 2);
  ReadSome(s2, &got, 2);
  EXPECT_EQ(got, "ok");
}

TEST_P(FaultySyscallsTest, EconnresetEndsTheConnectionOnBothSides) {
  auto [c, s] = Pair();
  Add(K::kEconnreset, 1, "read");
  char buf[16];
  EXPECT_EQ(sys().read(s, buf, sizeof buf), -ECONNRESET);
  // As after a RST: reads see the end, writes EPIPE.
  EXPECT_EQ(sys().read(s, buf, sizeof buf), 0);
  EXPECT_EQ(sys().write(s, "x", 1), -EPIPE);
  // The peer sees the end (a FIN), then a RST once the fd is closed.
  std::string got;
  EXPECT_EQ(ReadSome(c, &got, 1), 0);
  ASSERT_EQ(sys().close(s), 0);
  Untrack(s);
  ssize_t w = 0;
  for (int i = 0; i < 2000 && w >= 0; ++i) {
    w = sys().sendto(c, "y", 1, MSG_NOSIGNAL | MSG_DONTWAIT, nullptr, 0);
    if (w >= 0) inner_->Pass();
  }
  EXPECT_TRUE(w == -EPIPE || w == -ECONNRESET) << w;
}

TEST_P(FaultySyscallsTest, EnobufsOnlyOnDatagramSends) {
  int u = Track(sys().socket(AF_INET, SOCK_DGRAM, 0));
  int r = Track(sys().socket(AF_INET, SOCK_DGRAM, 0));
  sockaddr_in a = Addr("127.0.0.1", 0);
  ASSERT_EQ(sys().bind(r, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  sockaddr_in to = Addr("127.0.0.1", LocalPort(sys(), r));
  auto* dst = reinterpret_cast<sockaddr*>(&to);
  Add(K::kEnobufs, 1);
  EXPECT_EQ(sys().sendto(u, "d1", 2, 0, dst, sizeof to), -ENOBUFS);
  EXPECT_EQ(sys().sendto(u, "d2", 2, 0, dst, sizeof to), 2);
  std::string got;
  ReadSome(r, &got, 2);
  EXPECT_EQ(got, "d2");  // the first was never sent
  // A stream send never gets it.
  auto [c, s] = Pair();
  Add(K::kEnobufs, 1);
  EXPECT_EQ(sys().write(c, "s", 1), 1);
}

TEST_P(FaultySyscallsTest, EmfileOnTheNthNewFd) {
  Add(K::kEmfile, 2, "socket");
  int a = Track(sys().socket(AF_INET, SOCK_STREAM, 0));
  EXPECT_GE(a, 0);
  EXPECT_EQ(sys().socket(AF_INET, SOCK_STREAM, 0), -EMFILE);
  EXPECT_GE(Track(sys().socket(AF_INET, SOCK_STREAM, 0)), 0);
  Add(K::kEnfile, 1);
  EXPECT_EQ(sys().epoll_create1(0), -ENFILE);
}

TEST_P(FaultySyscallsTest, SpuriousWakeOnlyWhenNothingIsReady) {
  auto [c, s] = Pair();
  int ep = Track(sys().epoll_create1(0));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ASSERT_EQ(sys().epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev), 0);
  Add(K::kSpuriousWake, 1);
  int64_t t0 = sys().clock_gettime_ns();
  EXPECT_EQ(sys().epoll_wait(ep, &ev, 1, 5000), 0);
  EXPECT_LT(sys().clock_gettime_ns() - t0, 2'000'000'000);
  EXPECT_EQ(trace_.size(), 1u);
  // Timeout 0 is never eligible; a ready fd is returned.
  Add(K::kSpuriousWake, 1);
  EXPECT_EQ(sys().epoll_wait(ep, &ev, 1, 0), 0);
  EXPECT_EQ(sys().write(c, "r", 1), 1);
  EXPECT_EQ(sys().epoll_wait(ep, &ev, 1, 5000), 1);
  EXPECT_EQ(trace_.size(), 1u);
}

TEST_P(FaultySyscallsTest, EintrInNanosleep) {
  Add(K::kEintr, 1);
  EXPECT_EQ(sys().nanosleep_ns(2'000'000), -EINTR);
  EXPECT_EQ(sys().nanosleep_ns(1'000'000), 0);
}

// poll, ppoll, select, pselect6 (issue 13): eintr only when the call would
// sleep; with nothing ready, -EINTR at once, select's sets and timeval as
// they were; a ready fd, or a zero timeout, is returned as the call's own
// result.
TEST_P(FaultySyscallsTest, EintrInPollAndSelectOnlyWhenNothingIsReady) {
  auto [c, s] = Pair();
  const int64_t t0 = sys().clock_gettime_ns();
  pollfd in{s, POLLIN, 0};
  Add(K::kEintr, 1);
  EXPECT_EQ(sys().poll(&in, 1, 5000), -EINTR);
  Add(K::kEintr, 1);
  const timespec five{5, 0};
  EXPECT_EQ(sys().ppoll(&in, 1, &five, nullptr), -EINTR);
  fd_set r;
  FD_ZERO(&r);
  FD_SET(s, &r);
  timeval tv{5, 0};
  Add(K::kEintr, 1);
  EXPECT_EQ(sys().select(s + 1, &r, nullptr, nullptr, &tv), -EINTR);
  EXPECT_TRUE(FD_ISSET(s, &r));
  EXPECT_EQ(tv.tv_sec, 5);
  Add(K::kEintr, 1);
  EXPECT_EQ(sys().pselect6(s + 1, &r, nullptr, nullptr, &five, nullptr),
            -EINTR);
  EXPECT_TRUE(FD_ISSET(s, &r));
  EXPECT_LT(sys().clock_gettime_ns() - t0, 2'000'000'000);
  EXPECT_EQ(trace_.size(), 4u);
  // A zero timeout never sleeps: not eligible (the rule stays).
  Add(K::kEintr, 1);
  EXPECT_EQ(sys().poll(&in, 1, 0), 0);
  EXPECT_EQ(trace_.size(), 4u);
  // Ready: the call's own result; no fault shows.
  EXPECT_EQ(sys().write(c, "r", 1), 1);
  inner_->Pass();
  EXPECT_EQ(sys().poll(&in, 1, 5000), 1);
  EXPECT_EQ(in.revents, POLLIN);
  EXPECT_EQ(trace_.size(), 4u);
  EXPECT_EQ(sys().select(s + 1, &r, nullptr, nullptr, &tv), 1);
}

TEST_P(FaultySyscallsTest, RemovedRuleStops) {
  auto [c, s] = Pair();
  SyscallFault f;
  f.kind = K::kShortIo;
  f.probability = 1;
  uint64_t id = injector_.Add(f, "always");
  EXPECT_LT(sys().write(c, "0123456789", 10), 10);
  injector_.Remove(id);
  EXPECT_EQ(sys().write(c, "0123456789", 10), 10);
}

INSTANTIATE_TEST_SUITE_P(Backends, FaultySyscallsTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Sim" : "Linux";
                         });

}  // namespace
}  // namespace simsock::faults
