// The pcapng output: a file Wireshark opens, with valid IPv4, TCP, UDP and
// ICMP headers and checksums, one record per packet sent.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/network.h"
#include "simsock/sim/kernel/pcap_writer.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/sockets.h"

namespace simsock::sim {
namespace {

uint32_t Le32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<uint8_t>(s[at + i]);
  return v;
}

uint16_t Le16(const std::string& s, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(s[at]) |
                               static_cast<uint8_t>(s[at + 1]) << 8);
}

struct Record {
  uint64_t ns;
  std::vector<uint8_t> bytes;
  std::string comment;
};

// The blocks of a pcapng file: the section header, one interface (link
// type and if_tsresol checked here), then Enhanced Packet Blocks.
struct Capture {
  uint32_t link_type = 0;
  int tsresol = -1;
  std::vector<Record> records;
  bool ok = false;
};

// The options after `at` up to `end`: code -> value.
std::vector<std::pair<uint16_t, std::string>> Options(const std::string& f,
                                                      size_t at, size_t end) {
  std::vector<std::pair<uint16_t, std::string>> out;
  while (at + 4 <= end) {
    const uint16_t code = Le16(f, at);
    const uint16_t len = Le16(f, at + 2);
    if (code == 0) break;
    out.emplace_back(code, f.substr(at + 4, len));
    at += 4 + (len + 3u) / 4 * 4;
  }
  return out;
}

Capture Parse(const std::string& f) {
  Capture c;
  if (f.size() < 28 || Le32(f, 0) != 0x0A0D0D0Au || Le32(f, 8) != 0x1A2B3C4Du)
    return c;
  size_t at = 0;
  while (at + 12 <= f.size()) {
    const uint32_t type = Le32(f, at);
    const uint32_t len = Le32(f, at + 4);
    if (len % 4 != 0 || at + len > f.size() || Le32(f, at + len - 4) != len)
      return c;
    const size_t end = at + len - 4;
    if (type == 1) {
      c.link_type = Le16(f, at + 8);
      for (auto& [code, value] : Options(f, at + 16, end)) {
        if (code == 9 && value.size() == 1) c.tsresol = value[0];
      }
    } else if (type == 6) {
      Record r;
      r.ns = static_cast<uint64_t>(Le32(f, at + 12)) << 32 | Le32(f, at + 16);
      const uint32_t cap = Le32(f, at + 20);
      r.bytes.assign(f.begin() + static_cast<long>(at + 28),
                     f.begin() + static_cast<long>(at + 28 + cap));
      for (auto& [code, value] :
           Options(f, at + 28 + (cap + 3u) / 4 * 4, end)) {
        if (code == 1) r.comment = value;
      }
      c.records.push_back(std::move(r));
    }
    at += len;
  }
  c.ok = at == f.size();
  return c;
}

uint16_t Be16(const std::vector<uint8_t>& b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}

// A checksum over data that includes its checksum field verifies to 0.
bool TransportChecksumOk(const std::vector<uint8_t>& p) {
  uint8_t proto = p[9];
  if (proto == 1)
    return PcapWriter::Checksum(p.data() + 20, p.size() - 20) == 0;
  uint32_t sum = Be16(p, 12) + Be16(p, 14) + Be16(p, 16) + Be16(p, 18) + proto +
                 static_cast<uint32_t>(p.size() - 20);
  return PcapWriter::Checksum(p.data() + 20, p.size() - 20, sum) == 0;
}

TEST(Pcap, EveryPacketWithValidHeadersAndChecksums) {
  std::ostringstream file;
  PcapWriter pcap(file);
  World w(1);
  w.trace().SetPcap(&pcap);
  Host& a = w.AddHost("a", "10.0.0.1");
  Host& b = w.AddHost("b", "10.0.0.2");
  w.network().SetLatency(a, b, std::chrono::milliseconds(1));
  Process& pa = a.SpawnProcess();
  Process& pb = b.SpawnProcess();
  int l = pa.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  testing::Bind(pa, l, "0.0.0.0", 80);
  pa.listen(l, 1);
  int c = pb.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  testing::Connect(pb, c, "10.0.0.1", 80);
  w.RunFor(std::chrono::milliseconds(5));
  pb.write(c, "hello", 5);  // odd length: exercises checksum padding
  int u = pb.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  testing::SendTo(pb, u, "ping", 4, "10.0.0.1", 9);  // closed: ICMP back
  w.RunFor(std::chrono::milliseconds(10));
  w.trace().SetPcap(nullptr);

  const Capture cap = Parse(file.str());
  ASSERT_TRUE(cap.ok) << "not a well-formed pcapng file";
  EXPECT_EQ(cap.link_type, 101u);  // LINKTYPE_RAW
  EXPECT_EQ(cap.tsresol, 9);       // nanoseconds
  const std::vector<Record>& recs = cap.records;
  ASSERT_EQ(recs.size(), w.network().packets_sent());
  ASSERT_EQ(pcap.packets_written(), recs.size());
  int tcp = 0, udp = 0, icmp = 0;
  for (const Record& r : recs) {
    const std::vector<uint8_t>& p = r.bytes;
    ASSERT_GE(p.size(), 28u);
    EXPECT_EQ(p[0], 0x45);
    EXPECT_EQ(Be16(p, 2), p.size());
    EXPECT_EQ(PcapWriter::Checksum(p.data(), 20), 0) << "IP header checksum";
    EXPECT_TRUE(TransportChecksumOk(p)) << "protocol " << int(p[9]);
    tcp += p[9] == 6;
    udp += p[9] == 17;
    icmp += p[9] == 1;
  }
  EXPECT_EQ(udp, 1);
  EXPECT_EQ(icmp, 1);
  EXPECT_GE(tcp, 4);
  // The first record is the SYN at time 0, with MSS 1460 and window scale.
  const std::vector<uint8_t>& syn = recs[0].bytes;
  EXPECT_EQ(recs[0].ns, 0u);
  EXPECT_EQ(syn[20 + 13], 0x02);    // SYN
  EXPECT_EQ(syn[20 + 12] >> 4, 7);  // 28-byte header: 8 bytes of options
  EXPECT_EQ(syn[40], 2);            // MSS option
  EXPECT_EQ(Be16(syn, 42), 1460);
  EXPECT_EQ(syn[45], 3);  // window scale option (after a NOP)
  // The SYN-ACK left the server 1 ms later.
  EXPECT_EQ(recs[1].ns, 1'000'000u);
  // Each says what the network did to it.
  EXPECT_EQ(recs[0].comment, "arrives at a after 1ms");
  EXPECT_EQ(recs[1].comment, "arrives at b after 1ms");
}

