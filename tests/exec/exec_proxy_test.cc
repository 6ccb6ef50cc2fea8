// The proxy and the dispatcher against a fake shim (fake_shim.h): the
// protocol's steps, the marshalling of pointer arguments (flat, sockaddr +
// socklen, msghdr with nested iovecs, epoll_event arrays), fd_hint, virtual
// time in the region, and the loud failures (an unknown syscall, a FAIL
// message, a death without EXIT).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "simsock/exec/dispatch.h"
#include "simsock/exec/launcher.h"
#include "simsock/exec/proxy.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "tests/exec/fake_shim.h"

namespace simsock::exec {
namespace {

using testing::FakeShim;

constexpr uint32_t Bit(int i) { return 1u << i; }

sockaddr_in Addr(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

// A world with a server host whose process 1 is served by a proxy for a
// fake shim, and a client host for C++ threads.
class ExecProxy : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    region_ = Region::Create(RegionInit{}, &error);
    ASSERT_NE(region_, nullptr) << error;
    shim_ = std::make_unique<FakeShim>(region_->get());
  }
  void TearDown() override {
    // The fake never waits past its bound: the join ends.
    shim_->Join();
  }

  // Starts the proxy on the server's process and the fake's program.
  void Start(std::function<void(FakeShim&)> program) {
    ProxyHooks hooks;
    hooks.ended = [this]() -> std::optional<std::string> {
      if (fake_done_.load()) return std::string("exited with status 0");
      return std::nullopt;
    };
    hooks.fail = [this](const std::string& why) {
      fails_.push_back(why);
      shim_->Kill();  // as the owner kills the program
    };
    hooks.exited = [this](int status) { exit_status_ = status; };
    ProxyLimits limits;
    limits.busy = std::chrono::seconds(20);
    proc_.Spawn(
        [this, hooks, limits] {
          RunProxy(region_->get(), 0, proc_, proc_, hooks, limits);
        },
        "proxy");
    shim_->Start([this, program = std::move(program)](FakeShim& s) {
      program(s);
      fake_done_ = true;
    });
  }

