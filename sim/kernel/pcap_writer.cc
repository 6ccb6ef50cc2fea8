#include "simsock/sim/kernel/pcap_writer.h"

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

// Little-endian fields of the pcap file itself.
void Le32(std::ostream& out, uint32_t v) {
  char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8),
               static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
  out.write(b, 4);
}
void Le16(std::ostream& out, uint16_t v) {
  char b[2] = {static_cast<char>(v), static_cast<char>(v >> 8)};
  out.write(b, 2);
}

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
  Le32(out_, 0xa1b23c4d);  // nanosecond timestamps
  Le16(out_, 2);
  Le16(out_, 4);
  Le32(out_, 0);       // thiszone
  Le32(out_, 0);       // sigfigs
  Le32(out_, 262144);  // snaplen
  Le32(out_, 101);     // LINKTYPE_RAW: IPv4 packets
}

void PcapWriter::Write(Time at, const Packet& packet) {
  std::vector<uint8_t> bytes = Encode(packet);
  int64_t ns = at.count();
  Le32(out_, static_cast<uint32_t>(ns / 1'000'000'000));
  Le32(out_, static_cast<uint32_t>(ns % 1'000'000'000));
  Le32(out_, static_cast<uint32_t>(bytes.size()));
  Le32(out_, static_cast<uint32_t>(bytes.size()));
  out_.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  ++count_;
}

}  // namespace simsock::sim
