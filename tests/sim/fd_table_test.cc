// The process fd table: lowest free number, RLIMIT_NOFILE, flags, and the
// standard fds 0, 1, 2 every process starts with (on the null device).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <vector>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/matchers.h"

namespace simsock::sim {
namespace {

using testing::SyscallFailsWithErrno;

TEST(FdTable, LowestFreeNumberIsReused) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  EXPECT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), 3);  // after 0, 1, 2
  EXPECT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), 4);
  EXPECT_EQ(p.socket(AF_INET, SOCK_DGRAM, 0), 5);
  EXPECT_EQ(p.close(4), 0);
  EXPECT_EQ(p.epoll_create1(0), 4);
  EXPECT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), 6);
  EXPECT_EQ(p.close(4), 0);
  EXPECT_THAT(p.close(4), SyscallFailsWithErrno(EBADF));
}

// RLIMIT_NOFILE bounds the fd numbers, and 0, 1, 2 are among them: with a
// limit of 6 a process can open three more.
TEST(FdTable, LimitGivesEmfile) {
  World w(1);
  Host& h = w.AddHost("h", "10.0.0.1");
  h.settings().nofile_limit = 6;
  Process& p = h.SpawnProcess();
  for (int i = 3; i < 6; ++i) ASSERT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), i);
  EXPECT_THAT(p.socket(AF_INET, SOCK_STREAM, 0), SyscallFailsWithErrno(EMFILE));
  EXPECT_THAT(p.epoll_create1(0), SyscallFailsWithErrno(EMFILE));
  EXPECT_THAT(p.fcntl(3, F_DUPFD, 0), SyscallFailsWithErrno(EMFILE));
  // Argument errors come before the table is consulted.
  EXPECT_THAT(p.socket(12345, SOCK_STREAM, 0),
              SyscallFailsWithErrno(EAFNOSUPPORT));
  EXPECT_EQ(p.close(3), 0);
  EXPECT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), 3);
  // Closing a standard fd makes room like any other.
  EXPECT_EQ(p.close(1), 0);
  EXPECT_EQ(p.epoll_create1(0), 1);
}

// A limit below 3 leaves the standard fds open (a process inherits them
// whatever its limit) but allows nothing new.
TEST(FdTable, LimitBelowTheStandardFdsKeepsThem) {
  World w(1);
  Host& h = w.AddHost("h", "10.0.0.1");
  h.settings().nofile_limit = 2;
  Process& p = h.SpawnProcess();
  EXPECT_EQ(p.fds().OpenFds(), (std::vector<int>{0, 1, 2}));
  EXPECT_THAT(p.socket(AF_INET, SOCK_STREAM, 0), SyscallFailsWithErrno(EMFILE));
  EXPECT_THAT(p.fcntl(2, F_DUPFD, 0), SyscallFailsWithErrno(EMFILE));
  EXPECT_EQ(p.close(2), 0);
  EXPECT_THAT(p.socket(AF_INET, SOCK_STREAM, 0),
              SyscallFailsWithErrno(EMFILE));  // 2 >= the limit
  EXPECT_EQ(p.close(0), 0);
  EXPECT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), 0);
}

TEST(FdTable, FlagsPerFdAndPerFile) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int a = p.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  EXPECT_EQ(p.fcntl(a, F_GETFD, 0), FD_CLOEXEC);
  EXPECT_EQ(p.fcntl(a, F_GETFL, 0), O_RDWR | O_NONBLOCK);
  EXPECT_EQ(p.fcntl(a, F_SETFL, 0), 0);
  EXPECT_EQ(p.fcntl(a, F_GETFL, 0), O_RDWR);
  EXPECT_EQ(p.fcntl(a, F_SETFD, 0), 0);
  EXPECT_EQ(p.fcntl(a, F_GETFD, 0), 0);
  EXPECT_THAT(p.fcntl(a, 9999, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(p.fcntl(77, F_GETFL, 0), SyscallFailsWithErrno(EBADF));
}

// FD_CLOEXEC is kept per fd beside the table's files (a bit each): a
// closed fd's flag goes with it, so a number used again, also after the
// table shrank and grew back, starts with only the flag it is given.
TEST(FdTable, CloexecGoesWithItsFd) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  const int a = p.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int b = p.socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(p.fcntl(a, F_GETFD, 0), FD_CLOEXEC);
  EXPECT_EQ(p.fcntl(b, F_GETFD, 0), 0);
  EXPECT_EQ(p.fcntl(a, F_DUPFD_CLOEXEC, 100), 100);
  EXPECT_EQ(p.fcntl(100, F_GETFD, 0), FD_CLOEXEC);
  EXPECT_EQ(p.close(100), 0);  // the table shrinks back below 100
  EXPECT_EQ(p.fcntl(b, F_DUPFD, 100), 100);
  EXPECT_EQ(p.fcntl(100, F_GETFD, 0), 0);
  EXPECT_EQ(p.close(a), 0);
  EXPECT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), a);
  EXPECT_EQ(p.fcntl(a, F_GETFD, 0), 0);
  EXPECT_EQ(p.fcntl(a, F_SETFD, FD_CLOEXEC), 0);
  EXPECT_EQ(p.fcntl(a, F_GETFD, 0), FD_CLOEXEC);
  EXPECT_EQ(p.fcntl(b, F_GETFD, 0), 0);
  EXPECT_EQ(p.fcntl(100, F_GETFD, 0), 0);
}

