// The preloaded shim (exec/shim/, docs/exec.md) against a scripted
// stand-in for the simulator (shim_responder.h): what the wrappers and the
// seccomp trap forward, with which marshalling and fd numbers; virtual
// time through every path; the seeded random stream; EFAULT instead of a
// crash; real files running natively; loud failures.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "tests/exec/shim_responder.h"

namespace simsock::exec_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

unsigned char *At(simsock_exec_slot &slot, int arg) {
  return slot.data + slot.args[arg];
}

// A fake kernel with one connected TCP socket: writes are recorded,
// reads answer "pong", recvmsg answers "xyz1234", names are 10.0.0.1:40000.
struct FakeSocketKernel {
  std::string written;

  int64_t operator()(simsock_exec_slot &slot) {
    switch (slot.nr) {
      case SYS_socket:
      case SYS_dup:
        return slot.fd_hint[0];
      case SYS_connect: {
        sockaddr_in to;
        std::memcpy(&to, At(slot, 1), sizeof to);
        char ip[32];
        inet_ntop(AF_INET, &to.sin_addr, ip, sizeof ip);
        return std::string(ip) == "10.0.0.2" && ntohs(to.sin_port) == 7 &&
                       slot.args[2] == sizeof to
                   ? 0
                   : -EINVAL;
      }
      case SYS_write:
        written.append(reinterpret_cast<char *>(At(slot, 1)),
                       static_cast<size_t>(slot.args[2]));
        return slot.args[2];
      case SYS_read:
        std::memcpy(At(slot, 1), "pong", 4);
        return 4;
      case SYS_getsockname: {
        sockaddr_in me{};
        me.sin_family = AF_INET;
        me.sin_port = htons(40000);
        inet_pton(AF_INET, "10.0.0.1", &me.sin_addr);
        int32_t len;
        std::memcpy(&len, At(slot, 2), sizeof len);
        std::memcpy(At(slot, 1), &me, std::min<size_t>(len, sizeof me));
        len = sizeof me;
        std::memcpy(At(slot, 2), &len, sizeof len);
        return 0;
      }
      case SYS_recvmsg:
      case SYS_sendmsg: {
        // The nested pointers are offsets into data (rebased here as the
        // simulator's dispatcher does).
        msghdr m;
        std::memcpy(&m, At(slot, 1), sizeof m);
        const char *fill = "xyz1234";
        int64_t moved = 0;
        for (size_t i = 0; i < m.msg_iovlen; i++) {
          iovec v;
          std::memcpy(
              &v,
              slot.data + reinterpret_cast<intptr_t>(m.msg_iov) + i * sizeof v,
              sizeof v);
          char *base = reinterpret_cast<char *>(
              slot.data + reinterpret_cast<intptr_t>(v.iov_base));
          if (slot.nr == SYS_sendmsg) {
            written.append(base, v.iov_len);
          } else {
            size_t n = std::min<size_t>(v.iov_len, 7 - moved);
            std::memcpy(base, fill + moved, n);
          }
          moved += v.iov_len;
        }
        if (slot.nr == SYS_recvmsg) {
          m.msg_flags = 0;
          std::memcpy(At(slot, 1), &m, sizeof m);
          return 7;
        }
        return moved;
      }
      case SYS_close:
        return 0;
      default:
        return -ENOSYS;
    }
  }
};

