/// \file
/// Packet: one IPv4 packet on the simulated network. It carries a TCP
/// segment, a UDP datagram, or an ICMP port-unreachable message quoting the
/// UDP datagram that caused it. Addresses and ports are in host byte order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/sim/tcp/segment.h"

namespace simsock::sim {

/// The IP protocol number of a packet's payload.
enum class IpProto : uint8_t {
  kTcp = 6,   ///< IPPROTO_TCP: Packet::tcp
  kUdp = 17,  ///< IPPROTO_UDP: Packet::udp
  kIcmp = 1   ///< IPPROTO_ICMP: Packet::icmp
};

/// A UDP datagram: ports and payload (the checksum is not modelled).
struct UdpDatagram {
  uint16_t src_port = 0;         ///< sender's port
  uint16_t dst_port = 0;         ///< receiver's port
  std::vector<uint8_t> payload;  ///< the data
  /// A corked datagram (MSG_MORE / UDP_CORK): the bytes of its first send,
  /// which Linux put in the skb's linear head; -1 for a datagram sent in one
  /// call. Only the receiver's truesize accounting uses it.
  int32_t head = -1;
};

/// ICMP destination unreachable, code 3 (port unreachable), quoting the
/// offending datagram's addresses and ports.
struct IcmpPortUnreachable {
  uint32_t orig_src = 0;       ///< the failed datagram's source address
  uint32_t orig_dst = 0;       ///< its destination address
  uint16_t orig_src_port = 0;  ///< its source port
  uint16_t orig_dst_port = 0;  ///< its destination port
  /// The start of the failed datagram's payload that the message quotes
  /// (icmp_send quotes at most 576 bytes of ICMP message in all).
  std::vector<uint8_t> quoted_payload;
};

/// An IPv4 packet between hosts: addresses, and the one payload `proto`
/// names (the other two members are empty). Copied by value along the path.
struct Packet {
  uint32_t src = 0;               ///< source address, host byte order
  uint32_t dst = 0;               ///< destination address, host byte order
  IpProto proto = IpProto::kTcp;  ///< which payload member is meaningful
  tcp::Segment tcp;               ///< the TCP segment (kTcp)
  UdpDatagram udp;                ///< the UDP datagram (kUdp)
  IcmpPortUnreachable icmp;       ///< the ICMP message (kIcmp)
};

/// "10.0.0.1"
std::string IpToString(uint32_t ip);
/// Appends IpToString(ip) to `out`.
void AppendIp(std::string& out, uint32_t ip);
/// Parses a strict dotted quad: four decimal numbers 0..255 of one to three
/// digits, no leading zeros (an "010" would mean 8 to inet_aton and 10 to a
/// reader), nothing before or after. The form World::AddHost takes.
bool ParseIp(std::string_view text, uint32_t* ip);

/// How getaddrinfo(AF_INET) reads a host string before it asks NSS (glibc
/// 2.36 gaih_inet): kV4 if it is an IPv4 number (inet_aton rules, see
/// ParseInetAton) or an IPv4-mapped IPv6 literal ("::ffff:1.2.3.4", with an
/// optional decimal "%scope"); kNoIPv4 if it is an IPv6 literal of no
/// IPv4 address or with a bad scope (getaddrinfo fails with EAI_ADDRFAMILY
/// or EAI_NONAME without a lookup); else kName (getaddrinfo would look the
/// name up).
enum class NumericHost {
  kV4,      ///< an IPv4 number or IPv4-mapped literal: *ip is set
  kNoIPv4,  ///< an IPv6 literal of no IPv4 address, or a bad scope
  kName     ///< not numeric: a name to look up
};
/// Reads `text` as getaddrinfo(AF_INET) does before NSS (see NumericHost);
/// sets *ip for kV4.
NumericHost ParseNumericHost(std::string_view text, uint32_t* ip);

/// glibc's __inet_aton_exact: one to four parts separated by '.', each a C
/// integer (decimal, 0-prefixed octal, 0x-prefixed hex) starting with a
/// digit; every part but the last is one byte and the last fills the
/// remaining bytes (a.b: 24 bits, a.b.c: 16 bits); nothing else anywhere,
/// not even whitespace. "127.1" is 127.0.0.1, "0x7f.1" too, "4294967295"
/// 255.255.255.255; "08" and "1.2.3.256" are not numbers.
bool ParseInetAton(std::string_view text, uint32_t* ip);
/// True for 127.0.0.0/8.
inline bool IsLoopback(uint32_t ip) { return (ip >> 24) == 127; }

/// What a packet's line shows (AppendDescription): its headers and its
/// payload's length, not the payload. Cheap to copy: a trace listener that
/// keeps the last events (experiment::TraceTail) keeps these and formats
/// only the lines a report shows.
struct PacketSummary {
  uint32_t src = 0;               ///< source address, host byte order
  uint32_t dst = 0;               ///< destination address, host byte order
  IpProto proto = IpProto::kTcp;  ///< which fields below are meaningful
  uint16_t src_port = 0;          ///< TCP, UDP
  uint16_t dst_port = 0;          ///< TCP, UDP
  uint8_t flags = 0;              ///< TCP
  uint32_t seq = 0;               ///< TCP
  uint32_t ack = 0;               ///< TCP (shown with kAck)
  uint16_t window = 0;            ///< TCP
  uint16_t urg_ptr = 0;           ///< TCP (shown with kUrg)
  std::optional<uint16_t> mss;    ///< TCP
  std::optional<uint8_t> wscale;  ///< TCP
  size_t length = 0;              ///< TCP, UDP: the payload's length
  uint32_t orig_dst = 0;          ///< ICMP: the failed datagram's
  uint16_t orig_dst_port = 0;     ///< ICMP
  /// The summary of `p`.
  static PacketSummary Of(const Packet& p);
};

/// tcpdump-style one-line summary of a packet.
std::string Describe(const Packet& p);
/// Appends Describe(p) to `out` (the trace's lines: no temporaries).
void AppendDescription(std::string& out, const Packet& p);
/// Appends the line of the packet `p` summarises (the same text).
void AppendDescription(std::string& out, const PacketSummary& p);

/// Bytes the packet occupies on the wire at the IP layer: the IPv4 header,
/// the transport header (TCP with its options) and the payload; an ICMP
/// port unreachable quotes the offending IP header and 8 bytes.
size_t WireSize(const Packet& p);

}  // namespace simsock::sim
