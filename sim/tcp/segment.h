// A TCP segment as the control block sees it: header fields, the options the
// simulator negotiates (MSS, window scale) and the payload. IP addresses
// live one layer up (sim/inet/packet.h); the control block only knows ports.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "simsock/sim/tcp/seq.h"

namespace simsock::sim::tcp {

// TCP header flag bits, with their wire values.
enum TcpFlag : uint8_t {
  kFin = 0x01,
  kSyn = 0x02,
  kRst = 0x04,
  kPsh = 0x08,
  kAck = 0x10,
  kUrg = 0x20,
};

struct Segment {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  SeqNum seq;
  SeqNum ack;  // meaningful only with kAck
  uint8_t flags = 0;
  // The raw 16-bit window field; the receiver shifts it by the peer's
  // window scale except on SYN segments (RFC 7323 §2.2).
  uint16_t window = 0;
  // The urgent pointer (with kUrg): the urgent byte is at seq + urg_ptr - 1
  // (Linux's reading, tcp_stdurg = 0).
  uint16_t urg_ptr = 0;
  std::optional<uint16_t> mss;    // SYN only
  std::optional<uint8_t> wscale;  // SYN only
  std::vector<uint8_t> payload;

  bool Has(uint8_t f) const { return (flags & f) != 0; }
  // Sequence space the segment occupies: payload plus one each for SYN, FIN.
  uint32_t SeqLen() const {
    return static_cast<uint32_t>(payload.size()) + (Has(kSyn) ? 1 : 0) +
           (Has(kFin) ? 1 : 0);
  }
};

// tcpdump's flag notation: "S", "S.", ".", "P.", "F.", "R", "R.".
std::string FlagsToString(uint8_t flags);

}  // namespace simsock::sim::tcp
