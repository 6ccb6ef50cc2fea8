// Packet: one IPv4 packet on the simulated network. It carries a TCP
// segment, a UDP datagram, or an ICMP port-unreachable message quoting the
// UDP datagram that caused it. Addresses and ports are in host byte order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/tcp/segment.h"

namespace simsock::sim {

enum class IpProto : uint8_t { kTcp = 6, kUdp = 17, kIcmp = 1 };

struct UdpDatagram {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  std::vector<uint8_t> payload;
};

// ICMP destination unreachable, code 3 (port unreachable), quoting the
// offending datagram's addresses and ports.
struct IcmpPortUnreachable {
  uint32_t orig_src = 0;
  uint32_t orig_dst = 0;
  uint16_t orig_src_port = 0;
  uint16_t orig_dst_port = 0;
  // The start of the failed datagram's payload that the message quotes
  // (icmp_send quotes at most 576 bytes of ICMP message in all).
  std::vector<uint8_t> quoted_payload;
};

struct Packet {
  uint32_t src = 0;
  uint32_t dst = 0;
  IpProto proto = IpProto::kTcp;
  tcp::Segment tcp;
  UdpDatagram udp;
  IcmpPortUnreachable icmp;
};

// "10.0.0.1"
std::string IpToString(uint32_t ip);
// Parses dotted-quad IPv4; returns false on malformed input.
bool ParseIp(const std::string& text, uint32_t* ip);
inline bool IsLoopback(uint32_t ip) { return (ip >> 24) == 127; }

// tcpdump-style one-line summary of a packet.
std::string Describe(const Packet& p);

}  // namespace simsock::sim
