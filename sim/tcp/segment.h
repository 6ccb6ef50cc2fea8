/// \file
/// A TCP segment as the control block sees it: header fields, the options the
/// simulator negotiates (MSS, window scale) and the payload. IP addresses
/// live one layer up (sim/inet/packet.h); the control block only knows ports.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "simsock/sim/tcp/seq.h"

namespace simsock::sim::tcp {

/// TCP header flag bits, with their wire values (RFC 9293 §3.1).
enum TcpFlag : uint8_t {
  kFin = 0x01,  ///< no more data from the sender
  kSyn = 0x02,  ///< synchronize sequence numbers
  kRst = 0x04,  ///< reset the connection
  kPsh = 0x08,  ///< push
  kAck = 0x10,  ///< the ack field is significant
  kUrg = 0x20,  ///< the urgent pointer is significant
};

/// One TCP segment: the header fields the simulator uses, its two SYN
/// options and the payload (a copy: segments own their bytes).
struct Segment {
  uint16_t src_port = 0;  ///< sender's port
  uint16_t dst_port = 0;  ///< receiver's port
  SeqNum seq;             ///< sequence number of the first octet (or the SYN)
  SeqNum ack;             ///< next octet expected; meaningful only with kAck
  uint8_t flags = 0;      ///< TcpFlag bits
  /// The raw 16-bit window field; the receiver shifts it by the peer's
  /// window scale except on SYN segments (RFC 7323 §2.2).
  uint16_t window = 0;
  /// The urgent pointer (with kUrg): the urgent byte is at seq + urg_ptr - 1
  /// (Linux's reading, tcp_stdurg = 0).
  uint16_t urg_ptr = 0;
  std::optional<uint16_t> mss;    ///< MSS option; SYN only
  std::optional<uint8_t> wscale;  ///< window scale option (shift); SYN only
  std::vector<uint8_t> payload;   ///< the data octets

  /// True when any bit of f is set in flags (f is usually one TcpFlag).
  bool Has(uint8_t f) const { return (flags & f) != 0; }
  /// Sequence space the segment occupies: payload plus one each for SYN, FIN.
  uint32_t SeqLen() const {
    return static_cast<uint32_t>(payload.size()) + (Has(kSyn) ? 1 : 0) +
           (Has(kFin) ? 1 : 0);
  }
};

/// tcpdump's flag notation: "S", "S.", ".", "P.", "F.", "R", "R.".
std::string FlagsToString(uint8_t flags);
/// Appends FlagsToString(flags) to `out`.
void AppendFlags(std::string& out, uint8_t flags);

/// An empty vector of segments with room for some, from a small pool of the
/// calling thread (a new empty vector when the pool is empty): a control
/// block's outbox takes one when it emits into no buffer, so that the
/// segments of a step cost no allocation of their own. Behaviour never
/// depends on it; only capacity moves.
std::vector<Segment> SpareSegmentVector();
/// Gives `v`'s buffer back to the calling thread's pool (its segments are
/// destroyed; a full pool, or a vector with no buffer, just frees it).
void RecycleSegmentVector(std::vector<Segment>&& v);

/// An empty payload buffer with room for some bytes, from a small pool of
/// the calling thread (an empty vector when the pool is empty): a segment
/// built for sending takes one, and the network gives it back when it is
/// done with the packet (RecyclePayload), so a segment in flight costs no
/// allocation of its own. Only capacity moves; behaviour never depends on it.
std::vector<uint8_t> SparePayload();
/// Gives `payload`'s buffer back to the calling thread's pool (a full pool,
/// or a buffer with no room or a large one, just frees it).
void RecyclePayload(std::vector<uint8_t>&& payload);

}  // namespace simsock::sim::tcp