  sim::World world_{1};
  sim::Host& server_ = world_.AddHost("server", "10.0.0.1");
  sim::Host& client_ = world_.AddHost("client", "10.0.0.2");
  sim::Process& proc_ = server_.SpawnProcess();
  std::unique_ptr<Region> region_;
  std::unique_ptr<FakeShim> shim_;
  std::atomic<bool> fake_done_{false};
  std::vector<std::string> fails_;
  std::optional<int> exit_status_;
};

// The C echo server's calls, marshalled as the shim does, against a C++
// client: fds take the hinted numbers, the accepted peer's address comes
// back through sockaddr + socklen, the bytes go both ways.
TEST_F(ExecProxy, EchoServerCallsWithHintedFds) {
  std::vector<int64_t> rets;
  std::string got;
  sockaddr_in peer{};
  socklen_t peer_len = 0;
  Start([&](FakeShim& s) {
    s.Hello();
    s.Clear();
    rets.push_back(s.Call(SYS_socket, {AF_INET, SOCK_STREAM, 0}, 0, 7));
    s.Clear();
    const int one = 1;
    const int64_t v = s.PutValue(one);
    rets.push_back(s.Call(
        SYS_setsockopt, {7, SOL_SOCKET, SO_REUSEADDR, v, sizeof one}, Bit(3)));
    s.Clear();
    const sockaddr_in a = Addr("0.0.0.0", 7000);
    rets.push_back(s.Call(SYS_bind, {7, s.PutValue(a), sizeof a}, Bit(1)));
    s.Clear();
    rets.push_back(s.Call(SYS_listen, {7, 16}));
    s.Clear();
    const int64_t addr = s.Room(sizeof(sockaddr_in));
    const int64_t len = s.PutValue(socklen_t{sizeof(sockaddr_in)});
    rets.push_back(s.Call(SYS_accept, {7, addr, len}, Bit(1) | Bit(2), 9));
    peer = s.Get<sockaddr_in>(addr);
    peer_len = s.Get<socklen_t>(len);
    s.Clear();
    const int64_t buf = s.Room(64);
    const int64_t n = s.Call(SYS_read, {9, buf, 64}, Bit(1));
    rets.push_back(n);
    if (n > 0) got.assign(reinterpret_cast<char*>(s.Data(buf)), n);
    s.Clear();
    const int64_t out = s.Put(got.data(), got.size());
    rets.push_back(s.Call(SYS_write, {9, out, (int64_t)got.size()}, Bit(1)));
    s.Clear();
    rets.push_back(s.Call(SYS_close, {9}));
    s.Exit(3);
  });
  std::string reply;
  sim::Process& c = client_.SpawnProcess();
  c.Spawn(
      [&] {
        c.nanosleep_ns(1000000);  // the server listens first
        const int fd = c.socket(AF_INET, SOCK_STREAM, 0);
        const sockaddr_in to = Addr("10.0.0.1", 7000);
        ASSERT_EQ(
            c.connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to),
            0);
        ASSERT_EQ(c.write(fd, "hello\n", 6), 6);
        char buf[64];
        const ssize_t n = c.read(fd, buf, sizeof buf);
        if (n > 0) reply.assign(buf, n);
        c.close(fd);
      },
      "client");
  world_.RunFor(std::chrono::seconds(5));
  shim_->Join();
  EXPECT_TRUE(fails_.empty()) << fails_.front();
  EXPECT_EQ(rets, (std::vector<int64_t>{7, 0, 0, 0, 9, 6, 6, 0}));
  EXPECT_EQ(got, "hello\n");
  EXPECT_EQ(reply, "hello\n");
  EXPECT_EQ(peer_len, sizeof(sockaddr_in));
  EXPECT_EQ(peer.sin_addr.s_addr, htonl(0x0a000002));
  EXPECT_EQ(exit_status_, 3);
  // The simulated fds sit at the hinted numbers (the program's real files
  // keep the holes below them).
  EXPECT_NE(proc_.fds().Get(7), nullptr);
  EXPECT_EQ(proc_.fds().Get(3), nullptr);
}