TEST(FdTable, NonSocketFdGivesEnotsock) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int ep = p.epoll_create1(0);
  EXPECT_THAT(p.listen(ep, 1), SyscallFailsWithErrno(ENOTSOCK));
  char c;
  EXPECT_THAT(p.read(ep, &c, 1),
              SyscallFailsWithErrno(EINVAL));  // epoll has no read
  EXPECT_THAT(p.recvfrom(ep, &c, 1, 0, nullptr, nullptr),
              SyscallFailsWithErrno(ENOTSOCK));
}

// A new process has 0, 1 and 2 open on one null-device file (a daemon's
// /dev/null): reads return end of file, writes are taken and discarded,
// buffers are never touched.
TEST(StdFds, ReadIsEofAndWriteDiscards) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  EXPECT_EQ(p.fds().OpenFds(), (std::vector<int>{0, 1, 2}));
  char buf[8] = {'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k'};
  EXPECT_EQ(p.read(0, buf, sizeof buf), 0);
  EXPECT_EQ(buf[0], 'k');
  EXPECT_EQ(p.read(0, nullptr, 5), 0);  // read_null never copies
  EXPECT_EQ(p.read(2, buf, 0), 0);
  EXPECT_EQ(p.write(1, "hello", 5), 5);
  EXPECT_EQ(p.write(2, nullptr, 5), 5);  // write_null never reads
  EXPECT_EQ(p.write(0, buf, 0), 0);
  // vfs_write caps one call at MAX_RW_COUNT.
  EXPECT_EQ(p.write(1, buf, size_t{1} << 40), 0x7ffff000);
}

// Socket calls on a standard fd are ENOTSOCK (after the checks Linux makes
// before looking at the fd).
TEST(StdFds, SocketCallsAreEnotsock) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  sockaddr_in a{};
  a.sin_family = AF_INET;
  socklen_t len = sizeof a;
  auto* sa = reinterpret_cast<sockaddr*>(&a);
  char c = 0;
  int v = 0;
  socklen_t vlen = sizeof v;
  EXPECT_THAT(p.bind(0, sa, sizeof a), SyscallFailsWithErrno(ENOTSOCK));
  EXPECT_THAT(p.listen(0, 1), SyscallFailsWithErrno(ENOTSOCK));
  EXPECT_THAT(p.accept4(0, nullptr, nullptr, 0),
              SyscallFailsWithErrno(ENOTSOCK));
  EXPECT_THAT(p.accept4(0, nullptr, nullptr, 1),
              SyscallFailsWithErrno(EINVAL));  // flags first
  EXPECT_THAT(p.connect(1, sa, sizeof a), SyscallFailsWithErrno(ENOTSOCK));
  EXPECT_THAT(p.recvfrom(0, &c, 1, 0, nullptr, nullptr),
              SyscallFailsWithErrno(ENOTSOCK));
  EXPECT_THAT(p.recvfrom(0, nullptr, 0, 0, nullptr, nullptr),
              SyscallFailsWithErrno(ENOTSOCK));
  EXPECT_THAT(p.sendto(1, &c, 1, 0, nullptr, 0),
              SyscallFailsWithErrno(ENOTSOCK));
  EXPECT_THAT(p.shutdown(2, SHUT_WR), SyscallFailsWithErrno(ENOTSOCK));
  EXPECT_THAT(p.getsockopt(2, SOL_SOCKET, SO_TYPE, &v, &vlen),
              SyscallFailsWithErrno(ENOTSOCK));
  EXPECT_THAT(p.setsockopt(2, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v),
              SyscallFailsWithErrno(ENOTSOCK));
  EXPECT_THAT(p.getsockname(0, sa, &len), SyscallFailsWithErrno(ENOTSOCK));
  EXPECT_THAT(p.getpeername(0, sa, &len), SyscallFailsWithErrno(ENOTSOCK));
  EXPECT_EQ(p.SocketAt(0), nullptr);
}