TEST(ShimTest, WrappersAndTrapForwardSocketCallsWithLinuxFdNumbers) {
  Responder r;
  FakeSocketKernel kernel;
  r.Run({SIMSOCK_SHIM_PROBE, "sockets"},
        [&](simsock_exec_slot &slot) { return kernel(slot); });
  EXPECT_GT(r.hello_pid(), 0);
  ASSERT_TRUE(WIFEXITED(r.wait_status())) << r.err();
  EXPECT_EQ(WEXITSTATUS(r.wait_status()), 0) << r.err();
  EXPECT_EQ(r.exit_message(), 0);
  EXPECT_EQ(r.out(),
            "file 3 socket 4\n"
            "connect 0\n"
            "write 5\n"
            "raw 4\n"
            "read 4 pong\n"
            "getsockname 0 16 10.0.0.1:40000\n"
            "recvmsg 7 xyz|1234 flags 0\n"
            "sendmsg 5\n"
            "dup 5 next 6\n"
            "close 0 0\n"
            "again 4\n"
            "native 6 6 native\n");
  // "raw!" came through the seccomp trap (syscall(2)), not a wrapper.
  EXPECT_EQ(kernel.written, "helloraw!abcde");
  ASSERT_FALSE(r.calls().empty());
  EXPECT_EQ(r.calls()[0].nr, SYS_socket);
  EXPECT_EQ(r.calls()[0].fd_hint[0], 4);
  EXPECT_EQ(r.calls()[0].ptr_mask, 0u);
  // Only calls on the simulated fds reached the kernel: not stdout's
  // writes, not the temporary file's.
  for (const SeenCall &c : r.calls()) {
    if (c.nr == SYS_socket) continue;
    EXPECT_TRUE(c.args[0] == 4 || c.args[0] == 5) << c.nr;
  }
}

// A fake kernel for the server scenario: checks each call's marshalled
// inputs (a wrong one answers -EINVAL, which the output shows) and writes
// its outputs where the offsets say.
struct FakeServerKernel {
  std::string sent;
  std::vector<int64_t> closed;

  static int32_t Int(simsock_exec_slot &slot, int arg) {
    int32_t v;
    std::memcpy(&v, At(slot, arg), sizeof v);
    return v;
  }
  static void SetInt(simsock_exec_slot &slot, int arg, int32_t v) {
    std::memcpy(At(slot, arg), &v, sizeof v);
  }

  int64_t operator()(simsock_exec_slot &slot) {
    switch (slot.nr) {
      case SYS_socket:
      case SYS_epoll_create1:
        return slot.fd_hint[0];
      case SYS_setsockopt:
        return slot.args[1] == SOL_SOCKET && slot.args[2] == SO_REUSEADDR &&
                       slot.args[4] == 4 && Int(slot, 3) == 1
                   ? 0
                   : -EINVAL;
      case SYS_bind: {
        sockaddr_in a;
        std::memcpy(&a, At(slot, 1), sizeof a);
        return ntohs(a.sin_port) == 8080 ? 0 : -EINVAL;
      }
      case SYS_listen:
        return slot.args[1] == 16 ? 0 : -EINVAL;
      case SYS_epoll_ctl: {
        epoll_event ev;
        std::memcpy(&ev, At(slot, 3), sizeof ev);
        return slot.args[1] == EPOLL_CTL_ADD && ev.events == EPOLLIN &&
                       ev.data.u64 == 77
                   ? 0
                   : -EINVAL;
      }
      case SYS_epoll_wait: {
        if (slot.args[2] != 4 || slot.args[3] != 1000) return -EINVAL;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = 77;
        std::memcpy(At(slot, 1), &ev, sizeof ev);
        return 1;
      }
      case SYS_accept4: {
        if (slot.args[3] != SOCK_CLOEXEC) return -EINVAL;
        sockaddr_in peer{};
        peer.sin_family = AF_INET;
        peer.sin_port = htons(5555);
        inet_pton(AF_INET, "10.0.0.9", &peer.sin_addr);
        std::memcpy(At(slot, 1), &peer, sizeof peer);
        SetInt(slot, 2, sizeof peer);
        return slot.fd_hint[0];
      }
      case SYS_getsockopt:
        SetInt(slot, 3, 0);
        SetInt(slot, 4, 4);
        return 0;
      case SYS_ioctl:
        if (slot.args[1] == FIONBIO) return Int(slot, 2) == 1 ? 0 : -EINVAL;
        SetInt(slot, 2, 3);
        return 0;
      case SYS_recvfrom:
        if (slot.args[4] != SIMSOCK_EXEC_NULL ||
            slot.args[5] != SIMSOCK_EXEC_NULL)
          return -EINVAL;
        std::memcpy(At(slot, 1), "abc", 3);
        return 3;
      case SYS_sendto:
        if (slot.args[3] != MSG_NOSIGNAL) return -EINVAL;
        [[fallthrough]];
      case SYS_write:
        sent.append(reinterpret_cast<char *>(At(slot, 1)),
                    static_cast<size_t>(slot.args[2]));
        return slot.args[2];
      case SYS_fcntl:
        if (slot.args[1] == F_GETFL) return O_RDWR | O_NONBLOCK;
        return slot.args[1] == F_DUPFD && slot.args[2] == 10 ? slot.fd_hint[0]
                                                             : -EINVAL;
      case SYS_close:
        closed.push_back(slot.args[0]);
        return 0;
      case SYS_shutdown:
        return slot.args[1] == SHUT_RDWR ? 0 : -EINVAL;
      default:
        return -ENOSYS;
    }
  }
};

