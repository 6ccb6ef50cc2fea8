// Determinism properties of the simulated world.
//
// A random scenario: 1-3 hosts with random latencies between them, one echo
// server (a simulated thread accepting with a random backlog and one thread
// per connection), and 1-5 client threads on random hosts, each connecting,
// writing random chunks, half-closing and reading its echo back, all with
// blocking calls under the FIFO or the random scheduler policy.
//
//  - SameSeedSameTrace: two runs with one seed give byte-identical traces
//    (hash and every line) and identical observations.
//  - RandomPolicyVariesInterleavings: under the random policy, different
//    seeds give different interleavings (at least two distinct thread
//    orders over 12 seeds with 3+ clients), and in every run every client
//    gets exactly its bytes back, every thread finishes, nothing deadlocks,
//    and after 61 s nothing is left in the connection or port tables.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "props/prop_util.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/scheduler.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::props {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr uint16_t kServerPort = 8000;

struct Client {
  int host = 0;
  bool via_loopback = false;  // only when on the server's host
  std::vector<int> chunks;    // bytes per write
};

struct Scenario {
  int hosts = 1;
  std::vector<int> latency_us;  // per host pair (a < b), in order
  int backlog = 0;
  std::vector<Client> clients;
  bool random_policy = false;
};

void showValue(const Scenario& s, std::ostream& os) {
  os << "hosts " << s.hosts << ", latencies(us)";
  for (int l : s.latency_us) os << " " << l;
  os << ", backlog " << s.backlog << ", policy "
     << (s.random_policy ? "random" : "fifo") << ", clients:";
  for (const Client& c : s.clients) {
    os << " [h" << c.host << (c.via_loopback ? " lo" : "") << " writes";
    for (int n : c.chunks) os << " " << n;
    os << "]";
  }
}

rc::Gen<Scenario> GenScenario(int min_clients, rc::Gen<bool> random_policy) {
  return rc::gen::exec([=] {
    Scenario s;
    s.hosts = *rc::gen::inRange(1, 4);
    for (int i = 0; i < s.hosts * (s.hosts - 1) / 2; ++i) {
      s.latency_us.push_back(*rc::gen::inRange(0, 5000));
    }
    s.backlog = *rc::gen::inRange(0, 6);
    int n = *rc::gen::inRange(min_clients, 6);
    for (int i = 0; i < n; ++i) {
      Client c;
      c.host = *rc::gen::inRange(0, s.hosts);
      c.via_loopback = c.host == 0 && *rc::gen::arbitrary<bool>();
      c.chunks = *rc::gen::container<std::vector<int>>(
          *rc::gen::inRange(1, 5), rc::gen::inRange(1, 3000));
      s.clients.push_back(c);
    }
    s.random_policy = *random_policy;
    return s;
  });
}

struct Run {
  uint64_t hash = 0;
  std::vector<std::string> trace;
  std::vector<std::string> observed;  // what the program saw, in order
  std::vector<int> order;             // thread ids, in the order they ran
  bool ok = true;                     // every invariant held
  std::string why;
};

void Fail(Run& run, const std::string& why) {
  if (run.ok) run.why = why;
  run.ok = false;
}

