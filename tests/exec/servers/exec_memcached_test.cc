// Debian's memcached, unmodified, with 4 worker threads (`memcached -t 4`)
// on a simulated host under simsock exec (docs/exec.md, "Threads"), served
// to a small C++ client on another host that stores and reads back keys
// (memcached's text protocol: set / get). The binary is Debian's, unpacked
// by tools/install_servers.sh (servers.h).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>
#include <vector>

#include "simsock/exec/exec_scenario.h"
#include "simsock/net/sys/syscalls.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "tests/exec/servers/servers.h"
#include "tests/exec/world_fixture.h"

namespace simsock::exec {
namespace {

// Reads from fd until `buf` ends with `end` (or holds "ERROR"): false on
// EOF or an error. Bounded by the reply sizes of this client.
bool ReadUntil(sys::Syscalls& calls, int fd, const std::string& end,
               std::string* buf) {
  char chunk[512];
  while (buf->size() < 64 * 1024) {
    if (buf->size() >= end.size() &&
        buf->compare(buf->size() - end.size(), end.size(), end) == 0) {
      return true;
    }
    if (buf->find("ERROR") != std::string::npos) return false;
    const ssize_t n = calls.read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buf->append(chunk, static_cast<size_t>(n));
  }
  return false;
}

// memcache-client IP PORT COUNT: `set key<i>` then `get key<i>` for each
// i; counts "mc stored" and "mc hits", a wrong reply is a violation.
void MemcacheClient(experiment::RunContext& ctx, sim::Host& host,
                    const std::vector<std::string>& args) {
  if (args.size() != 3) {
    ctx.Fail("memcache-client IP PORT COUNT: bad arguments");
    return;
  }
  sim::Process& p = host.SpawnProcess();
  sys::Syscalls& calls = ctx.Tap(p);
  const std::string ip = args[0];
  const int port = std::stoi(args[1]);
  const int count = std::stoi(args[2]);
  p.Spawn(
      [&calls, &ctx, ip, port, count] {
        // memcached needs a moment to listen; retry the connect.
        int fd = -1;
        for (int attempt = 0; attempt < 20 && fd < 0; ++attempt) {
          calls.nanosleep_ns(100'000'000);
          fd = calls.socket(AF_INET, SOCK_STREAM, 0);
          sockaddr_in a{};
          a.sin_family = AF_INET;
          a.sin_port = htons(static_cast<uint16_t>(port));
          ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
          if (calls.connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) !=
              0) {
            calls.close(fd);
            fd = -1;
          }
        }
        if (fd < 0) {
          ctx.Violate("memcache", "no connection to memcached");
          return;
        }
        for (int i = 0; i < count; ++i) {
          const std::string key = "key" + std::to_string(i);
          const std::string value = "value-" + std::to_string(i * 7919);
          const std::string set = "set " + key + " 0 0 " +
                                  std::to_string(value.size()) + "\r\n" +
                                  value + "\r\n";
          std::string reply;
          if (calls.write(fd, set.data(), set.size()) !=
                  static_cast<ssize_t>(set.size()) ||
              !ReadUntil(calls, fd, "\r\n", &reply) || reply != "STORED\r\n") {
            ctx.Violate("memcache", key + ": set gave \"" + reply + "\"");
            break;
          }
          ctx.Count("mc stored");
          const std::string get = "get " + key + "\r\n";
          const std::string want = "VALUE " + key + " 0 " +
                                   std::to_string(value.size()) + "\r\n" +
                                   value + "\r\nEND\r\n";
          reply.clear();
          if (calls.write(fd, get.data(), get.size()) !=
                  static_cast<ssize_t>(get.size()) ||
              !ReadUntil(calls, fd, "END\r\n", &reply) || reply != want) {
            ctx.Violate("memcache", key + ": get gave \"" + reply + "\"");
            break;
          }
          ctx.Count("mc hits");
        }
        calls.close(fd);
      },
      "memcache_client");
}

class ExecMemcached : public exec_test::ExecWorldTest {
 protected:
  void SetUp() override {
    ExecWorldTest::SetUp();
    RegisterBuiltinProgram("memcache-client", MemcacheClient);
  }

  experiment::RunResult RunMemcached(uint64_t seed, const std::string& trace,
                                     const std::string& plan = "") {
    // -u root: memcached refuses to run as root without it (the tests may).
    experiment::Scenario s = World(
        "host server 10.0.0.1\nhost client1 10.0.0.2\n"
        "latency client1 server 2ms\n"
        "exec server " +
        exec_test::ServersBin() +
        "/memcached -t 4 -p 11211 -U 0 -u root -l 10.0.0.1\n"
        "run client1 memcache-client 10.0.0.1 11211 20\n"
        "budget 20s\n");
    return Run(s, seed, plan, trace);
  }
};

// memcached -t 4 stores and returns 20 keys; its threads (the main event
// loop, 4 workers, the LRU and hash maintainers) run one at a time, and
// the same seed gives the same trace.
TEST_F(ExecMemcached, FourThreadsServeSetAndGet) {
  ASSERT_FALSE(exec_test::ServersBin().empty());
  experiment::RunResult a = RunMemcached(4, dir_ + "/a.trace");
  const std::string v = Violations(a);
  EXPECT_TRUE(a.ok()) << v;
  EXPECT_EQ(a.summary.counters["mc stored"], 20u) << v;
  EXPECT_EQ(a.summary.counters["mc hits"], 20u) << v;
  experiment::RunResult b = RunMemcached(4, dir_ + "/b.trace");
  EXPECT_EQ(a.summary.trace_hash, b.summary.trace_hash);
}

// Under 20% loss both ways the replies are the same (TCP retransmits);
// memcached's threads see only delays.
TEST_F(ExecMemcached, SameRepliesUnderLoss) {
  ASSERT_FALSE(exec_test::ServersBin().empty());
  experiment::RunResult r =
      RunMemcached(9, "", "from 0s to 10s loss 0.2 client1 <-> server\n");
  const std::string v = Violations(r);
  EXPECT_TRUE(r.ok()) << v;
  EXPECT_GT(r.summary.faults_injected, 0u);
  EXPECT_EQ(r.summary.counters["mc stored"], 20u) << v;
  EXPECT_EQ(r.summary.counters["mc hits"], 20u) << v;
}

}  // namespace
}  // namespace simsock::exec