// recvmsg's msghdr carries offsets for msg_name, msg_iov (whose iov_base
// fields are offsets too) and msg_control; the kernel's write-backs
// (msg_namelen, msg_flags) land in the data's msghdr. sendmsg and writev
// gather, readv scatters.
TEST_F(ExecProxy, NestedMsghdrAndIovecs) {
  std::string first, second;
  int64_t sent = 0, got = 0, written = 0, readv_n = 0;
  socklen_t namelen = 0;
  int flags = -1;
  Start([&](FakeShim& s) {
    s.Hello();
    s.Clear();
    const int fd =
        static_cast<int>(s.Call(SYS_socket, {AF_INET, SOCK_DGRAM, 0}, 0, 5));
    s.Clear();
    const sockaddr_in me = Addr("0.0.0.0", 9000);
    s.Call(SYS_bind, {fd, s.PutValue(me), sizeof me}, Bit(1));
    // sendmsg to ourselves: two iovecs gathered into one datagram.
    s.Clear();
    const sockaddr_in to = Addr("10.0.0.1", 9000);
    const int64_t name = s.PutValue(to);
    const int64_t b1 = s.Put("abc", 3), b2 = s.Put("defg", 4);
    iovec iov[2] = {{reinterpret_cast<void*>(b1), 3},
                    {reinterpret_cast<void*>(b2), 4}};
    const int64_t iov_at = s.Put(iov, sizeof iov);
    msghdr m{};
    m.msg_name = reinterpret_cast<void*>(name);
    m.msg_namelen = sizeof to;
    m.msg_iov = reinterpret_cast<iovec*>(iov_at);
    m.msg_iovlen = 2;
    m.msg_control = reinterpret_cast<void*>(SIMSOCK_EXEC_NULL);
    sent = s.Call(SYS_sendmsg, {fd, s.PutValue(m), 0}, Bit(1));
    // recvmsg into two iovecs of 4 and 16 bytes.
    s.Clear();
    const int64_t from = s.Room(sizeof(sockaddr_in));
    const int64_t r1 = s.Room(4), r2 = s.Room(16);
    iovec riov[2] = {{reinterpret_cast<void*>(r1), 4},
                     {reinterpret_cast<void*>(r2), 16}};
    const int64_t riov_at = s.Put(riov, sizeof riov);
    msghdr rm{};
    rm.msg_name = reinterpret_cast<void*>(from);
    rm.msg_namelen = sizeof(sockaddr_in);
    rm.msg_iov = reinterpret_cast<iovec*>(riov_at);
    rm.msg_iovlen = 2;
    rm.msg_control = reinterpret_cast<void*>(SIMSOCK_EXEC_NULL);
    const int64_t m_at = s.PutValue(rm);
    got = s.Call(SYS_recvmsg, {fd, m_at, 0}, Bit(1));
    first.assign(reinterpret_cast<char*>(s.Data(r1)), 4);
    second.assign(reinterpret_cast<char*>(s.Data(r2)), got > 4 ? got - 4 : 0);
    const msghdr back = s.Get<msghdr>(m_at);
    namelen = back.msg_namelen;
    flags = back.msg_flags;
    // writev then readv, on a datagram to ourselves.
    s.Clear();
    s.Call(SYS_connect, {fd, s.PutValue(to), sizeof to}, Bit(1));
    s.Clear();
    const int64_t w1 = s.Put("xy", 2), w2 = s.Put("z", 1);
    iovec wiov[2] = {{reinterpret_cast<void*>(w1), 2},
                     {reinterpret_cast<void*>(w2), 1}};
    written = s.Call(SYS_writev, {fd, s.Put(wiov, sizeof wiov), 2}, Bit(1));
    s.Clear();
    const int64_t q1 = s.Room(1), q2 = s.Room(8);
    iovec qiov[2] = {{reinterpret_cast<void*>(q1), 1},
                     {reinterpret_cast<void*>(q2), 8}};
    readv_n = s.Call(SYS_readv, {fd, s.Put(qiov, sizeof qiov), 2}, Bit(1));
    EXPECT_EQ(s.Data(q1)[0], 'x');
    EXPECT_EQ(std::string(reinterpret_cast<char*>(s.Data(q2)), 2), "yz");
    s.Exit(0);
  });
  world_.RunFor(std::chrono::seconds(1));
  shim_->Join();
  EXPECT_TRUE(fails_.empty()) << fails_.front();
  EXPECT_EQ(sent, 7);
  EXPECT_EQ(got, 7);
  EXPECT_EQ(first, "abcd");
  EXPECT_EQ(second, "efg");
  EXPECT_EQ(namelen, sizeof(sockaddr_in));
  EXPECT_EQ(flags, 0);
  EXPECT_EQ(written, 3);
  EXPECT_EQ(readv_n, 3);
}

