// sim_scale: how the simulator holds up as a world grows (issue 10). Each
// section runs in its own child process (a fresh heap) and prints readable
// lines and "csv,<section>,<series>,<x>,<value>" lines that
// tools/plot_bench.py turns into docs/performance.png.
//
//   pingpong   64 B ping-pong between a server host and client hosts (500 us
//              one way, trace off) at 10 ... 100 000 connections, and the
//              real loopback's single connection for reference
//   lifecycle  socket, connect, accept, 64 B each way, close, TIME_WAIT
//              expiring; per connection, simulated at 1 000 and 100 000 and
//              on the real loopback (smaller N: the same program on
//              LinuxSyscalls)
//   memory     bytes per idle established connection (both ends): the heap
//              bytes in use that establishing them added (the world and
//              its hosts built before), and RSS all told
//   echo       the echo example's world, 10 000 clients, one simulated hour
//   trace      the ping-pong with the trace off, on with no sink, and on with
//              a text sink
//
//   sim_scale [--short] [--section NAME] [--million] [--seconds S]
//             [--clients N] [--minutes M]
//
// --short (or SIMSOCK_BENCH_SHORT=1 in the environment) runs smaller
// worlds in a few seconds (the ctest `bench` label); --million adds a world
// of 1 000 000 established connections to the memory section (several GB).
// --clients and --minutes size the echo world (callgrind-sized runs, and
// the cost per exchange at two sizes: anything O(N) per event shows).
// Timing is printed, never checked: the exit status only says whether the
// programs ran.
#include <fcntl.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <vector>

#include "bench/sim_bench_util.h"
#include "examples/echo/echo_world.h"
#include "simsock/net/sys/linux_syscalls.h"
#include "simsock/sim/inet/inet_stack.h"
#include "simsock/sim/inet/tcp_socket.h"
#include "simsock/sim/inet/tcp_time_wait.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/sim/tcp/tcb.h"

