// exec_call: the cost of one call of an unmodified program under the
// preloaded shim (issue 13's target: a forwarded call <= 5 us on these
// machines). The test responder (tests/exec/shim_responder.h) plays the
// simulator and answers at once, so a forwarded call's figure is the
// channel's round trip (futex wake, switch, reply, switch back) plus the
// shim's dispatch. Measured in one run, three ways (polling before the
// futex sleep, futex only, both parties pinned to one CPU):
//   - forwarded, through the libc wrapper (fcntl F_GETFL on a simulated fd);
//   - forwarded, through the seccomp trap (syscall(SYS_fcntl, ...));
//   - a real fd through the wrapper and through the trap (run natively);
//   - getpid and clock_gettime (answered by the shim, no round trip; 100
//     times as many calls);
//   - the same fcntl natively in this process, for the ratio.
// Wall time is measured here, never in the shim.
//
//   exec_call [--calls N]   (default 20000 per kind)
#include <fcntl.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tests/exec/shim_responder.h"

namespace {

using Clock = std::chrono::steady_clock;
using simsock::exec_test::Responder;

double NsBetween(Clock::time_point a, Clock::time_point b, long n) {
  return std::chrono::duration<double, std::nano>(b - a).count() /
         static_cast<double>(n);
}

// One row: `mode` is "spin" (unpinned, the parties poll before they sleep
// where two CPUs allow: exec/slot_wait.h), "futex" (unpinned, no polling)
// or "pinned" (both on CPU 0, where polling is off).
bool RunOnce(long n, const char *mode) {
  const bool pinned = std::strcmp(mode, "pinned") == 0;
  if (pinned) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof one, &one);  // the program inherits it
  }
  Responder r;
  if (std::strcmp(mode, "futex") == 0) r.region().spin_polls = 0;
  std::vector<Clock::time_point> at;  // one per forwarded fcntl
  at.reserve(2 * n + 8);
  r.Run({SIMSOCK_SHIM_PROBE, "loop", std::to_string(n)},
        [&](simsock_exec_slot &slot) -> int64_t {
          if (slot.nr == SYS_socket) return slot.fd_hint[0];
          if (slot.nr == SYS_fcntl) {
            at.push_back(Clock::now());
            return O_RDWR;
          }
          return -ENOSYS;
        });
  if (!WIFEXITED(r.wait_status()) || WEXITSTATUS(r.wait_status()) != 0 ||
      at.size() != static_cast<size_t>(2 * n + 4)) {
    std::fprintf(stderr, "exec_call: the probe failed (%zu calls): %s\n",
                 at.size(), r.err().c_str());
    return false;
  }
  // at[0 .. n-1]: wrapper, at[n .. 2n-1]: trap, then four markers.
  double wrapper = NsBetween(at[0], at[n - 1], n - 1);
  double trap = NsBetween(at[n], at[2 * n - 1], n - 1);
  // `calls` local calls and one forwarded marker between two markers.
  auto between_markers = [&](size_t from, size_t to, long calls) {
    return (NsBetween(at[from], at[to], 1) - wrapper) /
           static_cast<double>(calls);
  };
  double real_wrapper = between_markers(2 * n - 1, 2 * n, n);
  double real_trap = between_markers(2 * n, 2 * n + 1, n);
  double getpid_ns = between_markers(2 * n + 1, 2 * n + 2, 100 * n);
  double clock_ns = between_markers(2 * n + 2, 2 * n + 3, 100 * n);
  int devnull = open("/dev/null", O_RDONLY);
  auto t0 = Clock::now();
  for (long i = 0; i < n; i++) syscall(SYS_fcntl, devnull, F_GETFL);
  double native = NsBetween(t0, Clock::now(), n);
  close(devnull);
  std::printf(
      "%-6s (polls %4u) forwarded: wrapper %7.0f ns  trap %7.0f ns | real fd: "
      "wrapper "
      "%6.0f ns  trap %6.0f ns | getpid %5.0f ns  clock_gettime %5.0f ns | "
      "native fcntl %4.0f ns | forwarded/native %.0fx, wrapper vs 5 us "
      "target %.2f\n",
      mode, r.region().spin_polls, wrapper, trap, real_wrapper, real_trap,
      getpid_ns, clock_ns, native, wrapper / native, wrapper / 5000.0);
  return true;
}

}  // namespace

int main(int argc, char **argv) {
  long n = 20000;
  for (int i = 1; i + 1 < argc; i++)
    if (std::strcmp(argv[i], "--calls") == 0) n = std::atol(argv[i + 1]);
  if (n < 10) n = 10;
  // Pinned last: the affinity stays with this process.
  bool ok = RunOnce(n, "spin") && RunOnce(n, "futex") && RunOnce(n, "pinned");
  return ok ? 0 : 1;
}
