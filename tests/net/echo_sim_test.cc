// The seed's story in virtual time (issue 3 §4): clients write at 0, 30, 60
// and 90 s, the server's 2-minute read deadline fires at 120 s
// ("i/o timeout"), the server closes, and each client's next exchange
// fails. With one-way latency L to client i, everything happens at exact
// offsets of L, which this test checks from the timeline.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "examples/echo/echo_world.h"

namespace simsock::echo {
namespace {

using sim::Time;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(EchoSim, SeedStoryPlaysOutInVirtualTime) {
  EchoWorldOptions o;
  o.seed = 1;
  o.clients = 3;
  o.keep_trace = true;
  EchoWorldResult r = RunEchoWorld(o);

  // Server lines, by client address; client lines, by client host.
  std::map<std::string, std::vector<Time>> server_hellos;
  std::map<std::string, Time> server_timeouts;
  std::map<std::string, std::vector<Time>> client_replies;
  std::map<std::string, std::string> client_end;
  std::map<std::string, Time> client_end_at;
  for (const TimelineEntry& e : r.timeline) {
    if (e.host == kSeedServerName) {
      if (e.line == "hello, server") {
        server_hellos["any"].push_back(e.at);
      } else if (e.line.find("i/o timeout") != std::string::npos &&
                 e.line.rfind("Error:  ", 0) == 0) {
        // "Error:  read tcp4 10.0.0.1:6445->10.0.1.N:PORT: i/o timeout"
        std::string peer = e.line.substr(e.line.find("->") + 2);
        peer = peer.substr(0, peer.find(':'));
        server_timeouts[peer] = e.at;
      }
    } else if (e.line == "hello, client") {
      client_replies[e.host].push_back(e.at);
    } else if (e.line.rfind("client done: ", 0) == 0) {
      client_end[e.host] = e.line;
      client_end_at[e.host] = e.at;
    }
  }

  ASSERT_EQ(server_timeouts.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const std::string host = "client" + std::to_string(i + 1);
    const std::string ip = "10.0.1." + std::to_string(i + 1);
    const milliseconds l(i + 1);  // one-way latency to this client
    // Connected at 2L; request k lands at 3L + k (30 s + 2L); its reply is
    // back L later.
    ASSERT_EQ(client_replies[host].size(), 4u) << host;
    for (int k = 0; k < 4; ++k) {
      Time request = Time(3 * l + k * (seconds(30) + 2 * l));
      EXPECT_EQ(client_replies[host][k], request + l) << host << " #" << k;
    }
    // The server accepted at 3L and set its 2-minute deadline then.
    EXPECT_EQ(server_timeouts[ip], Time(seconds(120) + 3 * l)) << host;
    // The fifth exchange starts 30 s after the fourth reply and fails at
    // once: the server's FIN is already there.
    Time fifth = Time(3 * l + 3 * (seconds(30) + 2 * l) + l + seconds(30));
    EXPECT_EQ(client_end[host], "client done: EOF") << host;
    EXPECT_EQ(client_end_at[host], fifth) << host;
  }
  EXPECT_EQ(server_hellos["any"].size(), 12u);

  // The same story in the kernel trace: each client's requests leave it at
  // 2L + k (30 s + 2L) (a write of 13 bytes), and the server's FIN to it
  // leaves at 120 s + 3L, when the deadline fires and the server closes.
  for (int i = 0; i < 3; ++i) {
    const milliseconds l(i + 1);
    const std::string client_ip = "10.0.1." + std::to_string(i + 1);
    std::vector<Time> writes, server_fins;
    for (const std::string& line : r.trace) {
      long long sec = 0, ns = 0;
      std::sscanf(line.c_str(), "[%lld.%lld]", &sec, &ns);
      Time at = Time(seconds(sec) + std::chrono::nanoseconds(ns));
      if (line.find("client" + std::to_string(i + 1) + " pid 1 tid") !=
              std::string::npos &&
          line.find("write(") != std::string::npos &&
          line.find(", 13) = 13") != std::string::npos) {
        writes.push_back(at);
      }
      if (line.find("IP 10.0.0.1.6445 > " + client_ip) != std::string::npos &&
          line.find("Flags [F.]") != std::string::npos) {
        server_fins.push_back(at);
      }
    }
    ASSERT_GE(writes.size(), 5u) << "client" << i + 1;
    for (int k = 0; k < 4; ++k)
      EXPECT_EQ(writes[k], Time(2 * l + k * (seconds(30) + 2 * l)));
    ASSERT_EQ(server_fins.size(), 1u);
    EXPECT_EQ(server_fins[0], Time(seconds(120) + 3 * l));
  }
  // Only the server's accept loop is still waiting at the end.
  ASSERT_EQ(r.deadlock.size(), 1u);
  EXPECT_NE(r.deadlock[0].find("(echo_server)"), std::string::npos);
}

TEST(EchoSim, SameSeedSameTraceOtherSeedSameStory) {
  EchoWorldOptions o;
  o.clients = 2;
  o.seed = 5;
  EchoWorldResult a = RunEchoWorld(o);
  EchoWorldResult b = RunEchoWorld(o);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  o.seed = 6;
  EchoWorldResult c = RunEchoWorld(o);
  EXPECT_NE(a.trace_hash, c.trace_hash);  // ISNs and ports differ
  ASSERT_EQ(a.timeline.size(), c.timeline.size());
  for (size_t i = 0; i < a.timeline.size(); ++i) {
    EXPECT_EQ(a.timeline[i].at, c.timeline[i].at);
    EXPECT_EQ(a.timeline[i].host, c.timeline[i].host);
  }
}

}  // namespace
}  // namespace simsock::echo

namespace simsock::echo {
namespace {

// The fault-injection experiment of the main job: lossy links, and the
// server host crashing at 45 s and coming back at 55 s. Every client's
// next exchange after the restart is reset; the run replays from its seed.
TEST(EchoSim, CrashAndLossExperimentReplaysFromItsSeed) {
  EchoWorldOptions o;
  o.seed = 3;
  o.clients = 3;
  o.link_faults.loss = 0.2;
  o.link_faults.jitter = std::chrono::milliseconds(5);
  o.crash_server_at = std::chrono::seconds(45);
  o.restart_after = std::chrono::seconds(10);
  EchoWorldResult a = RunEchoWorld(o);
  int resets = 0, hellos_after_restart = 0;
  for (const TimelineEntry& e : a.timeline) {
    if (e.line.rfind("client done: ", 0) == 0 &&
        e.line.find("connection reset by peer") != std::string::npos) {
      ++resets;
      EXPECT_GT(e.at, Time(seconds(55)));
    }
    if (e.line == "hello, client" && e.at > Time(seconds(45))) ++hellos_after_restart;
  }
  EXPECT_EQ(resets, 3);
  EXPECT_EQ(hellos_after_restart, 0);
  EXPECT_EQ(RunEchoWorld(o).trace_hash, a.trace_hash);
}

}  // namespace
}  // namespace simsock::echo