namespace simsock::bench {
namespace {

constexpr size_t kMessage = 64;
constexpr uint32_t kServerIp = 0x0a000001;  // 10.0.0.1
constexpr uint16_t kServerPort = 7;

struct Options {
  bool short_mode = false;
  bool million = false;
  double seconds = 1.0;
  std::string section;
  int echo_clients = 0;     // 0: 10 000 (1 000 with --short)
  double echo_minutes = 0;  // 0: 60 (5 with --short)
};

bool g_ok = true;

// A section's part in its own process; a failure is remembered for the
// exit status.
void Child(const std::function<void()>& f) {
  if (!InChild(f)) g_ok = false;
}

void Csv(const char* section, const char* series, double x, double value) {
  std::printf("csv,%s,%s,%.0f,%.6g\n", section, series, x, value);
}

// A server host and client hosts 10.0.1.1, 10.0.1.2, ... with `per_host`
// connections each (the ephemeral range holds 28 232 ports per destination).
struct Mesh;
double PingPongWindow(Mesh& m, double seconds);

struct Mesh {
  struct Conn {
    sys::Syscalls* client;
    int cfd;
    int sfd;
  };
  std::unique_ptr<sim::World> world;
  sim::Process* server = nullptr;
  std::vector<sim::Process*> clients;
  std::vector<Conn> conns;
  int listener = -1;
};

void BuildHosts(Mesh& m, int client_hosts, bool trace) {
  m.world = std::make_unique<sim::World>(1);
  m.world->trace().SetEnabled(trace);
  // Room for a million fds in one process (RLIMIT_NOFILE).
  auto spawn = [&](const std::string& name, const std::string& ip) {
    sim::Host& h = m.world->AddHost(name, ip);
    h.settings().nofile_limit = 1 << 21;
    return &h.SpawnProcess();
  };
  m.server = spawn("server", "10.0.0.1");
  for (int h = 0; h < client_hosts; ++h) {
    m.clients.push_back(spawn("client" + std::to_string(h),
                              "10.0." + std::to_string(1 + h / 250) + "." +
                                  std::to_string(1 + h % 250)));
  }
}

// The world for n connections: the server with its listener and a client
// host per `per_host` connections, and room for n in m.conns.
void Prepare(Mesh& m, int n, int per_host, bool trace) {
  BuildHosts(m, (n + per_host - 1) / per_host, trace);
  sockaddr_in bound;
  m.listener = Listener(*m.server, 0, kServerPort, true, &bound);
  m.conns.reserve(static_cast<size_t>(n));
}

// Establishes n nonblocking connections in a world Prepare made, in
// batches within the listen backlog: each batch connects, runs the world
// one round trip, accepts.
void Establish(Mesh& m, int n, int per_host) {
  sockaddr_in to = Addr(kServerIp, kServerPort);
  constexpr int kBatch = 2000;
  for (int done = 0; done < n;) {
    int batch = std::min(kBatch, n - done);
    for (int i = 0; i < batch; ++i) {
      sys::Syscalls& c = *m.clients[static_cast<size_t>((done + i) / per_host)];
      int fd = c.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (fd < 0) Fail("socket", fd);
      NoDelay(c, fd);
      int r = c.connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
      if (r != -EINPROGRESS) Fail("connect", r);
      m.conns.push_back({&c, fd, -1});
    }
    m.world->RunFor(std::chrono::milliseconds(2));
    for (int i = 0; i < batch; ++i) {
      int s = m.server->accept4(m.listener, nullptr, nullptr, SOCK_NONBLOCK);
      if (s < 0) Fail("accept4", s);
      NoDelay(*m.server, s);
      // The server accepts in the order the SYNs arrived; which client fd
      // it pairs with does not matter to a ping-pong of equal messages.
      m.conns[static_cast<size_t>(done + i)].sfd = s;
    }
    done += batch;
  }
}

void Connect(Mesh& m, int n, int per_host, bool trace = false) {
  Prepare(m, n, per_host, trace);
  Establish(m, n, per_host);
}

// Rounds of one 64 B round trip on every connection, in three windows of
// `seconds` / 3 of wall time (at least one round each); round trips per
// second in the best window (a shared machine's noise only slows).
double PingPong(Mesh& m, double seconds) {
  double best = 0;
  for (int window = 0; window < 3; ++window)
    best = std::max(best, PingPongWindow(m, seconds / 3));
  return best;
}

double PingPongWindow(Mesh& m, double seconds) {
  char msg[kMessage];
  std::memset(msg, 'x', sizeof msg);
  char buf[kMessage];
  uint64_t trips = 0;
  auto start = Clock::now();
  for (int round = 0; round < 1 || Seconds(start) < seconds; ++round) {
    for (auto& c : m.conns) WriteExact(*c.client, c.cfd, msg, kMessage);
    m.world->RunFor(std::chrono::milliseconds(1));
    for (auto& c : m.conns) {
      ReadExact(*m.server, c.sfd, buf, kMessage);
      WriteExact(*m.server, c.sfd, buf, kMessage);
    }
    m.world->RunFor(std::chrono::milliseconds(1));
    for (auto& c : m.conns) ReadExact(*c.client, c.cfd, buf, kMessage);
    trips += m.conns.size();
  }
  return static_cast<double>(trips) / Seconds(start);
}

// The real loopback's 64 B ping-pong on one connection, blocking sockets.
double RealPingPong(double seconds) {
  sys::LinuxSyscalls s;
  sockaddr_in a;
  int l = Listener(s, 0x7f000001, 0, false, &a);
  int c = s.socket(AF_INET, SOCK_STREAM, 0);
  if (int r = s.connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a))
    Fail("connect", r);
  int d = s.accept4(l, nullptr, nullptr, 0);
  if (d < 0) Fail("accept4", d);
  NoDelay(s, c);
  NoDelay(s, d);
  char buf[kMessage] = {};
  double rate = 0;  // the best of three windows, as PingPong
  for (int window = 0; window < 3; ++window) {
    uint64_t trips = 0;
    auto start = Clock::now();
    while (Seconds(start) < seconds / 3) {
      for (int i = 0; i < 256; ++i, ++trips) {
        WriteExact(s, c, buf, kMessage);
        ReadExact(s, d, buf, kMessage);
        WriteExact(s, d, buf, kMessage);
        ReadExact(s, c, buf, kMessage);
      }
    }
    rate = std::max(rate, static_cast<double>(trips) / Seconds(start));
  }
  s.close(c);
  s.close(d);
  s.close(l);
  return rate;
}

// Reads one double a child section wrote to a pipe.
struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (pipe(fd) != 0) Fail("pipe", -errno);
  }
  ~Pipe() {
    close(fd[0]);
    close(fd[1]);
  }
  void Put(double v) const {
    if (write(fd[1], &v, sizeof v) != sizeof v) std::_Exit(1);
  }
  double Get() const {
    double v = 0;
    int fl = fcntl(fd[0], F_GETFL);
    fcntl(fd[0], F_SETFL, fl | O_NONBLOCK);
    if (read(fd[0], &v, sizeof v) != sizeof v) return 0;
    return v;
  }
};