TEST(Pcap, EachPacketsCommentSaysWhatTheNetworkDid) {
  std::ostringstream file;
  PcapWriter pcap(file);
  World w(1);
  w.trace().SetPcap(&pcap);
  Host& a = w.AddHost("a", "10.0.0.1");
  Host& b = w.AddHost("b", "10.0.0.2");
  w.network().SetLatency(a, b, std::chrono::milliseconds(1));
  Process& pa = a.SpawnProcess();
  int u = pa.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  auto send = [&](const char* ip) {
    ASSERT_EQ(testing::SendTo(pa, u, "x", 1, ip, 9), 1);
  };
  Impairment loss;
  loss.kind = Impairment::Kind::kLoss;
  loss.probability = 1;
  loss.origin = "plan line 3";
  ImpairmentId id = w.network().Impair(a, b, loss);
  send("10.0.0.2");  // lost
  w.network().Unimpair(id);
  Impairment dup;
  dup.kind = Impairment::Kind::kDuplicate;
  dup.probability = 1;
  id = w.network().Impair(a, b, dup);
  send("10.0.0.2");  // twice
  w.network().Unimpair(id);
  Impairment delay;
  delay.kind = Impairment::Kind::kDelay;
  delay.duration = std::chrono::microseconds(12500);
  id = w.network().Impair(a, b, delay);
  send("10.0.0.2");  // late
  w.network().Unimpair(id);
  Impairment clog;
  clog.kind = Impairment::Kind::kClog;
  clog.origin = "plan line 5";
  id = w.network().Impair(a, b, clog);
  send("10.0.0.2");  // held
  w.network().Unimpair(id);
  Impairment corrupt;
  corrupt.kind = Impairment::Kind::kCorrupt;
  corrupt.probability = 1;
  id = w.network().Impair(a, b, corrupt);
  send("10.0.0.2");  // damaged
  w.network().Unimpair(id);
  send("10.0.0.9");   // nobody
  send("127.0.0.1");  // itself
  w.RunFor(std::chrono::milliseconds(50));
  w.trace().SetPcap(nullptr);

  const Capture cap = Parse(file.str());
  ASSERT_TRUE(cap.ok);
  std::vector<std::string> comments;
  for (const Record& r : cap.records) {
    if (r.bytes[9] == 17) comments.push_back(r.comment);  // the datagrams
  }
  EXPECT_EQ(comments,
            (std::vector<std::string>{
                "dropped (loss, plan line 3)",
                "duplicated; arrives at b after 1ms; arrives at b after 1ms",
                "delayed 12.5ms; arrives at b after 13.5ms",
                "held by clog (plan line 5)",
                "corrupted; dropped (bad checksum) at b",
                "dropped (no route)",
                "loopback: delivered at once",
            }));
}

}  // namespace
}  // namespace simsock::sim

namespace simsock::sim {
namespace {

TEST(JsonTrace, OneObjectPerEventWithPacketFields) {
  std::ostringstream json;
  World w(1);
  w.trace().SetJsonSink(&json);
  Host& a = w.AddHost("host \"a\"", "10.0.0.1");  // a name that needs escaping
  Process& p = a.SpawnProcess();
  int l = p.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  testing::Bind(p, l, "127.0.0.1", 80);
  p.listen(l, 1);
  int c = p.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  testing::Connect(p, c, "127.0.0.1", 80);
  std::istringstream in(json.str());
  std::string line;
  int events = 0, packets = 0;
  while (std::getline(in, line)) {
    ASSERT_EQ(line.front(), '{');
    ASSERT_EQ(line.back(), '}');
    EXPECT_EQ(line.rfind("{\"t_ns\":0,\"who\":\"host \\\"a\\\"", 0), 0u)
        << line;
    if (line.find("\"packet\":{\"proto\":\"tcp\"") != std::string::npos) {
      ++packets;
      EXPECT_NE(line.find("\"dport\":"), std::string::npos);
    } else {
      ++events;
    }
  }
  EXPECT_EQ(packets, 3);  // SYN, SYN-ACK, ACK on loopback
  EXPECT_EQ(events, 5);   // socket, bind, listen, socket, connect
  EXPECT_EQ(static_cast<uint64_t>(events + packets), w.trace().line_count());
}

}  // namespace
}  // namespace simsock::sim
