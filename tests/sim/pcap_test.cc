// The pcap output: a file Wireshark opens, with valid IPv4, TCP, UDP and
// ICMP headers and checksums, one record per packet sent.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "simsock/sim/kernel/host.h"
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

struct Record {
  uint64_t ns;
  std::vector<uint8_t> bytes;
};

std::vector<Record> Parse(const std::string& file) {
  std::vector<Record> out;
  size_t at = 24;
  while (at + 16 <= file.size()) {
    uint64_t ns = Le32(file, at) * 1'000'000'000ull + Le32(file, at + 4);
    uint32_t len = Le32(file, at + 8);
    at += 16;
    out.push_back(
        {ns, std::vector<uint8_t>(file.begin() + static_cast<long>(at),
                                  file.begin() + static_cast<long>(at + len))});
    at += len;
  }
  return out;
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

  const std::string bytes = file.str();
  ASSERT_GE(bytes.size(), 24u);
  EXPECT_EQ(Le32(bytes, 0), 0xa1b23c4du);  // nanosecond pcap
  EXPECT_EQ(Le32(bytes, 20), 101u);        // LINKTYPE_RAW
  std::vector<Record> recs = Parse(bytes);
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