void SectionPingPong(const Options& o) {
  std::printf(
      "\n== ping-pong, 64 B, two hosts' worth of links (500 us one "
      "way), trace off ==\n");
  Pipe p;
  Child([&] { p.Put(RealPingPong(o.seconds)); });
  double real = p.Get();
  std::printf("  real loopback, 1 connection: %10.0f round trips/s\n", real);
  Csv("pingpong", "real", 1, real);
  std::vector<int> counts = o.short_mode
                                ? std::vector<int>{10, 1000, 10000}
                                : std::vector<int>{10, 1000, 10000, 100000};
  double at10 = 0;
  for (int n : counts) {
    Pipe q;
    Child([&] {
      Mesh m;
      auto t0 = Clock::now();
      Connect(m, n, 10000);
      double setup = Seconds(t0);
      double rate = PingPong(m, o.seconds);
      std::printf(
          "  %6d connections: %10.0f round trips/s  (setup %.2f s, "
          "%.0f connects/s)\n",
          n, rate, setup, n / setup);
      q.Put(rate);
    });
    double rate = q.Get();
    if (n == 10) at10 = rate;
    Csv("pingpong", "sim", n, rate);
    if (at10 > 0)
      std::printf(
          "    ratio to 10 connections: %.2f (target at 100 000: >= "
          "0.5)\n",
          rate / at10);
  }
  if (real > 0 && at10 > 0)
    std::printf(
        "  two hosts, 10 connections / real loopback: %.1fx (target "
        ">= 20)\n",
        at10 / real);
}

// socket, connect, accept, 64 B each way, close (client first; the server
// closes when it reads the end of the stream), one connection after the other
// with blocking sockets; `clients` are used in turn. Returns seconds.
double Lifecycle(const std::vector<sys::Syscalls*>& clients,
                 sys::Syscalls& server, int listener, sockaddr_in to, int n) {
  char buf[kMessage] = {};
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    sys::Syscalls& c = *clients[static_cast<size_t>(i) % clients.size()];
    int fd = c.socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) Fail("socket", fd);
    if (int r = c.connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to))
      Fail("connect", r);
    int s = server.accept4(listener, nullptr, nullptr, 0);
    if (s < 0) Fail("accept4", s);
    WriteExact(c, fd, buf, kMessage);
    ReadExact(server, s, buf, kMessage);
    WriteExact(server, s, buf, kMessage);
    ReadExact(c, fd, buf, kMessage);
    c.close(fd);
    // The server reads the end of the stream, then closes: the client's
    // side keeps the TIME_WAIT, the server's goes through LAST_ACK.
    if (ssize_t r = server.read(s, buf, kMessage); r != 0) Fail("read EOF", r);
    server.close(s);
  }
  return Seconds(start);
}

