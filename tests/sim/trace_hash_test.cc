// The trace's hash is computed from binary events (sim/kernel/trace.h),
// not from the text; the text is formatted only for a sink. These tests
// hold the two together: the hash does not depend on which sinks are
// attached, and over a set of runs two traces have the same text exactly
// when they have the same hash. TraceArgs writes each argument form as the
// syscalls' lines always read.
#include "simsock/sim/kernel/trace_hash.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "simsock/net/sys/names.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/trace_args.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/sockets.h"

namespace simsock::sim {
namespace {

using std::chrono::milliseconds;

TEST(TraceHash, IsFnv1aOverLittleEndianBytes) {
  TraceHash empty;
  EXPECT_EQ(empty.value(), 0xcbf29ce484222325ULL);
  TraceHash a;
  a.U8('a');
  EXPECT_EQ(a.value(), 0xaf63dc4c8601ec8cULL);  // FNV-1a 64 of "a"
  TraceHash wide, bytes;
  wide.I64(0x0102030405060708);
  for (uint8_t b : {8, 7, 6, 5, 4, 3, 2, 1}) bytes.U8(b);
  EXPECT_EQ(wide.value(), bytes.value());
  TraceHash str, by_hand;
  str.Str("ab");
  by_hand.U32(2);
  by_hand.U8('a');
  by_hand.U8('b');
  EXPECT_EQ(str.value(), by_hand.value());
}

// The fixed-width integers fold their high zero bytes into one multiply
// by a power of the prime: the value must be what hashing every byte gives.
TEST(TraceHash, WideIntegersHashAsTheirBytes) {
  std::vector<uint64_t> values = {0,
                                  1,
                                  0xff,
                                  0x100,
                                  0x1234,
                                  0xff0000,
                                  0x80000000,
                                  0x100000000ULL,
                                  0x00ff00ff00ff00ffULL,
                                  0x8000000000000000ULL,
                                  ~uint64_t{0}};
  uint64_t x = 0x9e3779b97f4a7c15ULL;  // a fixed xorshift sequence
  for (int i = 0; i < 2000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    values.push_back(x >> (i % 64));
  }
  for (uint64_t v : values) {
    TraceHash wide, bytes;
    wide.U8(0x5a);  // a hash that does not start at the basis
    bytes.U8(0x5a);
    wide.I64(static_cast<int64_t>(v));
    wide.U32(static_cast<uint32_t>(v));
    wide.U16(static_cast<uint16_t>(v));
    for (int b = 0; b < 8; ++b) bytes.U8(static_cast<uint8_t>(v >> (8 * b)));
    for (int b = 0; b < 4; ++b) bytes.U8(static_cast<uint8_t>(v >> (8 * b)));
    for (int b = 0; b < 2; ++b) bytes.U8(static_cast<uint8_t>(v >> (8 * b)));
    EXPECT_EQ(wide.value(), bytes.value()) << std::hex << v;
  }
}

TEST(TraceArgs, WritesEachFormAsTheLineReads) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(80);
  sin.sin_addr.s_addr = htonl(0x0a000001);
  const auto* sa = reinterpret_cast<const sockaddr*>(&sin);
  sockaddr other{};
  other.sa_family = AF_UNIX;
  TraceArgs args;
  args.Int(3)
      .Addr(sa, sizeof sin)
      .Addr(nullptr, 0)
      .Addr(sa, 1)
      .Addr(sa, 8)
      .Addr(&other, sizeof other);
  EXPECT_EQ(args.ToString(),
            "3, {AF_INET, 10.0.0.1:80}, NULL, {len 1}, {family 2, len 8}, "
            "{family 1, len 16}");
  EXPECT_EQ(TraceArgs().Addr(sa, static_cast<socklen_t>(-1)).ToString(),
            "{len -1}");
  EXPECT_EQ(TraceArgs()
                .Named<sys::MsgFlagsName>(MSG_PEEK | MSG_DONTWAIT)
                .Named2<sys::SockOptName>(SOL_SOCKET, SO_REUSEADDR)
                .Text("example.com")
                .Null()
                .Int(-1)
                .ToString(),
            sys::MsgFlagsName(MSG_PEEK | MSG_DONTWAIT) + ", " +
                sys::SockOptName(SOL_SOCKET, SO_REUSEADDR) +
                ", example.com, NULL, -1");
  TraceArgs full;
  for (int i = 0; i < TraceArgs::kMax; ++i) full.Int(i);
  EXPECT_THROW(full.Int(7), std::logic_error);
}

struct TracedRun {
  std::vector<std::string> lines;
  uint64_t hash = 0;
  uint64_t events = 0;
};

// Two hosts, a listener, a client that sends `message` and reads the echo,
// then a connect to a closed port. `sinks` attaches every consumer of the
// text (lines, events, JSON, a stream); the hash must not notice.
TracedRun Echo(uint64_t seed, const std::string& message, bool sinks) {
  World w(seed);
  std::ostringstream stream, json;
  w.trace().KeepLines(true);
  if (sinks) {
    w.trace().KeepEvents(true);
    w.trace().SetSink(&stream);
    w.trace().SetJsonSink(&json);
  }
  Host& a = w.AddHost("a", "10.0.0.1");
  Host& b = w.AddHost("b", "10.0.0.2");
  w.network().SetLatency(a, b, milliseconds(2));
  Process& s = a.SpawnProcess();
  Process& c = b.SpawnProcess();
  int l = s.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  testing::Bind(s, l, "0.0.0.0", 80);
  s.listen(l, 8);
  int fd = c.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  testing::Connect(c, fd, "10.0.0.1", 80);
  w.RunFor(milliseconds(10));
  int conn = s.accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
  c.write(fd, message.data(), message.size());
  w.RunFor(milliseconds(10));
  char buf[64];
  ssize_t n = s.read(conn, buf, sizeof buf);
  if (n > 0) s.write(conn, buf, static_cast<size_t>(n));
  w.RunFor(milliseconds(10));
  c.recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, nullptr, nullptr);
  int refused = c.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  testing::Connect(c, refused, "10.0.0.1", 81);
  w.RunFor(milliseconds(10));
  c.close(fd);
  s.close(conn);
  w.RunFor(std::chrono::seconds(1));
  TracedRun run{w.trace().lines(), w.trace().hash(), w.trace().line_count()};
  if (sinks) {
    // Every consumer saw every event.
    EXPECT_EQ(w.trace().events().size(), run.lines.size());
    std::string all;
    for (const std::string& line : run.lines) all += line + "\n";
    EXPECT_EQ(stream.str(), all);
  }
  return run;
}

