// pingpong: 64-byte messages bounced between two TCP sockets, written once
// against sys::Syscalls and run on the real loopback and in the simulator
// in the same run. Prints round trips per wall second for each and the
// ratio (simulator / loopback). Wall time is measured here, in bench/, and
// never inside the simulator.
//
// Then the same bounce between two simulated hosts, once with no fault plan
// and once under a plan whose faults never strike (loss 0, duplicate 0,
// delay 0 on both directions): the ratio is what a plan costs a run that
// it does not disturb (issue 8).
//
// The in-memory floor (issue 10) is the least a ping-pong of messages in
// one process can cost: per round trip, two calls that the compiler may
// not inline, each copying the 64-byte message (one each way). The
// simulator's rate over the floor's says how far it is from that bound.
//
//   pingpong [--seconds S]   (default 1 s per backend)
//   pingpong --trips N [--only loopback|hosts] [--trace off|hash|text]
//       exactly N simulated round trips (one host, or two hosts with no
//       plan), nothing timed, nothing real: for instruction counts, e.g.
//       the difference of two callgrind runs over the difference of N.
//       --trace: the world's trace off (the default), on with no sink
//       (the hash only), or on with a text sink writing to /dev/null
//       (what sim_scale's trace section times).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "simsock/faults/fault_plan.h"
#include "simsock/net/sys/linux_syscalls.h"
#include "simsock/net/sys/names.h"
#include "simsock/sim/faults/apply_plan.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

namespace {

using simsock::sys::Syscalls;
using Clock = std::chrono::steady_clock;

constexpr size_t kMessage = 64;

void Fail(const char* what, long r) {
  std::fprintf(stderr, "pingpong: %s failed: %s\n", what,
               simsock::sys::ResultString(r).c_str());
  std::exit(1);
}

// Reads exactly n bytes from a nonblocking socket whose data is already on
// its way (loopback delivers before write returns); bounded retries.
void ReadFull(Syscalls& sys, int fd, char* buf, size_t n) {
  size_t got = 0;
  for (int tries = 0; got < n; ++tries) {
    if (tries > 1000000) Fail("read (no progress)", -EAGAIN);
    ssize_t r = sys.read(fd, buf + got, n - got);
    if (r > 0) {
      got += static_cast<size_t>(r);
    } else if (r != -EAGAIN) {
      Fail("read", r);
    }
  }
}

// Bounces 64-byte messages between client fd c (on cs) and server fd s (on
// ss), `batch` round trips between clock readings, for `seconds` of wall
// time; returns round trips per second.
//
// With `trips` > 0, does exactly that many round trips instead, whatever
// the time (returns 0).
double Bounce(Syscalls& cs, int c, Syscalls& ss, int s, double seconds,
              int batch, long trips_wanted = 0) {
  char msg[kMessage];
  std::memset(msg, 'x', sizeof msg);
  char buf[kMessage];
  auto trip = [&] {
    if (cs.write(c, msg, kMessage) != static_cast<ssize_t>(kMessage))
      Fail("write", -1);
    ReadFull(ss, s, buf, kMessage);
    if (ss.write(s, buf, kMessage) != static_cast<ssize_t>(kMessage))
      Fail("write", -1);
    ReadFull(cs, c, buf, kMessage);
  };
  if (trips_wanted > 0) {
    for (long i = 0; i < trips_wanted; ++i) trip();
    return 0;
  }
  uint64_t trips = 0;
  auto start = Clock::now();
  auto end = start + std::chrono::duration<double>(seconds);
  do {
    for (int i = 0; i < batch; ++i, ++trips) trip();
  } while (Clock::now() < end);
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(trips) / elapsed;
}

// The floor's message delivery: a call the compiler may not inline or
// drop, copying one message.
[[gnu::noinline]] void DeliverInMemory(char* to, const char* from) {
  std::memcpy(to, from, kMessage);
  asm volatile("" : : "r"(to) : "memory");
}

// The in-memory floor: per round trip, the message copied to the server
// and back, each by a call. Round trips per second of wall time.
double RunFloor(double seconds) {
  char client[kMessage];
  std::memset(client, 'x', sizeof client);
  char server[kMessage];
  uint64_t trips = 0;
  auto start = Clock::now();
  auto end = start + std::chrono::duration<double>(seconds);
  do {
    for (int i = 0; i < 65536; ++i, ++trips) {
      DeliverInMemory(server, client);
      DeliverInMemory(client, server);
    }
  } while (Clock::now() < end);
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(trips) / elapsed;
}

// The simulated worlds' trace (--trace): off, the hash only, or text
// lines written to /dev/null.
enum class TraceMode { kOff, kHash, kText };
TraceMode g_trace = TraceMode::kOff;

void SetTrace(simsock::sim::World& world) {
  world.trace().SetEnabled(g_trace != TraceMode::kOff);
  if (g_trace == TraceMode::kText) {
    static std::ofstream null("/dev/null");
    world.trace().SetSink(&null);
  }
}

// Connects a client to a listener on 127.0.0.1 and accepts it; returns the
// round trips done in `seconds` of wall time (or does `trips` of them).
double Run(Syscalls& sys, double seconds, long trips = 0) {
  int l = sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (l < 0) Fail("socket", l);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (int r = sys.bind(l, reinterpret_cast<sockaddr*>(&addr), sizeof addr))
    Fail("bind", r);
  if (int r = sys.listen(l, 1)) Fail("listen", r);
  socklen_t len = sizeof addr;
  sys.getsockname(l, reinterpret_cast<sockaddr*>(&addr), &len);
  int c = sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  sys.setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int r = sys.connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (r != -EINPROGRESS && r != 0) Fail("connect", r);
  int s = -EAGAIN;
  for (int tries = 0; s == -EAGAIN && tries < 1000000; ++tries)
    s = sys.accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
  if (s < 0) Fail("accept4", s);
  sys.setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  double rate = Bounce(sys, c, sys, s, seconds, 256, trips);
  sys.close(c);
  sys.close(s);
  sys.close(l);
  return rate;
}

// The bounce between two hosts of a world, with blocking sockets: each
// blocking read, made from outside any simulated thread, runs the world
// until the message has crossed the link. Round trips per wall second.
double RunCrossHost(const char* plan_text, double seconds, long trips = 0) {
  simsock::sim::World world(1);
  SetTrace(world);
  simsock::sim::Host& a = world.AddHost("a", "10.0.0.1");
  simsock::sim::Host& b = world.AddHost("b", "10.0.0.2");
  if (plan_text != nullptr) {
    auto parsed = simsock::faults::ParsePlan(plan_text);
    if (!parsed.ok()) Fail(parsed.error.ToString().c_str(), -EINVAL);
    auto applied = simsock::sim::ApplyPlan(world, *parsed.plan);
    if (!applied.ok()) Fail(applied.error->ToString().c_str(), -EINVAL);
  }
  Syscalls& pa = a.SpawnProcess();
  Syscalls& pb = b.SpawnProcess();
  int l = pb.socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(7);
  if (int r = pb.bind(l, reinterpret_cast<sockaddr*>(&addr), sizeof addr))
    Fail("bind", r);
  if (int r = pb.listen(l, 1)) Fail("listen", r);
  int c = pa.socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  pa.setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  addr.sin_addr.s_addr = htonl(0x0a000002);
  if (int r = pa.connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr))
    Fail("connect", r);
  int s = pb.accept4(l, nullptr, nullptr, 0);
  if (s < 0) Fail("accept4", s);
  pb.setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return Bounce(pa, c, pb, s, seconds, 64, trips);
}