void SectionLifecycle(const Options& o) {
  std::printf(
      "\n== connection lifecycle (socket .. TIME_WAIT expired), per "
      "connection ==\n");
  int real_n = o.short_mode ? 200 : 1000;
  Pipe p;
  Child([&] {
    sys::LinuxSyscalls s;
    sockaddr_in a;
    int l = Listener(s, 0x7f000001, 0, false, &a);
    p.Put(Lifecycle({&s}, s, l, a, real_n) / real_n);
    s.close(l);
  });
  double real = p.Get();
  std::printf("  real loopback, %d connections: %8.2f us each\n", real_n,
              real * 1e6);
  Csv("lifecycle", "real", real_n, real * 1e6);
  std::vector<int> counts = o.short_mode ? std::vector<int>{1000, 10000}
                                         : std::vector<int>{1000, 100000};
  double first = 0;
  for (int n : counts) {
    Pipe q;
    Child([&] {
      Mesh m;
      BuildHosts(m, 10, false);
      sockaddr_in a;
      int l = Listener(*m.server, 0, kServerPort, false, &a);
      std::vector<sys::Syscalls*> clients(m.clients.begin(), m.clients.end());
      auto t0 = Clock::now();
      Lifecycle(clients, *m.server, l, Addr(kServerIp, kServerPort), n);
      // TIME_WAIT (60 s) runs out, and every table empties.
      m.world->RunFor(std::chrono::seconds(61));
      double total = Seconds(t0);
      for (sim::Process* c : m.clients)
        if (c->host().stack().connection_count() != 0)
          Fail("TIME_WAIT left behind", -EBUSY);
      q.Put(total / n);
    });
    double cost = q.Get();
    if (first == 0) first = cost;
    std::printf(
        "  simulated, %6d connections: %8.2f us each  (%.1fx the "
        "real loopback; %.2fx the cost at %d)\n",
        n, cost * 1e6, real / cost, cost / first, counts[0]);
    Csv("lifecycle", "sim", n, cost * 1e6);
  }
  std::printf(
      "  targets: >= 30x real; cost at 100 000 <= 2x the cost at "
      "1 000\n");
}

void SectionMemory(const Options& o) {
  std::printf("\n== memory per idle established connection (both ends) ==\n");
  // The per-connection objects' own sizes, before what they allocate (a
  // TcpSocket holds its tcp::Tcb inside: not one more allocation).
  std::printf(
      "  sizeof: TcpSocket %zu B (its tcp::Tcb inside), tcp::Tcb %zu B, "
      "TcpTimeWait %zu B\n",
      sizeof(sim::TcpSocket), sizeof(sim::tcp::Tcb), sizeof(sim::TcpTimeWait));
  std::vector<int> counts =
      o.short_mode ? std::vector<int>{10000} : std::vector<int>{10000, 100000};
  if (o.million) counts.push_back(1000000);
  for (int n : counts) {
    Child([&] {
      const double rss_before = RssBytes();
      Mesh m;
      auto t0 = Clock::now();
      Prepare(m, n, 25000, false);
      const double heap_world = HeapInUseBytes();
      Establish(m, n, 25000);
      const double heap = (HeapInUseBytes() - heap_world) / n;
      const double rss = RssBytes();
      const double rss_per = (rss - rss_before) / n;
      std::printf(
          "  %7d connections: %6.0f B per connection in use (target <= "
          "2048); RSS %7.1f MiB, %6.0f B per connection all told (setup "
          "%.1f s)\n",
          n, heap, rss / (1 << 20), rss_per, Seconds(t0));
      Csv("memory", "per_connection", n, heap);
      Csv("memory", "rss_per_connection", n, rss_per);
      Csv("memory", "rss_mib", n, rss / (1 << 20));
    });
  }
}