// The poll family: poll's pollfd array comes back with revents, its
// timeout takes exactly its virtual time; select's fd_set (FDS_BYTES of
// nfds) is rewritten and its timeval gets the time left (0 after a full
// wait); ppoll and pselect6 as raw calls write the time left back too;
// pselect6's sigset arrives at its offset. The vectored calls reach the
// process's own readv, writev and sendmsg (their trace lines name them).
TEST_F(ExecProxy, PollSelectAndVectoredCalls) {
  int64_t polled = -1, timed_out = -1, selected = -1, ppolled = -1,
          pselected = -1, elapsed = -1;
  short revents = 0;
  timeval tv_left{9, 9};
  timespec ts_left{9, 9};
  bool set_kept = false;
  world_.trace().KeepLines(true);
  Start([&](FakeShim& s) {
    s.Hello();
    s.Clear();
    const int fd =
        static_cast<int>(s.Call(SYS_socket, {AF_INET, SOCK_DGRAM, 0}, 0, 5));
    s.Clear();
    const sockaddr_in me = Addr("10.0.0.1", 9200);
    s.Call(SYS_bind, {fd, s.PutValue(me), sizeof me}, Bit(1));
    s.Clear();
    s.Call(SYS_connect, {fd, s.PutValue(me), sizeof me}, Bit(1));
    // Nothing queued: poll waits its 1500 ms of virtual time.
    s.Clear();
    const int64_t t0 = s.monotonic_ns();
    pollfd in{fd, POLLIN, 0};
    timed_out = s.Call(SYS_poll, {s.PutValue(in), 1, 1500}, Bit(0));
    elapsed = s.monotonic_ns() - t0;
    // writev of two iovecs, one datagram; then poll sees it.
    s.Clear();
    const int64_t w1 = s.Put("ab", 2), w2 = s.Put("c", 1);
    iovec wiov[2] = {{reinterpret_cast<void*>(w1), 2},
                     {reinterpret_cast<void*>(w2), 1}};
    s.Call(SYS_writev, {fd, s.Put(wiov, sizeof wiov), 2}, Bit(1));
    s.Clear();
    const int64_t at = s.PutValue(in);
    polled = s.Call(SYS_poll, {at, 1, 0}, Bit(0));
    revents = s.Get<pollfd>(at).revents;
    // select on the readable fd, with a timeval written back.
    s.Clear();
    uint64_t set = uint64_t{1} << fd;
    const int64_t set_at = s.Put(&set, sizeof set);
    const timeval tv{2, 0};
    const int64_t tv_at = s.PutValue(tv);
    selected =
        s.Call(SYS_select,
               {fd + 1, set_at, SIMSOCK_EXEC_NULL, SIMSOCK_EXEC_NULL, tv_at},
               Bit(1) | Bit(2) | Bit(3) | Bit(4));
    set_kept = s.Get<uint64_t>(set_at) == (uint64_t{1} << fd);
    tv_left = s.Get<timeval>(tv_at);
    // The datagram read; then pselect6 waits out its 250 ms (time left
    // written back: 0) with a sigset at its offset.
    s.Clear();
    s.Call(SYS_read, {fd, s.Room(8), 8}, Bit(1));
    s.Clear();
    uint64_t rset = uint64_t{1} << fd;
    const uint64_t mask = 0;
    const timespec ts{0, 250000000};
    const int64_t ts_at = s.PutValue(ts);
    pselected = s.Call(SYS_pselect6,
                       {fd + 1, s.Put(&rset, sizeof rset), SIMSOCK_EXEC_NULL,
                        SIMSOCK_EXEC_NULL, ts_at, s.PutValue(mask)},
                       Bit(1) | Bit(2) | Bit(3) | Bit(4) | Bit(5));
    ts_left = s.Get<timespec>(ts_at);
    // ppoll for writing: ready at once, so its timespec keeps 2 s.
    s.Clear();
    pollfd out{fd, POLLOUT, 0};
    const timespec two{2, 0};
    const int64_t two_at = s.PutValue(two);
    ppolled =
        s.Call(SYS_ppoll, {s.PutValue(out), 1, two_at, SIMSOCK_EXEC_NULL, 8},
               Bit(0) | Bit(2) | Bit(3));
    EXPECT_EQ(s.Get<timespec>(two_at).tv_sec, 2);
    // sendmsg with an empty control buffer, and readv of the datagram.
    s.Clear();
    const int64_t b = s.Put("xyz", 3);
    iovec iov{reinterpret_cast<void*>(b), 3};
    msghdr m{};
    m.msg_name = reinterpret_cast<void*>(SIMSOCK_EXEC_NULL);
    m.msg_iov = reinterpret_cast<iovec*>(s.PutValue(iov));
    m.msg_iovlen = 1;
    m.msg_control = reinterpret_cast<void*>(SIMSOCK_EXEC_NULL);
    s.Call(SYS_sendmsg, {fd, s.PutValue(m), 0}, Bit(1));
    s.Clear();
    iovec riov{reinterpret_cast<void*>(s.Room(8)), 8};
    s.Call(SYS_readv, {fd, s.PutValue(riov), 1}, Bit(1));
    s.Exit(0);
  });
  world_.RunFor(std::chrono::seconds(10));
  shim_->Join();
  EXPECT_TRUE(fails_.empty()) << fails_.front();
  EXPECT_EQ(timed_out, 0);
  EXPECT_EQ(elapsed, int64_t{1500} * 1000000);
  EXPECT_EQ(polled, 1);
  EXPECT_EQ(revents, POLLIN);
  EXPECT_EQ(selected, 1);
  EXPECT_TRUE(set_kept);
  EXPECT_EQ(tv_left.tv_sec, 2);
  EXPECT_EQ(tv_left.tv_usec, 0);
  EXPECT_EQ(pselected, 0);
  EXPECT_EQ(ts_left.tv_sec, 0);
  EXPECT_EQ(ts_left.tv_nsec, 0);
  EXPECT_EQ(ppolled, 1);
  int writev_lines = 0, sendmsg_lines = 0, readv_lines = 0, write_lines = 0;
  for (const std::string& l : world_.trace().lines()) {
    writev_lines += l.find(" writev(") != std::string::npos;
    sendmsg_lines += l.find(" sendmsg(") != std::string::npos;
    readv_lines += l.find(" readv(") != std::string::npos;
    write_lines += l.find(" write(") != std::string::npos;
  }
  EXPECT_EQ(writev_lines, 1);
  EXPECT_EQ(sendmsg_lines, 1);
  EXPECT_EQ(readv_lines, 1);
  EXPECT_EQ(write_lines, 0);
}