// fcntl works on them: no FD_CLOEXEC, F_GETFL shows O_RDWR and the
// kernel's O_LARGEFILE (0100000, as on x86-64), F_SETFL changes what it
// changes on any file (O_DIRECT is EINVAL: no direct I/O), and the flags
// are shared by the three fds (one open file), FD_CLOEXEC is not.
TEST(StdFds, FcntlAndDup) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  constexpr int kLargefile = 0100000;
  EXPECT_EQ(p.fcntl(0, F_GETFD, 0), 0);
  EXPECT_EQ(p.fcntl(1, F_GETFL, 0), O_RDWR | kLargefile);
  EXPECT_EQ(p.fcntl(0, F_SETFL, O_NONBLOCK | O_APPEND), 0);
  EXPECT_EQ(p.fcntl(2, F_GETFL, 0),
            O_RDWR | kLargefile | O_NONBLOCK | O_APPEND);
  EXPECT_THAT(p.fcntl(0, F_SETFL, O_DIRECT), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(p.fcntl(0, F_SETFL, 0), 0);
  EXPECT_EQ(p.fcntl(1, F_SETFD, FD_CLOEXEC), 0);
  EXPECT_EQ(p.fcntl(1, F_GETFD, 0), FD_CLOEXEC);
  EXPECT_EQ(p.fcntl(2, F_GETFD, 0), 0);
  // A dup is the lowest free number >= arg, on the same null file.
  int d = p.fcntl(0, F_DUPFD, 0);
  EXPECT_EQ(d, 3);
  EXPECT_EQ(p.fcntl(0, F_DUPFD_CLOEXEC, 10), 10);
  EXPECT_EQ(p.fcntl(10, F_GETFD, 0), FD_CLOEXEC);
  EXPECT_EQ(p.read(d, nullptr, 4), 0);
  EXPECT_EQ(p.write(d, "abc", 3), 3);
  EXPECT_THAT(p.listen(d, 1), SyscallFailsWithErrno(ENOTSOCK));
  EXPECT_EQ(p.fcntl(d, F_GETFL, 0), O_RDWR | kLargefile);
}

// close(0) frees the number like any fd: the next socket takes it. The
// file stays open while another of its fds does.
TEST(StdFds, CloseFreesTheNumberForTheNextSocket) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  EXPECT_EQ(p.close(0), 0);
  EXPECT_THAT(p.close(0), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(p.read(0, nullptr, 1), SyscallFailsWithErrno(EBADF));
  int s = p.socket(AF_INET, SOCK_DGRAM, 0);
  EXPECT_EQ(s, 0);
  EXPECT_NE(p.SocketAt(0), nullptr);
  EXPECT_EQ(p.write(1, "x", 1), 1);  // 1 and 2 are still the null file
  EXPECT_EQ(p.close(1), 0);
  EXPECT_EQ(p.close(2), 0);
  EXPECT_EQ(p.epoll_create1(0), 1);
  EXPECT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), 2);
  EXPECT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), 3);
}

