#include "simsock/sim/kernel/pcap_writer.h"

#include <algorithm>

namespace simsock::sim {
namespace {

void Put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

void Put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

// Fields of the pcapng blocks themselves: little-endian (the section's
// byte-order magic says so to readers), each block and option padded to
// 32 bits.
void Le32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void Le16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
void Pad(std::vector<uint8_t>& b) {
  while (b.size() % 4 != 0) b.push_back(0);
}
// An option: code, length, value, padding. Longer values are cut at the
// 16-bit length (no comment of the simulator comes near it).
void Option(std::vector<uint8_t>& b, uint16_t code, const std::string& value) {
  const size_t len = std::min<size_t>(value.size(), 0xfffc);
  Le16(b, code);
  Le16(b, static_cast<uint16_t>(len));
  b.insert(b.end(), value.begin(), value.begin() + static_cast<long>(len));
  Pad(b);
}
void EndOfOptions(std::vector<uint8_t>& b) { Le32(b, 0); }  // opt_endofopt

constexpr size_t kIpHeader = 20;

// The sum of the pseudo-header that TCP and UDP checksums cover.
uint32_t PseudoSum(uint32_t src, uint32_t dst, uint8_t proto, size_t len) {
  uint32_t sum = 0;
  sum += src >> 16;
  sum += src & 0xffff;
  sum += dst >> 16;
  sum += dst & 0xffff;
  sum += proto;
  sum += static_cast<uint32_t>(len);
  return sum;
}

// Fills an IPv4 header at the front of `b` (whose size is the total).
void IpHeader(std::vector<uint8_t>& b, uint32_t src, uint32_t dst,
              uint8_t proto, bool dont_fragment) {
  b[0] = 0x45;  // version 4, 5 words
  b[1] = 0;     // DSCP / ECN
  Put16(b, 2, static_cast<uint16_t>(b.size()));
  Put16(b, 4, 0);                           // identification
  Put16(b, 6, dont_fragment ? 0x4000 : 0);  // flags, fragment offset
  b[8] = 64;                                // TTL
  b[9] = proto;
  Put16(b, 10, 0);
  Put32(b, 12, src);
  Put32(b, 16, dst);
  Put16(b, 10, PcapWriter::Checksum(b.data(), kIpHeader));
}

std::vector<uint8_t> EncodeTcp(const Packet& p) {
  const tcp::Segment& s = p.tcp;
  size_t opt_len = 0;
  if (s.mss) opt_len += 4;
  if (s.wscale) opt_len += 4;  // NOP + 3-byte option
  const size_t tcp_len = 20 + opt_len;
  std::vector<uint8_t> b(kIpHeader + tcp_len + s.payload.size());
  size_t t = kIpHeader;
  Put16(b, t, s.src_port);
  Put16(b, t + 2, s.dst_port);
  Put32(b, t + 4, s.seq.value());
  Put32(b, t + 8, s.Has(tcp::kAck) ? s.ack.value() : 0);
  b[t + 12] = static_cast<uint8_t>((tcp_len / 4) << 4);
  b[t + 13] = s.flags;
  Put16(b, t + 14, s.window);
  Put16(b, t + 18, s.Has(tcp::kUrg) ? s.urg_ptr : 0);
  size_t o = t + 20;
  if (s.mss) {
    b[o] = 2;
    b[o + 1] = 4;
    Put16(b, o + 2, *s.mss);
    o += 4;
  }
  if (s.wscale) {
    b[o] = 1;  // NOP
    b[o + 1] = 3;
    b[o + 2] = 3;
    b[o + 3] = *s.wscale;
    o += 4;
  }
  std::copy(s.payload.begin(), s.payload.end(),
            b.begin() + static_cast<long>(o));
  size_t seg_len = b.size() - kIpHeader;
  Put16(b, t + 16,
        PcapWriter::Checksum(b.data() + t, seg_len,
                             PseudoSum(p.src, p.dst, 6, seg_len)));
  IpHeader(b, p.src, p.dst, 6, /*dont_fragment=*/true);
  return b;
}

std::vector<uint8_t> EncodeUdp(const Packet& p) {
  std::vector<uint8_t> b(kIpHeader + 8 + p.udp.payload.size());
  size_t u = kIpHeader;
  Put16(b, u, p.udp.src_port);
  Put16(b, u + 2, p.udp.dst_port);
  Put16(b, u + 4, static_cast<uint16_t>(8 + p.udp.payload.size()));
  std::copy(p.udp.payload.begin(), p.udp.payload.end(),
            b.begin() + static_cast<long>(u + 8));
  size_t len = b.size() - kIpHeader;
  uint16_t sum =
      PcapWriter::Checksum(b.data() + u, len, PseudoSum(p.src, p.dst, 17, len));
  Put16(b, u + 6, sum == 0 ? 0xffff : sum);
  IpHeader(b, p.src, p.dst, 17, /*dont_fragment=*/true);
  return b;
}

std::vector<uint8_t> EncodeIcmp(const Packet& p) {
  // Type 3 (destination unreachable), code 3 (port): the quoted datagram's
  // IP header and the first 8 bytes of its UDP header.
  const IcmpPortUnreachable& m = p.icmp;
  std::vector<uint8_t> quoted(kIpHeader + 8);
  Put16(quoted, kIpHeader, m.orig_src_port);
  Put16(quoted, kIpHeader + 2, m.orig_dst_port);
  Put16(quoted, kIpHeader + 4, 8);
  IpHeader(quoted, m.orig_src, m.orig_dst, 17, true);
  std::vector<uint8_t> b(kIpHeader + 8 + quoted.size());
  size_t i = kIpHeader;
  b[i] = 3;
  b[i + 1] = 3;
  std::copy(quoted.begin(), quoted.end(), b.begin() + static_cast<long>(i + 8));
  Put16(b, i + 2, PcapWriter::Checksum(b.data() + i, b.size() - i));
  IpHeader(b, p.src, p.dst, 1, /*dont_fragment=*/false);
  return b;
}

}  // namespace

uint16_t PcapWriter::Checksum(const uint8_t* data, size_t len, uint32_t sum) {
  for (size_t i = 0; i + 1 < len; i += 2)
    sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (len % 2 == 1) sum += static_cast<uint32_t>(data[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

std::vector<uint8_t> PcapWriter::Encode(const Packet& packet) {
  switch (packet.proto) {
    case IpProto::kTcp:
      return EncodeTcp(packet);
    case IpProto::kUdp:
      return EncodeUdp(packet);
    case IpProto::kIcmp:
      return EncodeIcmp(packet);
  }
  return {};
}

PcapWriter::PcapWriter(std::ostream& out) : out_(out) {
  // Section Header Block: byte-order magic, version 1.0, section length
  // unknown (-1), the writing application.
  std::vector<uint8_t> shb;
  Le32(shb, 0x1A2B3C4D);
  Le16(shb, 1);
  Le16(shb, 0);
  Le32(shb, 0xffffffff);
  Le32(shb, 0xffffffff);
  Option(shb, 4, "simsock");  // shb_userappl
  EndOfOptions(shb);
  Block(0x0A0D0D0A, shb);
  // Interface Description Block: one interface for the whole network,
  // IPv4 packets without a link header, nanosecond timestamps.
  std::vector<uint8_t> idb;
  Le16(idb, 101);                          // LINKTYPE_RAW
  Le16(idb, 0);                            // reserved
  Le32(idb, 262144);                       // snaplen
  Option(idb, 2, "simsock network");       // if_name
  Option(idb, 9, std::string(1, '\x09'));  // if_tsresol: 10^-9 s
  EndOfOptions(idb);
  Block(0x00000001, idb);
}

void PcapWriter::Write(Time at, const Packet& packet,
                       const std::string& comment) {
  const std::vector<uint8_t> bytes = Encode(packet);
  const auto ns = static_cast<uint64_t>(at.count());
  std::vector<uint8_t> epb;
  epb.reserve(32 + bytes.size() + comment.size());
  Le32(epb, 0);  // interface 0
  Le32(epb, static_cast<uint32_t>(ns >> 32));
  Le32(epb, static_cast<uint32_t>(ns));
  Le32(epb, static_cast<uint32_t>(bytes.size()));  // captured
  Le32(epb, static_cast<uint32_t>(bytes.size()));  // on the wire
  epb.insert(epb.end(), bytes.begin(), bytes.end());
  Pad(epb);
  if (!comment.empty()) {
    Option(epb, 1, comment);  // opt_comment
    EndOfOptions(epb);
  }
  Block(0x00000006, epb);
  ++count_;
}

void PcapWriter::Block(uint32_t type, const std::vector<uint8_t>& body) {
  // Type, total length, body (a multiple of 4 bytes), total length again.
  std::vector<uint8_t> head;
  const auto total = static_cast<uint32_t>(12 + body.size());
  Le32(head, type);
  Le32(head, total);
  out_.write(reinterpret_cast<const char*>(head.data()), 8);
  out_.write(reinterpret_cast<const char*>(body.data()),
             static_cast<std::streamsize>(body.size()));
  out_.write(reinterpret_cast<const char*>(head.data()) + 4, 4);
}

}  // namespace simsock::sim
