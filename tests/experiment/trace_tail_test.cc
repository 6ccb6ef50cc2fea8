// TraceTail: the ring of last lines, the forwarded copy, and what it
// counts from the lines (failed syscalls by errno, injected faults),
// checked against a plain statement of the rules (substring searches) over
// the trace lines the simulator writes and over lines made of their parts.
#include "simsock/experiment/trace_tail.h"

#include <gtest/gtest.h>

#include <map>
#include <ostream>
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

// Feeds `text` to a TraceTail through an ostream, in pieces of `chunk`
// bytes (0: at once), as the trace (or a user's writes) would.
void Feed(TraceTail& tail, std::string_view text, size_t chunk) {
  std::ostream out(&tail);
  if (chunk == 0) {
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  } else {
    for (size_t at = 0; at < text.size(); at += chunk) {
      const std::string_view piece = text.substr(at, chunk);
      out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
    }
  }
  out.flush();
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
  Feed(tail, text, 0);
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
  for (size_t chunk : {size_t{0}, size_t{1}, size_t{5}, size_t{64}}) {
    TraceTail tail(3);
    Feed(tail, text, chunk);
    EXPECT_EQ(tail.errors(), want.errors) << "chunk " << chunk;
    EXPECT_EQ(tail.faults(), want.faults) << "chunk " << chunk;
  }
}

TEST(TraceTail, KeepsTheLastLinesOldestFirstAndForwardsEveryLine) {
  std::ostringstream copy;
  TraceTail tail(3, &copy);
  Feed(tail, "one\ntwo\nthree\nfour\nfive", 2);
  // "five" has no newline yet: it is not a line.
  EXPECT_EQ(tail.Last(), (std::vector<std::string>{"two", "three", "four"}));
  EXPECT_EQ(copy.str(), "one\ntwo\nthree\nfour\n");
  Feed(tail, "\n", 0);
  EXPECT_EQ(tail.Last(), (std::vector<std::string>{"three", "four", "five"}));
  EXPECT_EQ(copy.str(), "one\ntwo\nthree\nfour\nfive\n");
}

TEST(TraceTail, FewerLinesThanTheRingAndNoRingAtAll) {
  TraceTail tail(5);
  Feed(tail, "a\n\nb\n", 0);
  EXPECT_EQ(tail.Last(), (std::vector<std::string>{"a", "", "b"}));
  TraceTail none(0);
  Feed(none, "a\nb) = -EPIPE\n", 1);
  EXPECT_TRUE(none.Last().empty());
  EXPECT_EQ(none.errors(), (std::map<std::string, uint64_t>{{"EPIPE", 1}}));
}

TEST(TraceTail, CharactersPutOneAtATimeMakeTheSameLines) {
  TraceTail tail(2);
  std::ostream out(&tail);
  for (char c : std::string_view("x(1) = -ENOENT\ny\n")) out.put(c);
  out.flush();
  EXPECT_EQ(tail.Last(), (std::vector<std::string>{"x(1) = -ENOENT", "y"}));
  EXPECT_EQ(tail.errors(), (std::map<std::string, uint64_t>{{"ENOENT", 1}}));
}

}  // namespace
}  // namespace simsock::experiment