TEST(ShimTest, ServerCallsAreMarshalledBothWays) {
  Responder r;
  FakeServerKernel kernel;
  r.Run({SIMSOCK_SHIM_PROBE, "server"},
        [&](simsock_exec_slot &slot) { return kernel(slot); });
  ASSERT_TRUE(WIFEXITED(r.wait_status())) << r.err();
  EXPECT_EQ(WEXITSTATUS(r.wait_status()), 0) << r.err();
  EXPECT_EQ(r.out(),
            "listen 3 setsockopt 0 bind 0 listen 0\n"
            "epoll 4 ctl 0 wait 1 events 1 data 77\n"
            "accept4 5 10.0.0.9:5555 len 16\n"
            "fstat 0 0 sock 1 blksize 4096 epoll mode 600\n"
            "getsockopt 0 0 4\n"
            "ioctl 0 0 avail 3\n"
            "recv 3 abc\n"
            "send 2\n"
            "dprintf 5\n"
            "getfl 0x802\n"
            "dupfd 10 nul 6 dup2 5\n"
            "close 0 isatty 0 ENOTTY\n"
            "guards 0 0 blocked 0\n"
            "shutdown 0\n");
  // dprintf's write is glibc-internal: it came through the trap.
  EXPECT_EQ(kernel.sent, "xyn=42\n");
  // dup2 of a real file over fd 5 closed the simulated one; then fd 10.
  EXPECT_EQ(kernel.closed, (std::vector<int64_t>{5, 10}));
}

// The iovec arrays of readv/writev as the dispatcher sees them: each
// iov_base an offset into data.
std::vector<iovec> Iovecs(simsock_exec_slot &slot) {
  std::vector<iovec> v(static_cast<size_t>(slot.args[2]));
  std::memcpy(v.data(), At(slot, 1), v.size() * sizeof(iovec));
  return v;
}

TEST(ShimTest, VectorsAndAddressesAreMarshalled) {
  Responder r;
  std::string written;
  r.Run({SIMSOCK_SHIM_PROBE, "vectors"},
        [&](simsock_exec_slot &slot) -> int64_t {
          switch (slot.nr) {
            case SYS_socket:
              return slot.args[1] == SOCK_DGRAM ? slot.fd_hint[0] : -EINVAL;
            case SYS_writev: {
              int64_t n = 0;
              for (const iovec &v : Iovecs(slot)) {
                written.append(
                    reinterpret_cast<char *>(
                        slot.data + reinterpret_cast<intptr_t>(v.iov_base)),
                    v.iov_len);
                n += static_cast<int64_t>(v.iov_len);
              }
              return n;
            }
            case SYS_readv: {
              std::vector<iovec> v = Iovecs(slot);
              if (v.size() != 2 || v[0].iov_len != 2 || v[1].iov_len != 7)
                return -EINVAL;
              std::memcpy(slot.data + reinterpret_cast<intptr_t>(v[0].iov_base),
                          "ab", 2);
              std::memcpy(slot.data + reinterpret_cast<intptr_t>(v[1].iov_base),
                          "cde", 3);
              return 5;
            }
            case SYS_sendto: {
              sockaddr_in to;
              std::memcpy(&to, At(slot, 4), sizeof to);
              written.append(reinterpret_cast<char *>(At(slot, 1)),
                             static_cast<size_t>(slot.args[2]));
              return slot.args[5] == sizeof to && ntohs(to.sin_port) == 53
                         ? slot.args[2]
                         : -EINVAL;
            }
            case SYS_recvfrom: {
              sockaddr_in from{};
              from.sin_family = AF_INET;
              from.sin_port = htons(53);
              inet_pton(AF_INET, "10.0.0.3", &from.sin_addr);
              std::memcpy(At(slot, 4), &from, sizeof from);
              int32_t len = sizeof from;
              std::memcpy(At(slot, 5), &len, sizeof len);
              std::memcpy(At(slot, 1), "ans", 3);
              return 3;
            }
            default:
              return -ENOSYS;
          }
        });
  ASSERT_TRUE(WIFEXITED(r.wait_status())) << r.err();
  EXPECT_EQ(r.out(),
            "writev 8\n"
            "readv 5 ab|cde\n"
            "sendto 1\n"
            "recvfrom 3 ans from 10.0.0.3:53 len 16\n"
            "getrandom -1 EINVAL\n");
  EXPECT_EQ(written, "onethreeq");
}