// An offset past the request's data is -EFAULT, as a bad pointer is on
// Linux; an epoll_event array comes back filled; ioctl FIONBIO and
// FIONREAD work on the simulated socket.
TEST_F(ExecProxy, EfaultEpollAndIoctl) {
  int64_t efault = 0, nready = 0, nonblock_read = 0, fionread = -1,
          fionread_ret = -1;
  epoll_event ev_out{};
  Start([&](FakeShim& s) {
    s.Hello();
    s.Clear();
    const int fd =
        static_cast<int>(s.Call(SYS_socket, {AF_INET, SOCK_DGRAM, 0}, 0, 4));
    s.Clear();
    const sockaddr_in me = Addr("127.0.0.1", 9100);
    s.Call(SYS_bind, {fd, s.PutValue(me), sizeof me}, Bit(1));
    s.Clear();
    efault =
        s.Call(SYS_bind, {fd, SIMSOCK_EXEC_DATA_BYTES - 4, sizeof me}, Bit(1));
    s.Clear();
    const int one = 1;
    s.Call(SYS_ioctl, {fd, FIONBIO, s.PutValue(one)}, Bit(2));
    s.Clear();
    const int64_t b = s.Room(16);
    nonblock_read = s.Call(SYS_read, {fd, b, 16}, Bit(1));
    s.Clear();
    s.Call(SYS_sendto, {fd, s.Put("12345", 5), 5, 0, s.PutValue(me), sizeof me},
           Bit(1) | Bit(4));
    s.Clear();
    const int64_t n_at = s.Room(sizeof(int));
    fionread_ret = s.Call(SYS_ioctl, {fd, FIONREAD, n_at}, Bit(2));
    fionread = s.Get<int>(n_at);
    s.Clear();
    const int ep = static_cast<int>(s.Call(SYS_epoll_create1, {0}, 0, 6));
    s.Clear();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = 42;
    s.Call(SYS_epoll_ctl, {ep, EPOLL_CTL_ADD, fd, s.PutValue(ev)}, Bit(3));
    s.Clear();
    const int64_t evs = s.Room(4 * sizeof(epoll_event));
    nready = s.Call(SYS_epoll_wait, {ep, evs, 4, 1000}, Bit(1));
    ev_out = s.Get<epoll_event>(evs);
    s.Exit(0);
  });
  world_.RunFor(std::chrono::seconds(2));
  shim_->Join();
  EXPECT_TRUE(fails_.empty()) << fails_.front();
  EXPECT_EQ(efault, -EFAULT);
  EXPECT_EQ(nonblock_read, -EAGAIN);
  EXPECT_EQ(fionread_ret, 0);
  EXPECT_EQ(fionread, 5);
  EXPECT_EQ(nready, 1);
  // epoll_event is packed on x86_64: copy its fields out before binding
  // them to EXPECT_EQ's references (misaligned otherwise).
  const uint64_t data = ev_out.data.u64;
  const uint32_t events = ev_out.events;
  EXPECT_EQ(data, 42u);
  EXPECT_EQ(events, static_cast<uint32_t>(EPOLLIN));
}

