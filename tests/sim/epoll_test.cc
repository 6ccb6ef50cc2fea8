// epoll's ready list: level- and edge-triggered, one-shot, always-on
// ERR|HUP, removal on close. UDP sockets keep these tests independent of
// TCP.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/epoll.h>

#include <cerrno>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/matchers.h"
#include "simsock/testing/sockets.h"

namespace simsock::sim {
namespace {

using testing::SyscallFailsWithErrno;

using testing::Bind;
using testing::SendTo;
using testing::WaitOne;

class EpollTest : public ::testing::Test {
 protected:
  EpollTest() : p_(w_.AddHost("h", "10.0.0.1").SpawnProcess()) {
    rx_ = p_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    Bind(p_, rx_, "127.0.0.1", 9000);
    tx_ = p_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    ep_ = p_.epoll_create1(0);
  }
  void Add(uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = 77;
    ASSERT_EQ(p_.epoll_ctl(ep_, EPOLL_CTL_ADD, rx_, &ev), 0);
  }
  void Send() { ASSERT_EQ(SendTo(p_, tx_, "x", 1, "127.0.0.1", 9000), 1); }

  World w_{1};
  Process& p_;
  int rx_, tx_, ep_;
};

TEST_F(EpollTest, LevelTriggeredReportsWhileReady) {
  Add(EPOLLIN);
  EXPECT_EQ(WaitOne(p_, ep_), 0u);
  Send();
  EXPECT_EQ(WaitOne(p_, ep_), static_cast<uint32_t>(EPOLLIN));
  EXPECT_EQ(WaitOne(p_, ep_), static_cast<uint32_t>(EPOLLIN));
  char c;
  ASSERT_EQ(p_.read(rx_, &c, 1), 1);
  EXPECT_EQ(WaitOne(p_, ep_), 0u);
}

TEST_F(EpollTest, EdgeTriggeredReportsOncePerArrival) {
  Add(EPOLLIN | EPOLLOUT | EPOLLET);
  EXPECT_EQ(WaitOne(p_, ep_), static_cast<uint32_t>(EPOLLOUT));  // initial
  EXPECT_EQ(WaitOne(p_, ep_), 0u);
  Send();
  // The whole current mask comes with the wakeup.
  EXPECT_EQ(WaitOne(p_, ep_), static_cast<uint32_t>(EPOLLIN | EPOLLOUT));
  EXPECT_EQ(WaitOne(p_, ep_), 0u);
  Send();  // a new arrival re-arms although the first was not read
  EXPECT_EQ(WaitOne(p_, ep_), static_cast<uint32_t>(EPOLLIN | EPOLLOUT));
}

TEST_F(EpollTest, OneShotNeedsModToRearm) {
  Add(EPOLLIN | EPOLLONESHOT);
  Send();
  EXPECT_EQ(WaitOne(p_, ep_), static_cast<uint32_t>(EPOLLIN));
  Send();
  EXPECT_EQ(WaitOne(p_, ep_), 0u);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLONESHOT;
  ASSERT_EQ(p_.epoll_ctl(ep_, EPOLL_CTL_MOD, rx_, &ev), 0);
  EXPECT_EQ(WaitOne(p_, ep_), static_cast<uint32_t>(EPOLLIN));
}

TEST_F(EpollTest, DataIsReturnedAndErrIsAlwaysWatched) {
  Add(0);
  int c = p_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_EQ(testing::Connect(p_, c, "127.0.0.1", 9999), 0);
  epoll_event ev{};
  ev.events = 0;
  ev.data.u64 = 5;
  ASSERT_EQ(p_.epoll_ctl(ep_, EPOLL_CTL_ADD, c, &ev), 0);
  ASSERT_EQ(p_.write(c, "x", 1), 1);  // ICMP port unreachable comes back
  epoll_event out[2];
  ASSERT_EQ(p_.epoll_wait(ep_, out, 2, 0), 1);
  // epoll_event is packed: copy the fields out before comparing.
  uint32_t events = out[0].events;
  uint64_t data = out[0].data.u64;
  EXPECT_EQ(events, static_cast<uint32_t>(EPOLLERR));
  EXPECT_EQ(data, 5u);
}

TEST_F(EpollTest, CtlErrors) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  EXPECT_THAT(p_.epoll_ctl(ep_, EPOLL_CTL_MOD, rx_, &ev),
              SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(p_.epoll_ctl(ep_, EPOLL_CTL_DEL, rx_, nullptr),
              SyscallFailsWithErrno(ENOENT));
  EXPECT_EQ(p_.epoll_ctl(ep_, EPOLL_CTL_ADD, rx_, &ev), 0);
  EXPECT_THAT(p_.epoll_ctl(ep_, EPOLL_CTL_ADD, rx_, &ev),
              SyscallFailsWithErrno(EEXIST));
  EXPECT_THAT(p_.epoll_ctl(ep_, EPOLL_CTL_ADD, ep_, &ev),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(p_.epoll_ctl(ep_, 99, rx_, &ev), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(p_.epoll_ctl(rx_, EPOLL_CTL_ADD, tx_, &ev),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(p_.epoll_ctl(ep_, EPOLL_CTL_ADD, 999, &ev),
              SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(p_.epoll_ctl(ep_, EPOLL_CTL_ADD, tx_, nullptr),
              SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(p_.epoll_wait(ep_, &ev, 0, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(p_.epoll_wait(rx_, &ev, 1, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(p_.epoll_create1(1), SyscallFailsWithErrno(EINVAL));
}

TEST_F(EpollTest, CyclesAreRefused) {
  int ep2 = p_.epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ASSERT_EQ(p_.epoll_ctl(ep_, EPOLL_CTL_ADD, ep2, &ev), 0);
  EXPECT_THAT(p_.epoll_ctl(ep2, EPOLL_CTL_ADD, ep_, &ev),
              SyscallFailsWithErrno(ELOOP));
}

TEST_F(EpollTest, NestedEpollIsReadable) {
  int outer = p_.epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ASSERT_EQ(p_.epoll_ctl(outer, EPOLL_CTL_ADD, ep_, &ev), 0);
  Add(EPOLLIN);
  EXPECT_EQ(WaitOne(p_, outer), 0u);
  Send();
  EXPECT_EQ(WaitOne(p_, outer), static_cast<uint32_t>(EPOLLIN));
}

TEST_F(EpollTest, ClosingTheFdRemovesTheItem) {
  Add(EPOLLIN);
  Send();
  ASSERT_EQ(p_.close(rx_), 0);
  EXPECT_EQ(WaitOne(p_, ep_), 0u);
  // The number may be reused by a new socket without a stale registration.
  int again = p_.socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(again, rx_);
  epoll_event ev{};
  ev.events = EPOLLIN;
  EXPECT_EQ(p_.epoll_ctl(ep_, EPOLL_CTL_ADD, again, &ev), 0);
}

TEST_F(EpollTest, NullEventsFaultOnlyWhenSomethingIsReady) {
  Add(EPOLLIN);
  EXPECT_EQ(p_.epoll_wait(ep_, nullptr, 4, 0), 0);
  Send();
  EXPECT_THAT(p_.epoll_wait(ep_, nullptr, 4, 0), SyscallFailsWithErrno(EFAULT));
  EXPECT_EQ(WaitOne(p_, ep_), static_cast<uint32_t>(EPOLLIN));
}

TEST_F(EpollTest, WaitWithTimeoutAdvancesVirtualTime) {
  Add(EPOLLIN);
  epoll_event ev{};
  EXPECT_EQ(p_.epoll_wait(ep_, &ev, 1, 250), 0);
  EXPECT_EQ(w_.Now(), Time(std::chrono::milliseconds(250)));
}

// Items are keyed by (file, fd number), as Linux's epitems: a new file under
// a number whose old file lives on (through a dup) is a second item, and
// each file's last close removes only its own items. The unit-level twin of
// tests/diff/diff_epoll_reuse_test.cc.
TEST_F(EpollTest, ItemsAreKeyedByFileAndNumber) {
  Add(EPOLLIN);  // (rx, rx_) with data 77
  const int dup = p_.fcntl(rx_, F_DUPFD, 0);
  ASSERT_GE(dup, 0);
  ASSERT_EQ(p_.close(rx_), 0);
  const int other = p_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_EQ(other, rx_);
  Bind(p_, other, "127.0.0.1", 9001);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 88;
  EXPECT_EQ(p_.epoll_ctl(ep_, EPOLL_CTL_ADD, other, &ev), 0);
  EXPECT_THAT(p_.epoll_ctl(ep_, EPOLL_CTL_ADD, other, &ev),
              SyscallFailsWithErrno(EEXIST));
  Send();  // to the old file (port 9000)
  ASSERT_EQ(SendTo(p_, tx_, "y", 1, "127.0.0.1", 9001), 1);
  epoll_event out[4];
  ASSERT_EQ(p_.epoll_wait(ep_, out, 4, 0), 2);
  EXPECT_EQ(uint64_t{out[0].data.u64},
            77u);  // ready-list order: the first wakeup
  EXPECT_EQ(uint64_t{out[1].data.u64}, 88u);
  // The new file's last close removes its item only.
  ASSERT_EQ(p_.close(other), 0);
  ASSERT_EQ(p_.epoll_wait(ep_, out, 4, 0), 1);
  EXPECT_EQ(uint64_t{out[0].data.u64}, 77u);
  // The old file's last close removes the other.
  ASSERT_EQ(p_.close(dup), 0);
  EXPECT_EQ(p_.epoll_wait(ep_, out, 4, 0), 0);
}

}  // namespace
}  // namespace simsock::sim