Run RunScenario(const Scenario& sc, uint64_t seed) {
  Run run;
  sim::World world(seed);
  world.trace().KeepLines(true);
  world.scheduler().set_policy(sc.random_policy
                                   ? sim::Scheduler::Policy::kRandom
                                   : sim::Scheduler::Policy::kFifo);
  std::vector<sim::Host*> hosts;
  for (int h = 0; h < sc.hosts; ++h) {
    hosts.push_back(&world.AddHost("h" + std::to_string(h), HostIpStr(h)));
  }
  size_t k = 0;
  for (int a = 0; a < sc.hosts; ++a) {
    for (int b = a + 1; b < sc.hosts; ++b) {
      world.network().SetLatency(*hosts[a], *hosts[b],
                                 microseconds(sc.latency_us[k++]));
    }
  }
  sim::Process& server = hosts[0]->SpawnProcess();
  int nclients = static_cast<int>(sc.clients.size());
  auto note = [&run](const std::string& s) { run.observed.push_back(s); };

  // The listener exists before any thread runs; the server thread accepts
  // every client and starts one echo thread per connection.
  int l = server.socket(AF_INET, SOCK_STREAM, 0);
  if (Bind(server, l, kAnyAddr, kServerPort) != 0 ||
      server.listen(l, sc.backlog) != 0) {
    Fail(run, "server setup failed");
  }
  server.Spawn(
      [&, nclients, l] {
        run.order.push_back(0);
        for (int i = 0; i < nclients; ++i) {
          int c = server.accept4(l, nullptr, nullptr, 0);
          note("accept " + ResultStr(c));
          if (c < 0) {
            Fail(run, "accept failed: " + ResultStr(c));
            return;
          }
          server.Spawn([&, c] {
            std::vector<char> buf(4096);
            for (int round = 0; round < 10000; ++round) {
              ssize_t r = server.read(c, buf.data(), buf.size());
              if (r <= 0) {
                if (r < 0) Fail(run, "echo read " + ResultStr(r));
                break;
              }
              ssize_t w = server.write(c, buf.data(), static_cast<size_t>(r));
              if (w != r) Fail(run, "echo write " + ResultStr(w));
            }
            server.close(c);
          });
        }
        server.close(l);
      },
      "server");

  for (int i = 0; i < nclients; ++i) {
    const Client& cl = sc.clients[i];
    sim::Process& p = hosts[cl.host]->SpawnProcess();
    p.Spawn(
        [&, i, cl] {
          run.order.push_back(i + 1);
          int fd = p.socket(AF_INET, SOCK_STREAM, 0);
          int r = Connect(p, fd, cl.via_loopback ? kLoopback : HostIp(0),
                          kServerPort);
          note("client " + std::to_string(i) + " connect " + ResultStr(r));
          if (r != 0) {
            Fail(run, "connect failed: " + ResultStr(r));
            p.close(fd);
            return;
          }
          int64_t sent = 0;
          for (int n : cl.chunks) {
            std::vector<char> buf(n);
            for (int j = 0; j < n; ++j) buf[j] = PatternByte(i, 0, sent + j);
            ssize_t w = p.write(fd, buf.data(), buf.size());
            run.order.push_back(i + 1);
            if (w != n) Fail(run, "client write " + ResultStr(w));
            sent += n;
          }
          p.shutdown(fd, SHUT_WR);
          int64_t got = 0;
          std::vector<char> buf(1500);
          for (int round = 0; round < 10000; ++round) {
            ssize_t rd = p.read(fd, buf.data(), buf.size());
            run.order.push_back(i + 1);
            if (rd <= 0) {
              if (rd < 0) Fail(run, "client read " + ResultStr(rd));
              break;
            }
            for (ssize_t j = 0; j < rd; ++j) {
              if (buf[j] != PatternByte(i, 0, got + j)) {
                Fail(run, "client " + std::to_string(i) + " echo byte " +
                              std::to_string(got + j) + " differs");
              }
            }
            got += rd;
          }
          note("client " + std::to_string(i) + " got " + std::to_string(got) +
               " of " + std::to_string(sent));
          if (got != sent) Fail(run, "echo incomplete");
          p.close(fd);
        },
        "client" + std::to_string(i));
  }

  world.RunFor(seconds(30));
  if (world.scheduler().live_threads() != 0) {
    Fail(run, std::to_string(world.scheduler().live_threads()) +
                  " threads still alive after 30 s");
  }
  world.RunFor(seconds(61));
  for (sim::Host* h : hosts) {
    if (h->connection_count() != 0 || h->tcp_ports().size() != 0) {
      Fail(run, "host " + h->name() + " leaks connections or ports");
    }
  }
  run.hash = world.trace().hash();
  run.trace = world.trace().lines();
  return run;
}

RC_GTEST_PROP(DeterminismProp, SameSeedSameTrace, ()) {
  Scenario sc = *GenScenario(1, rc::gen::arbitrary<bool>());
  uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  RC_LOG() << ReplayHint(seed) << "\n";
  Run a = RunScenario(sc, seed);
  Run b = RunScenario(sc, seed);
  if (!a.ok) RC_LOG() << "invariant: " << a.why << "\n";
  RC_ASSERT(a.ok);
  RC_ASSERT(a.trace.size() > 10u);
  RC_ASSERT(a.hash == b.hash);
  if (a.trace != b.trace) {
    for (size_t i = 0; i < std::min(a.trace.size(), b.trace.size()); ++i) {
      if (a.trace[i] != b.trace[i]) {
        RC_LOG() << "first difference at line " << i << ":\n  " << a.trace[i]
                 << "\n  " << b.trace[i] << "\n";
        break;
      }
    }
  }
  RC_ASSERT(a.trace == b.trace);
  RC_ASSERT(a.observed == b.observed);
  RC_ASSERT(a.order == b.order);
}

RC_GTEST_PROP(DeterminismProp, RandomPolicyVariesInterleavings, ()) {
  Scenario sc = *GenScenario(3, rc::gen::just(true));
  uint64_t seed = *rc::gen::inRange<uint64_t>(0, uint64_t{1} << 40);
  RC_LOG() << ReplayHint(seed) << " (and the 11 seeds after it)\n";
  std::set<std::vector<int>> orders;
  for (uint64_t s = seed; s < seed + 12; ++s) {
    Run run = RunScenario(sc, s);
    if (!run.ok) RC_LOG() << "seed " << s << ": " << run.why << "\n";
    RC_ASSERT(run.ok);
    orders.insert(run.order);
  }
  RC_ASSERT(orders.size() >= 2u);
}

}  // namespace
}  // namespace simsock::props