TEST(ShimTest, ClocksReadVirtualTimeThroughEveryPath) {
  Responder r;
  r.Run({SIMSOCK_SHIM_PROBE, "clocks"}, [&](simsock_exec_slot &slot) {
    if (slot.nr != SYS_nanosleep) return int64_t{-ENOSYS};
    timespec req;
    std::memcpy(&req, At(slot, 0), sizeof req);
    r.region().monotonic_ns += req.tv_sec * 1'000'000'000 + req.tv_nsec;
    return int64_t{0};
  });
  ASSERT_TRUE(WIFEXITED(r.wait_status())) << r.err();
  EXPECT_EQ(r.out(),
            "monotonic 5.000000123\n"
            "realtime 1700000005.000000123\n"
            "vdso 5.000000123\n"
            "syscall 5.000000123\n"
            "gettimeofday 1700000005.000000\n"
            "time 1700000005\n"
            "nanosleep 0\n"
            "after 7.000000623\n"
            "pid 4242 tid 4242 ppid 1\n"
            "rawpid 4242\n");
  // The sleep was the only call that needed the simulator.
  ASSERT_EQ(r.calls().size(), 1u);
  EXPECT_EQ(r.calls()[0].ptr_mask, 3u);  // req, and rem as NULL
  EXPECT_EQ(r.calls()[0].args[1], SIMSOCK_EXEC_NULL);
}

