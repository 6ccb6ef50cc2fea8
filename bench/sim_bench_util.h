// Helpers for the simulator's scale benchmarks (bench/sim_scale.cc): wall
// clock, resident memory, exact reads and writes against sys::Syscalls on
// either backend, and a section run in a child process so that each
// figure starts from a fresh heap (RSS deltas are not hidden by memory an
// earlier section freed). Wall time is measured here, never inside the
// simulator.
#pragma once

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "simsock/net/sys/names.h"
#include "simsock/net/sys/syscalls.h"

namespace simsock::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

[[noreturn]] inline void Fail(const char* what, long r) {
  std::fprintf(stderr, "sim_scale: %s failed: %s\n", what,
               sys::ResultString(r).c_str());
  std::exit(1);
}

// The process's resident set in bytes (/proc/self/statm's second field).
inline double RssBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long pages = 0, resident = 0;
  int n = std::fscanf(f, "%ld %ld", &pages, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<double>(resident) *
         static_cast<double>(sysconf(_SC_PAGESIZE));
}

// The bytes malloc has handed out and not had back (the main arena's
// chunks in use, their headers included, and its mmapped blocks): what
// live objects cost, without the freed memory RSS still counts. One
// thread allocates in these benchmarks, so the main arena is all of it.
inline double HeapInUseBytes() {
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<double>(mi.uordblks) + static_cast<double>(mi.hblkhd);
}

inline sockaddr_in Addr(uint32_t ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(ip);
  a.sin_port = htons(port);
  return a;
}

inline void NoDelay(sys::Syscalls& s, int fd) {
  int one = 1;
  s.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Reads exactly n bytes. On a blocking socket each read waits (in the
// simulator, by running the world); on a nonblocking one the data must
// already be there. Bounded retries.
inline void ReadExact(sys::Syscalls& s, int fd, char* buf, size_t n) {
  size_t got = 0;
  for (int tries = 0; got < n; ++tries) {
    if (tries > 1000) Fail("read (no progress)", -EAGAIN);
    ssize_t r = s.read(fd, buf + got, n - got);
    if (r > 0) {
      got += static_cast<size_t>(r);
    } else if (r == 0) {
      Fail("read (early EOF)", 0);
    } else if (r != -EAGAIN && r != -EINTR) {
      Fail("read", r);
    }
  }
}

inline void WriteExact(sys::Syscalls& s, int fd, const char* buf, size_t n) {
  ssize_t r = s.write(fd, buf, n);
  if (r != static_cast<ssize_t>(n)) Fail("write", r);
}

// A listening socket on ip:port (port 0: any), blocking or not; returns
// its fd and sets *bound to the address it took.
inline int Listener(sys::Syscalls& s, uint32_t ip, uint16_t port,
                    bool nonblocking, sockaddr_in* bound) {
  int l = s.socket(AF_INET, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (l < 0) Fail("socket", l);
  int one = 1;
  s.setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = Addr(ip, port);
  if (int r = s.bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a))
    Fail("bind", r);
  if (int r = s.listen(l, 4096)) Fail("listen", r);
  socklen_t len = sizeof a;
  s.getsockname(l, reinterpret_cast<sockaddr*>(&a), &len);
  *bound = a;
  return l;
}

// Runs `section` in a child process (a fresh heap for each figure) and
// waits for it; false if it failed. Output is flushed first so that lines
// keep their order.
inline bool InChild(const std::function<void()>& section) {
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    section();
    std::fflush(stdout);
    std::_Exit(0);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace simsock::bench