TEST(TraceHash, DoesNotDependOnTheSinks) {
  TracedRun bare = Echo(5, "ping", false);
  TracedRun full = Echo(5, "ping", true);
  EXPECT_EQ(bare.hash, full.hash);
  EXPECT_EQ(bare.events, full.events);
  EXPECT_EQ(bare.lines, full.lines);
  EXPECT_EQ(bare.events, bare.lines.size());
  EXPECT_GT(bare.events, 20u);
}

TEST(TraceHash, SameTextExactlyWhenSameHash) {
  // Same seed twice, other seeds (other ISNs and ports), and programs that
  // differ only in a length or a byte the line does not show.
  std::vector<TracedRun> runs = {
      Echo(1, "ping", false),  Echo(1, "ping", false), Echo(2, "ping", false),
      Echo(3, "ping", false),  Echo(1, "pong", false), Echo(1, "ping!", false),
      Echo(2, "ping!", false),
  };
  int same = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    for (size_t j = i + 1; j < runs.size(); ++j) {
      const bool same_text = runs[i].lines == runs[j].lines;
      EXPECT_EQ(same_text, runs[i].hash == runs[j].hash)
          << "runs " << i << " and " << j;
      same += same_text;
    }
  }
  // Pairs of both kinds were compared: the same seed and program (0, 1)
  // and a payload of other bytes but the same length (0, 4: the bytes are
  // not in the trace, the length is) read the same; another seed (0, 2) or
  // another length (0, 5) does not.
  EXPECT_EQ(runs[0].lines, runs[1].lines);
  EXPECT_EQ(runs[0].lines, runs[4].lines);
  EXPECT_NE(runs[0].lines, runs[2].lines);
  EXPECT_NE(runs[0].lines, runs[5].lines);
  EXPECT_EQ(same, 3);  // 0-1, 0-4 and 1-4
}

}  // namespace
}  // namespace simsock::sim