// Whether this CPU faults rdtsc under prctl(PR_SET_TSC, PR_TSC_SIGSEGV):
// some hypervisors do not honour CR4.TSD in the guest (this project's
// Firecracker VMs: the prctl succeeds, rdtsc still reads the real TSC).
bool CpuTrapsRdtsc() {
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_TSC, PR_TSC_SIGSEGV);
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    _exit(lo == 0 && hi == 0 ? 1 : 0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

TEST(ShimTest, RdtscReadsVirtualTimeWhereTheCpuTrapsIt) {
  if (!CpuTrapsRdtsc())
    GTEST_SKIP() << "this CPU (or its hypervisor) does not fault rdtsc "
                    "under PR_TSC_SIGSEGV: rdtsc reads the real TSC here";
  Responder r;
  r.Run({SIMSOCK_SHIM_PROBE, "rdtsc"},
        [](simsock_exec_slot &) { return int64_t{-ENOSYS}; });
  ASSERT_TRUE(WIFEXITED(r.wait_status())) << r.err();
  EXPECT_EQ(r.out(), "rdtsc 5000000123\nrdtscp 5000000123 0\n");
}

std::string RandomRun(uint64_t seed) {
  Responder r(seed);
  r.Run({SIMSOCK_SHIM_PROBE, "random"},
        [](simsock_exec_slot &) { return int64_t{-ENOSYS}; });
  EXPECT_TRUE(r.calls().empty());
  EXPECT_THAT(r.out(), HasSubstr("urandom 16\n"));
  return r.out();
}

TEST(ShimTest, RandomnessIsTheSeededStream) {
  std::string a = RandomRun(7), b = RandomRun(7), c = RandomRun(8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // getrandom, the raw syscall and /dev/urandom read one stream onwards.
  auto line = [&](const std::string &label) {
    size_t at = a.find(label + " ");
    return a.substr(at + label.size() + 1, 32);
  };
  EXPECT_NE(line("getrandom"), line("rawgetrandom"));
  EXPECT_NE(line("rawgetrandom"), line("urandom"));
  // AT_RANDOM's bytes come from the seed too (a stream of their own).
  auto at_random = [](const std::string &out) {
    size_t at = out.find("at_random ");
    return at == std::string::npos ? std::string() : out.substr(at + 10, 32);
  };
  EXPECT_EQ(at_random(a).size(), 32u) << a;
  EXPECT_EQ(at_random(a), at_random(b));
  EXPECT_NE(at_random(a), at_random(c));
  EXPECT_NE(at_random(a), line("getrandom"));
}

TEST(ShimTest, BadPointersGiveEfaultNotACrash) {
  Responder r;
  FakeSocketKernel kernel;
  r.Run({SIMSOCK_SHIM_PROBE, "efault"},
        [&](simsock_exec_slot &slot) { return kernel(slot); });
  ASSERT_TRUE(WIFEXITED(r.wait_status())) << r.err();
  EXPECT_EQ(r.out(),
            "write -1 EFAULT\n"
            "read -1 EFAULT\n"
            "getrandom -1 EFAULT\n"
            "connect -1 EFAULT\n");
  // The write and the connect never reached the kernel: their input could
  // not be copied. The read did (its output could not be copied back).
  ASSERT_EQ(r.calls().size(), 2u);
  EXPECT_EQ(r.calls()[0].nr, SYS_socket);
  EXPECT_EQ(r.calls()[1].nr, SYS_read);
}

TEST(ShimTest, ForkFailsLoudly) {
  Responder r;
  r.Run({SIMSOCK_SHIM_PROBE, "fork"},
        [](simsock_exec_slot &) { return int64_t{-ENOSYS}; });
  ASSERT_TRUE(WIFEXITED(r.wait_status()));
  EXPECT_EQ(WEXITSTATUS(r.wait_status()), 127);
  EXPECT_EQ(r.fail_reason(), SIMSOCK_FAIL_UNSUPPORTED_SYSCALL);
  EXPECT_THAT(r.fail_message(), HasSubstr("fork"));
  EXPECT_THAT(r.err(), HasSubstr("simsock shim: fork"));
  EXPECT_THAT(r.out(), Not(HasSubstr("fork returned")));
}

// pthread_create's clone3 comes to the simulator as SYS_clone3 (the clone
// emulation: args[0] the new thread's slot, args[1] its real tid, args[2]
// the flags); a simulator that refuses it stops the program loudly.
TEST(ShimTest, ANewThreadTheSimulatorRefusesFailsLoudly) {
  Responder r;
  int64_t child_slot = -1, flags = 0;
  r.Run({SIMSOCK_SHIM_PROBE, "thread"}, [&](simsock_exec_slot &slot) {
    if (slot.nr == SYS_clone3) {
      child_slot = slot.args[0];
      flags = slot.args[2];
    }
    return int64_t{-ENOSYS};
  });
  ASSERT_TRUE(WIFEXITED(r.wait_status()));
  EXPECT_EQ(WEXITSTATUS(r.wait_status()), 127);
  EXPECT_EQ(child_slot, 1);
  EXPECT_NE(flags & CLONE_THREAD, 0);
  EXPECT_NE(flags & CLONE_SETTLS, 0);
  EXPECT_EQ(r.fail_reason(), SIMSOCK_FAIL_UNSUPPORTED_SYSCALL);
  EXPECT_THAT(r.fail_message(), HasSubstr("refused a new thread"));
  EXPECT_THAT(r.out(), Not(HasSubstr("pthread_create returned")));
}

// The responder plays the simulated kernel: kill and tgkill to itself are
// forwarded and answered with the signal in deliver_mask, which the shim
// raises for real, so the program's handler runs before raise() or kill()
// returns; alarm is forwarded (the simulated ITIMER_REAL), never armed
// for real.
TEST(ShimTest, SignalsToItselfAreDeliveredAsTheSimulatorSays) {
  Responder r;
  r.Run({SIMSOCK_SHIM_PROBE, "signals"}, [](simsock_exec_slot &slot) {
    switch (slot.nr) {
      case SYS_kill:
      case SYS_tgkill:
        slot.deliver_mask |= uint64_t{1} << (slot.args[0] - 1);
        return int64_t{0};
      default:  // rt_sigaction, rt_sigprocmask, alarm
        return int64_t{0};
    }
  });
  ASSERT_TRUE(WIFEXITED(r.wait_status())) << r.err();
  EXPECT_EQ(WEXITSTATUS(r.wait_status()), 0) << r.err();
  EXPECT_EQ(r.out(),
            "raise 0 got 10\nkill 0 got 10\nalarm0 0\nalarm returned\n");
  bool tgkill = false, kill = false, alarm5 = false;
  for (const SeenCall &c : r.calls()) {
    tgkill |= c.nr == SYS_tgkill && c.args[0] == SIGUSR1;
    kill |= c.nr == SYS_kill && c.args[0] == SIGUSR1;
    alarm5 |= c.nr == SYS_alarm && c.args[0] == 5;
  }
  EXPECT_TRUE(tgkill);
  EXPECT_TRUE(kill);
  EXPECT_TRUE(alarm5);
}

TEST(ShimTest, UnsupportedCallOnASimulatedFdFailsLoudly) {
  Responder r;
  r.Run({SIMSOCK_SHIM_PROBE, "unsupported"}, [](simsock_exec_slot &slot) {
    return slot.nr == SYS_socket ? int64_t{slot.fd_hint[0]} : -ENOSYS;
  });
  ASSERT_TRUE(WIFEXITED(r.wait_status()));
  EXPECT_EQ(WEXITSTATUS(r.wait_status()), 127);
  EXPECT_EQ(r.fail_reason(), SIMSOCK_FAIL_UNSUPPORTED_SYSCALL);
  EXPECT_THAT(r.fail_message(), HasSubstr("on a simulated fd (syscall " +
                                          std::to_string(SYS_sendmmsg) + ")"));
  EXPECT_THAT(r.out(), Not(HasSubstr("sendmmsg returned")));
}

TEST(ShimTest, DebugLevelLogsEachForwardedCall) {
  Responder r;
  r.region().debug = 1;
  r.Run({SIMSOCK_SHIM_PROBE, "unsupported"}, [](simsock_exec_slot &slot) {
    return slot.nr == SYS_socket ? int64_t{slot.fd_hint[0]} : -ENOSYS;
  });
  EXPECT_THAT(r.err(), HasSubstr("simsock shim: syscall " +
                                 std::to_string(SYS_socket) + " -> 3\n"));
}

TEST(ShimTest, AWrongRegionIsRefusedBeforeMain) {
  Responder r;
  r.region().version = SIMSOCK_EXEC_VERSION + 1;
  r.Run({SIMSOCK_SHIM_PROBE, "exit"},
        [](simsock_exec_slot &) { return int64_t{-ENOSYS}; });
  ASSERT_TRUE(WIFEXITED(r.wait_status()));
  EXPECT_EQ(WEXITSTATUS(r.wait_status()), 127);
  EXPECT_EQ(r.hello_pid(), 0);
  EXPECT_THAT(r.err(), HasSubstr("wrong magic or version"));
}

TEST(ShimTest, ExitSendsTheStatus) {
  Responder r;
  r.Run({SIMSOCK_SHIM_PROBE, "exit"},
        [](simsock_exec_slot &) { return int64_t{-ENOSYS}; });
  ASSERT_TRUE(WIFEXITED(r.wait_status()));
  EXPECT_EQ(WEXITSTATUS(r.wait_status()), 42);
  EXPECT_EQ(r.exit_message(), 42);
}

TEST(ShimTest, WithoutTheRegionTheProgramRunsUntouched) {
  Responder r;
  r.Run(
      {SIMSOCK_SHIM_PROBE, "random"},
      [](simsock_exec_slot &) { return int64_t{-ENOSYS}; },
      /*attach=*/false);
  ASSERT_TRUE(WIFEXITED(r.wait_status()));
  EXPECT_EQ(WEXITSTATUS(r.wait_status()), 0);
  EXPECT_EQ(r.hello_pid(), 0);
  EXPECT_THAT(r.out(), HasSubstr("urandom 16\n"));
}

// Debian's netcat-openbsd, unmodified: `nc -z -n ADDR PORT` checks that a
// port accepts a connection (socket, connect, close; no poll without -w).
TEST(ShimTest, NetcatConnectsThroughTheShim) {
  if (access("/usr/bin/nc.openbsd", X_OK) != 0)
    GTEST_SKIP() << "netcat-openbsd is not installed (apt install "
                    "netcat-openbsd)";
  Responder r;
  r.Run({"/usr/bin/nc.openbsd", "-z", "-n", "10.0.0.2", "7"},
        [](simsock_exec_slot &slot) -> int64_t {
          switch (slot.nr) {
            case SYS_socket:
              return slot.fd_hint[0];
            case SYS_connect: {
              sockaddr_in to;
              std::memcpy(&to, At(slot, 1), sizeof to);
              if (to.sin_family == AF_UNIX) return -ENOENT;
              return ntohs(to.sin_port) == 7 ? 0 : -ECONNREFUSED;
            }
            case SYS_fcntl:
              return slot.args[1] == F_GETFL ? O_RDWR : 0;
            case SYS_close:
              return 0;
            default:
              return -ENOSYS;
          }
        });
  ASSERT_TRUE(WIFEXITED(r.wait_status())) << r.err();
  EXPECT_EQ(WEXITSTATUS(r.wait_status()), 0) << r.err();
  EXPECT_EQ(r.exit_message(), 0);
  std::vector<int64_t> nrs;
  for (const SeenCall &c : r.calls()) nrs.push_back(c.nr);
  // nc's signal(SIGPIPE, SIG_IGN), told to the simulator; twice glibc's
  // nscd probe (getservbyname: an AF_UNIX socket and its connect, refused
  // as where no nscd runs), then nc's own socket, O_NONBLOCK (read, then
  // set: an int as Linux's fcntl takes it), connect, the flags restored,
  // close.
  EXPECT_EQ(nrs, (std::vector<int64_t>{
                     SYS_rt_sigaction, SYS_socket, SYS_connect, SYS_close,
                     SYS_socket, SYS_connect, SYS_close, SYS_socket, SYS_fcntl,
                     SYS_fcntl, SYS_connect, SYS_fcntl, SYS_close}));
  ASSERT_EQ(r.calls().size(), nrs.size());
  EXPECT_EQ(r.calls()[0].args[0], SIGPIPE);
  EXPECT_EQ(r.calls()[0].args[1], 1);  // SIG_IGN
  EXPECT_EQ(r.calls()[1].args[0], AF_UNIX);
  EXPECT_EQ(r.calls()[7].args[0], AF_INET);
  EXPECT_EQ(r.calls()[9].args[1], F_SETFL);
  EXPECT_EQ(r.calls()[9].args[2], O_RDWR | O_NONBLOCK);
}

// The launcher (exec-sim) refuses a static binary before fork; this shows
// why: the preload never runs in one.
TEST(ShimTest, StaticBinaryIgnoresThePreload) {
  if (std::string(SIMSOCK_SHIM_STATIC_PROBE).empty())
    GTEST_SKIP() << "this system cannot link a static program (glibc's "
                    "libc.a is in libc6-dev)";
  Responder r;
  r.Run({SIMSOCK_SHIM_STATIC_PROBE},
        [](simsock_exec_slot &) { return int64_t{-ENOSYS}; });
  ASSERT_TRUE(WIFEXITED(r.wait_status()));
  EXPECT_EQ(r.hello_pid(), 0);
  EXPECT_EQ(r.out(), "static hello\n");
}

}  // namespace
}  // namespace simsock::exec_test