void SectionEcho(const Options& o) {
  echo::EchoWorldOptions opts;
  opts.clients = o.echo_clients > 0 ? o.echo_clients
                 : o.short_mode     ? 1000
                                    : 10000;
  const double minutes = o.echo_minutes > 0 ? o.echo_minutes
                         : o.short_mode     ? 5
                                            : 60;
  opts.run_for = std::chrono::duration_cast<sim::Duration>(
      std::chrono::duration<double, std::ratio<60>>(minutes));
  opts.settle = false;
  // The workload: every client exchanges every 30 s for the whole
  // hour, the server renewing its read deadline per read (the seed's
  // server sets it once, and would cut every client off after 2 minutes).
  opts.renew_deadline_per_read = true;
  std::printf(
      "\n== time compression: echo world, %d clients, %lld simulated "
      "s ==\n",
      opts.clients,
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::seconds>(opts.run_for)
              .count()));
  Child([&] {
    auto t0 = Clock::now();
    echo::EchoWorldResult r = echo::RunEchoWorld(opts);
    double wall = Seconds(t0);
    double sim_s = std::chrono::duration<double>(opts.run_for).count();
    // The work done: each client's replies (one every 30 s, the first at
    // connection), so a world whose clients were cut off shows it.
    const auto replies = std::count_if(
        r.timeline.begin(), r.timeline.end(),
        [](const echo::TimelineEntry& e) { return e.line == "hello, client"; });
    std::printf(
        "  wall %.2f s, %.0fx real time, RSS %.0f MiB, %zu timeline "
        "lines, %ld replies to clients (%.1f per client, %.2f us each) "
        "(target: 10 000 clients, 1 h, <= 10 s)\n",
        wall, sim_s / wall, RssBytes() / (1 << 20), r.timeline.size(),
        static_cast<long>(replies), static_cast<double>(replies) / opts.clients,
        replies > 0 ? wall * 1e6 / static_cast<double>(replies) : 0.0);
    Csv("echo", "wall_s", opts.clients, wall);
  });
}

void SectionTrace(const Options& o) {
  std::printf("\n== trace cost: ping-pong, 10 connections ==\n");
  double rates[3] = {};
  const char* names[3] = {"off", "no_sink", "text_sink"};
  for (int mode = 0; mode < 3; ++mode) {
    Pipe p;
    Child([&] {
      Mesh m;
      Connect(m, 10, 10000, /*trace=*/mode > 0);
      std::ofstream null("/dev/null");
      if (mode == 2) m.world->trace().SetSink(&null);
      p.Put(PingPong(m, o.seconds));
      m.world->trace().SetSink(nullptr);
    });
    rates[mode] = p.Get();
    std::printf("  %-10s %10.0f round trips/s\n", names[mode], rates[mode]);
    Csv("trace", names[mode], mode, rates[mode]);
  }
  if (rates[1] > 0 && rates[2] > 0)
    std::printf(
        "  cost of no sink / trace off: %.2fx; text sink / no sink: "
        "%.2fx (target <= 2)\n",
        rates[0] / rates[1], rates[1] / rates[2]);
}

}  // namespace
}  // namespace simsock::bench

int main(int argc, char** argv) {
  using namespace simsock::bench;
  Options o;
  if (const char* e = std::getenv("SIMSOCK_BENCH_SHORT"); e && *e == '1')
    o.short_mode = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--short") {
      o.short_mode = true;
    } else if (a == "--million") {
      o.million = true;
    } else if (a == "--section" && i + 1 < argc) {
      o.section = argv[++i];
    } else if (a == "--seconds" && i + 1 < argc) {
      o.seconds = std::atof(argv[++i]);
    } else if (a == "--clients" && i + 1 < argc) {
      o.echo_clients = std::atoi(argv[++i]);
    } else if (a == "--minutes" && i + 1 < argc) {
      o.echo_minutes = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: sim_scale [--short] [--section pingpong|lifecycle|"
                   "memory|echo|trace] [--million] [--seconds S] "
                   "[--clients N] [--minutes M]\n");
      return 2;
    }
  }
  if (!(o.seconds > 0 && o.seconds <= 60)) o.seconds = 1.0;
  if (o.short_mode) o.seconds = std::min(o.seconds, 0.3);
  std::printf("sim_scale%s\n", o.short_mode ? " (short)" : "");
  struct Section {
    const char* name;
    void (*run)(const Options&);
  };
  const Section sections[] = {{"pingpong", SectionPingPong},
                              {"lifecycle", SectionLifecycle},
                              {"memory", SectionMemory},
                              {"echo", SectionEcho},
                              {"trace", SectionTrace}};
  bool any = false;
  for (const Section& s : sections) {
    if (!o.section.empty() && o.section != s.name) continue;
    any = true;
    s.run(o);
  }
  if (!any) {
    std::fprintf(stderr, "sim_scale: no section %s\n", o.section.c_str());
    return 2;
  }
  return g_ok ? 0 : 1;
}