// The null device has no poll operation: epoll_ctl refuses it with EPERM,
// for every op, before checking that epfd is an epoll (do_epoll_ctl's
// order; measured on Linux 6.18 with /dev/null), but after EFAULT and EBADF.
// epoll_wait on it is EINVAL (not an epoll).
TEST(StdFds, EpollRefusesTheNullDevice) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int ep = p.epoll_create1(0);
  ASSERT_EQ(ep, 3);
  int s = p.socket(AF_INET, SOCK_DGRAM, 0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  EXPECT_THAT(p.epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev),
              SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(p.epoll_ctl(ep, EPOLL_CTL_MOD, 1, &ev),
              SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(p.epoll_ctl(ep, EPOLL_CTL_DEL, 2, nullptr),
              SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(p.epoll_ctl(ep, 99, 0, &ev), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(p.epoll_ctl(0, EPOLL_CTL_ADD, 0, &ev),
              SyscallFailsWithErrno(EPERM));  // epfd the same
  EXPECT_THAT(p.epoll_ctl(s, EPOLL_CTL_ADD, 0, &ev),
              SyscallFailsWithErrno(EPERM));  // epfd a socket
  EXPECT_THAT(p.epoll_ctl(ep, EPOLL_CTL_ADD, 0, nullptr),
              SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(p.epoll_ctl(0, EPOLL_CTL_ADD, s, &ev),
              SyscallFailsWithErrno(EINVAL));  // not an epoll
  EXPECT_THAT(p.epoll_ctl(ep, EPOLL_CTL_ADD, 77, &ev),
              SyscallFailsWithErrno(EBADF));
  epoll_event out{};
  EXPECT_THAT(p.epoll_wait(0, &out, 1, 0), SyscallFailsWithErrno(EINVAL));
}

// Every process gets its own standard fds, also one spawned after the host
// restarted.
TEST(StdFds, EveryProcessAndEveryRestartGetsThem) {
  World w(1);
  Host& h = w.AddHost("h", "10.0.0.1");
  Process& a = h.SpawnProcess();
  Process& b = h.SpawnProcess();
  EXPECT_EQ(a.close(0), 0);
  EXPECT_EQ(b.fds().OpenFds(), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(b.socket(AF_INET, SOCK_STREAM, 0), 3);
  h.Crash();
  EXPECT_TRUE(a.fds().OpenFds().empty());  // a dead process has no fds
  h.Restart();
  Process& c = h.SpawnProcess();
  EXPECT_EQ(c.fds().OpenFds(), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(c.socket(AF_INET, SOCK_STREAM, 0), 3);
}

// simsock exec's fd_hint: the next fd-creating call takes exactly the
// reserved number (holes below it stay free), once; refused when that fd is
// open (EBADF) or past the limit (EMFILE); every other call keeps the
// lowest-free rule.
TEST(FdTable, InstallNextAtTakesTheReservedNumberOnce) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  p.fds().InstallNextAt(7);
  EXPECT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), 7);
  EXPECT_EQ(p.fds().next_install_at(), -1);
  EXPECT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), 3);  // lowest free again
  p.fds().InstallNextAt(5);
  EXPECT_EQ(p.epoll_create1(0), 5);
  EXPECT_EQ(p.socket(AF_INET, SOCK_DGRAM, 0), 4);
  p.fds().InstallNextAt(7);  // open
  EXPECT_THAT(p.socket(AF_INET, SOCK_STREAM, 0), SyscallFailsWithErrno(EBADF));
  p.fds().set_limit(10);
  p.fds().InstallNextAt(12);
  EXPECT_THAT(p.socket(AF_INET, SOCK_STREAM, 0), SyscallFailsWithErrno(EMFILE));
  EXPECT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), 6);
  p.fds().InstallNextAt(9);
  EXPECT_EQ(p.dup(3), 9);
  p.fds().InstallNextAt(8);
  EXPECT_EQ(p.fcntl(3, F_DUPFD, 0), 8);
}

// dup, dup2, dup3 with Linux's rules (fs/file.c).
TEST(FdTable, DupFamily) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  const int s = p.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(s, 3);
  EXPECT_EQ(p.dup(s), 4);
  EXPECT_EQ(p.fcntl(4, F_GETFD, 0), 0);  // the copy has no FD_CLOEXEC
  EXPECT_THAT(p.dup(99), SyscallFailsWithErrno(EBADF));
  EXPECT_EQ(p.dup2(s, s), s);
  EXPECT_THAT(p.dup2(99, 99), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(p.dup2(99, 5), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(p.dup2(s, -1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(p.dup2(s, 1 << 20), SyscallFailsWithErrno(EBADF));
  // Onto an open fd: it is closed first; both now name the socket.
  const int u = p.socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(u, 5);
  EXPECT_EQ(p.dup2(s, u), u);
  EXPECT_EQ(p.SocketAt(u), p.SocketAt(s));
  EXPECT_EQ(p.dup2(s, 20), 20);
  EXPECT_THAT(p.dup3(s, s, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(p.dup3(s, 6, O_NONBLOCK), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(p.dup3(99, 6, 0), SyscallFailsWithErrno(EBADF));
  EXPECT_EQ(p.dup3(s, 6, O_CLOEXEC), 6);
  EXPECT_EQ(p.fcntl(6, F_GETFD, 0), FD_CLOEXEC);
  // The socket closes only with its last fd.
  for (int fd : {3, 4, 5, 20}) EXPECT_EQ(p.close(fd), 0);
  EXPECT_NE(p.SocketAt(6), nullptr);
}

}  // namespace
}  // namespace simsock::sim
