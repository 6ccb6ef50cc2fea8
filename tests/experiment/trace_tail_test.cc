// TraceTail: the counting rules on text, checked against a plain statement
// of them (substring searches) over trace lines and lines made of their
// parts; and the listener, checked against a text sink on the same trace:
// the same last lines, the same counts as the rules give on the sink's
// lines.
#include "simsock/experiment/trace_tail.h"

#include <errno.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace simsock::experiment {
namespace {

// The counting rules, stated as directly as possible: what TraceTail's
// faster walk must agree with on every line.
struct Counts {
  std::map<std::string, uint64_t> errors;
  uint64_t faults = 0;
};

void CountLine(std::string_view line, Counts& c) {
  if (const size_t at = line.rfind(") = "); at != std::string_view::npos) {
    std::string_view result = line.substr(at + 4);
    if (result.size() > 2 && result[0] == '-' && result[1] == 'E') {
      result.remove_prefix(1);
      result = result.substr(0, result.find(' '));
      if (result != "EAGAIN" && result != "EINPROGRESS") {
        ++c.errors[std::string(result)];
      }
    }
    return;
  }
  for (std::string_view mark :
       {" drop (loss", " drop (partition", " drop (queue full", " duplicate",
        " corrupt", " hold (clog"}) {
    if (line.find(mark) != std::string_view::npos) {
      ++c.faults;
      return;
    }
  }
  const size_t f = line.find(" fault: ");
  if (f != std::string_view::npos &&
      !line.substr(f).starts_with(" fault: plan line ")) {
    ++c.faults;
  }
}

// Counts every line of `text` with TraceTail's rules.
void CountAll(TraceTail& tail, std::string_view text) {
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    tail.CountText(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

const std::vector<std::string>& SampleLines() {
  static const std::vector<std::string> lines = {
      "[    30.004000000] client1 pid 1 tid 2 write(3, 13) = 13",
      "[    30.004000000] client1 pid 1 tid 2 connect(3, {AF_INET, "
      "10.0.0.1:80}, 16) = -EINPROGRESS",
      "[    30.004000000] client1 pid 1 tid 2 read(3, 64) = -EAGAIN",
      "[    30.004000000] client1 pid 1 tid 2 read(3, 64) = -ECONNRESET",
      "[    31.000000000] client2 pid 1 tid 2 connect(3, {AF_INET, "
      "10.0.0.1:80}, 16) = -ECONNREFUSED",
      "[    31.000000000] client2 pid 1 tid 2 recvmsg(5, {iov 1/256, name 0, "
      "ctl 24}, 0) = -ETIMEDOUT",
      "[    30.004000000] client1 IP 10.0.1.1.34606 > 10.0.0.1.6445: Flags "
      "[P.], seq 1515963069, ack 1328793707, win 64, length 13",
      "[     1.000000000] net drop (loss): IP 10.0.1.1.1 > 10.0.0.1.80: "
      "Flags [S], seq 1, win 64, length 0",
      "[     1.000000000] net drop (partition client1 <-> server): IP "
      "10.0.1.1.1 > 10.0.0.1.80: Flags [S], seq 1, win 64, length 0",
      "[     1.000000000] net drop (queue full): IP 10.0.1.1.1 > 10.0.0.1.80",
      "[     1.000000000] net drop (no route): IP 10.0.1.1.1 > 10.9.9.9.80",
      "[     1.000000000] net duplicate (plan line 2): IP 10.0.1.1.1 > "
      "10.0.0.1.80",
      "[     1.000000000] net corrupt: IP 10.0.1.1.1 > 10.0.0.1.80",
      "[     1.000000000] net hold (clog client1): IP 10.0.1.1.1 > 10.0.0.1.80",
      "[    45.000000000] server fault: crash",
      "[    55.000000000] server fault: restart",
      "[    20.000000000] net fault: partition client1 <-> server",
      "[    20.000000000] net fault: plan line 2 begins: partition",
      "[    20.000000000] net fault: plan line 2 ends",
      "[     2.000000000] client1 pid 1 fault: read -ECONNRESET",
      "[     2.000000000] client1 pid 1 tid 2 close(3) = 0",
      "",
      ")",
      ") = ",
      ") = -E",
      ") = -EX",
      " fault: ",
      " fault: plan line",
      " fault: plan line ",
      "x fault: plan line 1 then fault: crash",
      " d",
      " drop (loss",
      "hold (clog without a space",
  };
  return lines;
}

TEST(TraceTail, CountsFailedCallsByErrnoButNotTheNotYets) {
  TraceTail tail(4);
  std::string text;
  for (const std::string& line : SampleLines()) text += line + "\n";
  CountAll(tail, text);
  EXPECT_EQ(tail.errors(), (std::map<std::string, uint64_t>{{"ECONNREFUSED", 1},
                                                            {"ECONNRESET", 1},
                                                            {"ETIMEDOUT", 1},
                                                            {"EX", 1}}));
  // loss, partition, queue full, duplicate, corrupt, hold, crash, restart,
  // the partition's fault line, the syscall fault, " fault: " alone, a
  // cut-short " fault: plan line", a bare " drop (loss"; not the plan's
  // notes, a drop for want of a route, nor a line whose first fault mark is
  // the plan's.
  EXPECT_EQ(tail.faults(), 13u);
}

TEST(TraceTail, AgreesWithThePlainRulesOnMixedLines) {
  // Lines made of the sample lines' pieces, cut at random places: every
  // mark whole, cut, doubled or next to another.
  std::vector<std::string> pieces;
  for (const std::string& line : SampleLines()) {
    for (size_t at = 0; at < line.size(); at += 7) {
      pieces.push_back(line.substr(at, 11));
    }
  }
  std::mt19937_64 rng(7);
  std::string text;
  Counts want;
  for (int i = 0; i < 3000; ++i) {
    std::string line;
    const int parts = static_cast<int>(rng() % 6);
    for (int p = 0; p < parts; ++p) line += pieces[rng() % pieces.size()];
    CountLine(line, want);
    text += line + "\n";
  }
  // The mix reaches both counts (the seed is fixed).
  ASSERT_GT(want.faults, 100u);
  ASSERT_GT(want.errors.size(), 2u);
  TraceTail tail(3);
  CountAll(tail, text);
  EXPECT_EQ(tail.errors(), want.errors);
  EXPECT_EQ(tail.faults(), want.faults);
}

// Every kind of event, with the forms their lines take: arguments of
// every kind (a text one with ") = " in it), results of every kind,
// packets of each protocol with and without options, drops for every
// reason, lines with and without a fault's mark.
void WriteEvents(sim::Trace& trace) {
  using std::chrono::milliseconds;
  const sim::TraceCaller a{"client1", 1, 2};
  const sim::TraceCaller b{"server", 3, -1};
  sim::Packet syn;
  syn.src = 0x0a000101;
  syn.dst = 0x0a000001;
  syn.tcp.src_port = 40000;
  syn.tcp.dst_port = 80;
  syn.tcp.flags = sim::tcp::kSyn;
  syn.tcp.seq = sim::tcp::SeqNum(7);
  syn.tcp.window = 64240;
  syn.tcp.mss = 1460;
  syn.tcp.wscale = 7;
  sim::Packet data = syn;
  data.tcp.flags = sim::tcp::kAck | sim::tcp::kPsh | sim::tcp::kUrg;
  data.tcp.mss.reset();
  data.tcp.ack = sim::tcp::SeqNum(99);
  data.tcp.urg_ptr = 3;
  data.tcp.wscale.reset();
  data.tcp.payload.assign(13, 'x');
  sim::Packet udp;
  udp.proto = sim::IpProto::kUdp;
  udp.src = 0x0a000101;
  udp.dst = 0x0a000001;
  udp.udp.src_port = 5353;
  udp.udp.dst_port = 53;
  udp.udp.payload.assign(40, 'q');
  sim::Packet icmp;
  icmp.proto = sim::IpProto::kIcmp;
  icmp.src = 0x0a000001;
  icmp.dst = 0x0a000101;
  icmp.icmp.orig_dst = 0x0a000001;
  icmp.icmp.orig_dst_port = 53;
  for (int round = 0; round < 3; ++round) {
    const sim::Time t = milliseconds(1000 * round);
    trace.Syscall(
        t, a, "connect",
        sim::TraceArgs().Int(3).Text("{AF_INET, 10.0.0.1:80}").Int(16),
        -EINPROGRESS);
    trace.Packet(t, "client1", syn);
    trace.Syscall(t + milliseconds(1), a, "read",
                  sim::TraceArgs().Int(3).Int(64), -EAGAIN);
    trace.Syscall(t + milliseconds(1), b, "sendto",
                  sim::TraceArgs().Int(4).Text("x) = -EPIPE").Null(), 13);
    trace.Syscall(t + milliseconds(2), a, "write",
                  sim::TraceArgs().Int(3).Int(13), -ECONNRESET);
    trace.Syscall(t + milliseconds(2), b, "recvmsg", sim::TraceArgs(),
                  -ETIMEDOUT);
    trace.Packet(t + milliseconds(3), "server", data);
    trace.Packet(t + milliseconds(3), "client1", udp);
    trace.Packet(t + milliseconds(3), "server", icmp);
    trace.Drop(t + milliseconds(4), "net", "loss", data);
    trace.Drop(t + milliseconds(4), "net", "partition client1 <-> server", syn);
    trace.Drop(t + milliseconds(4), "net", "queue full", udp);
    trace.Drop(t + milliseconds(4), "net", "no route", syn);
    trace.Write(t + milliseconds(5), "net",
                "duplicate (plan line 2): IP 10.0.1.1.1 > 10.0.0.1.80");
    trace.Write(t + milliseconds(5), "net", "corrupt: IP 1.2.3.4 > 5.6.7.8");
    trace.Write(t + milliseconds(5), "net", "hold (clog client1): IP");
    trace.Write(t + milliseconds(5), "server", "fault: crash");
    trace.Write(t + milliseconds(5), "net", "fault: plan line 2 begins");
    trace.Write(t + milliseconds(5), "client1", "pid 1 fault: read -EIO");
    trace.Write(t + milliseconds(5), "client1", "odd(1) = -EBADMSG");
    trace.Write(t + milliseconds(6), "client1", "hello, client");
  }
}

TEST(TraceTail, KeepsWhatASinkGetsAndCountsAsTheRulesOnItsLines) {
  for (size_t keep : {size_t{0}, size_t{1}, size_t{7}, size_t{200}}) {
    sim::Trace trace;
    std::ostringstream sink;
    TraceTail tail(keep);
    trace.SetSink(&sink);
    trace.SetListener(&tail);
    WriteEvents(trace);
    trace.SetListener(nullptr);
    std::vector<std::string> lines;
    std::istringstream in(sink.str());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    ASSERT_EQ(lines.size(), 3u * 21u);
    const size_t kept = std::min(keep, lines.size());
    EXPECT_EQ(tail.Last(),
              std::vector<std::string>(lines.end() - kept, lines.end()))
        << "keep " << keep;
    Counts want;
    for (const std::string& line : lines) CountLine(line, want);
    EXPECT_EQ(tail.errors(), want.errors) << "keep " << keep;
    EXPECT_EQ(tail.faults(), want.faults) << "keep " << keep;
  }
}

}  // namespace
}  // namespace simsock::experiment