// nanosleep sleeps in virtual time; every reply carries the clock.
TEST_F(ExecProxy, NanosleepMovesVirtualTime) {
  int64_t before = -1, after = -1, slept = -1;
  Start([&](FakeShim& s) {
    s.Hello();
    before = s.monotonic_ns();
    s.Clear();
    const timespec ts{30, 0};
    slept = s.Call(SYS_nanosleep, {s.PutValue(ts), SIMSOCK_EXEC_NULL},
                   Bit(0) | Bit(1));
    after = s.monotonic_ns();
    s.Exit(0);
  });
  world_.RunFor(std::chrono::seconds(60));
  shim_->Join();
  EXPECT_EQ(slept, 0);
  EXPECT_EQ(after - before, int64_t{30} * 1000000000);
}

// An unknown syscall is a loud failure naming it, with a trace line; a
// FAIL message reaches the owner with the shim's words.
TEST_F(ExecProxy, UnknownSyscallFailsLoudly) {
  int64_t ret = 0;
  world_.trace().KeepLines(true);
  Start([&](FakeShim& s) {
    s.Hello();
    s.Clear();
    ret = s.Call(SYS_sendfile, {0, 0, 0});
  });
  world_.RunFor(std::chrono::seconds(1));
  shim_->Join();
  ASSERT_EQ(fails_.size(), 1u);
  EXPECT_EQ(fails_[0], "sendfile is not simulated");
  EXPECT_EQ(ret, FakeShim::kNoReply);
  bool traced = false;
  for (const std::string& l : world_.trace().lines()) {
    traced |= l.find("cannot emulate sendfile") != std::string::npos;
  }
  EXPECT_TRUE(traced);
}

TEST_F(ExecProxy, FailMessageIsReported) {
  Start([&](FakeShim& s) {
    s.Hello();
    s.Fail(SIMSOCK_FAIL_TOO_MANY_THREADS, "clone3: a second thread");
  });
  world_.RunFor(std::chrono::seconds(1));
  shim_->Join();
  ASSERT_EQ(fails_.size(), 1u);
  EXPECT_EQ(fails_[0], "shim: too many threads: clone3: a second thread");
}

// A program gone without EXIT is reported as such.
TEST_F(ExecProxy, DeathWithoutExitIsReported) {
  Start([&](FakeShim& s) { s.Hello(); });
  world_.RunFor(std::chrono::seconds(1));
  shim_->Join();
  ASSERT_EQ(fails_.size(), 1u);
  EXPECT_NE(fails_[0].find("exited with status 0 without exit"),
            std::string::npos)
      << fails_[0];
}

// A hint on an fd the simulated table already holds is refused (the
// shim's map is out of step), never silently moved.
TEST_F(ExecProxy, HintOnOpenFdFails) {
  Start([&](FakeShim& s) {
    s.Hello();
    s.Clear();
    s.Call(SYS_socket, {AF_INET, SOCK_STREAM, 0}, 0, 2);  // fd 2 is open
  });
  world_.RunFor(std::chrono::seconds(1));
  shim_->Join();
  ASSERT_EQ(fails_.size(), 1u);
  EXPECT_NE(fails_[0].find("fd_hint 2 is already a simulated fd"),
            std::string::npos);
}

TEST(ExecDispatch, SyscallNames) {
  EXPECT_EQ(SyscallName(SYS_accept4), "accept4");
  EXPECT_EQ(SyscallName(100000), "syscall 100000");
}

}  // namespace
}  // namespace simsock::exec