// One simulated host's loopback ping-pong, as main measures it.
double RunLoopbackSim(double seconds, long trips = 0) {
  simsock::sim::World world(1);
  SetTrace(world);
  simsock::sim::Host& host = world.AddHost("bench", "10.0.0.1");
  simsock::sim::Process& proc = host.SpawnProcess();
  return Run(proc, seconds, trips);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 1.0;
  long trips = 0;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (arg == "--trips" && i + 1 < argc) {
      trips = std::atol(argv[++i]);
    } else if (arg == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else if (arg == "--trace" && i + 1 < argc) {
      const std::string mode = argv[++i];
      if (mode == "off") {
        g_trace = TraceMode::kOff;
      } else if (mode == "hash") {
        g_trace = TraceMode::kHash;
      } else if (mode == "text") {
        g_trace = TraceMode::kText;
      } else {
        std::fprintf(stderr, "pingpong: --trace is off, hash or text\n");
        return 2;
      }
    } else {
      std::fprintf(stderr,
                   "usage: pingpong [--seconds S] | --trips N "
                   "[--only loopback|hosts] [--trace off|hash|text]\n");
      return 2;
    }
  }
  if (seconds <= 0 || seconds > 60) seconds = 1.0;
  if (trips < 0 || trips > 100000000 ||
      (!only.empty() && only != "loopback" && only != "hosts")) {
    std::fprintf(stderr, "pingpong: bad --trips or --only\n");
    return 2;
  }
  if (trips > 0) {
    if (only.empty() || only == "loopback") RunLoopbackSim(seconds, trips);
    if (only.empty() || only == "hosts") RunCrossHost(nullptr, seconds, trips);
    std::printf("pingpong: %ld simulated round trips done\n", trips);
    return 0;
  }

  simsock::sys::LinuxSyscalls real;
  double real_rate = Run(real, seconds);

  double sim_rate = RunLoopbackSim(seconds);
  double floor_rate = RunFloor(seconds);

  std::printf("pingpong, %zu-byte messages, %.1f s per backend\n", kMessage,
              seconds);
  std::printf("  real loopback:   %12.0f round trips/s\n", real_rate);
  std::printf("  simulator:       %12.0f round trips/s\n", sim_rate);
  std::printf(
      "  in-memory floor: %12.0f round trips/s (a call and a %zu B "
      "memcpy each way)\n",
      floor_rate, kMessage);
  std::printf("  ratio sim/real: %.2f (target >= 40)\n", sim_rate / real_rate);
  std::printf("  ratio sim/floor: %.5f (1/%.0f)\n", sim_rate / floor_rate,
              floor_rate / sim_rate);

  // Interleaved, best of three each: a shared machine's noise hits both.
  double bare = 0, planned = 0;
  for (int round = 0; round < 3; ++round) {
    bare = std::max(bare, RunCrossHost(nullptr, seconds / 3));
    planned = std::max(
        planned, RunCrossHost("from 0s loss 0 a <-> b; from 0s duplicate 0 "
                              "a <-> b; from 0s delay 0s a <-> b",
                              seconds / 3));
  }
  std::printf("two simulated hosts, %zu-byte messages\n", kMessage);
  std::printf("  no fault plan:          %12.0f round trips/s\n", bare);
  std::printf("  plan that never strikes:%12.0f round trips/s\n", planned);
  std::printf("  ratio planned/bare: %.2f\n", planned / bare);
  return 0;
}
