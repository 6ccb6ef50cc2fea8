/// \file
/// PcapWriter: the packets of a run as a pcapng file that Wireshark and
/// tshark open (the pcapng format, IETF draft-ietf-opsawg-pcapng): a
/// Section Header Block, one Interface Description Block (link type RAW,
/// 101: IPv4 packets without a link header; if_tsresol 9: nanosecond
/// timestamps), then one Enhanced Packet Block per packet. Each is an IPv4
/// packet rebuilt from the simulator's Packet with real headers and
/// checksums: TCP with its MSS and window-scale options, UDP, and ICMP port
/// unreachable quoting the datagram's headers. Timestamps are virtual time.
/// Packets are recorded when sent (as a capture on the sender would see
/// them), including those the network then drops; each record's opt_comment
/// says what the network did to it ("dropped (loss, plan line 3)",
/// "duplicated", "delayed 12ms", "held by clog", ...: sim/kernel/network.h,
/// docs/faults.md "In the pcap"), which Wireshark shows and tshark filters
/// on as frame.comment.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "simsock/sim/base/time.h"
#include "simsock/sim/inet/packet.h"

namespace simsock::sim {

/// Writes packets as a pcapng capture (one section, one raw-IPv4 interface)
/// that Wireshark and tcpdump read. Each record is encoded and written at once;
/// the stream must outlive the writer.
class PcapWriter {
 public:
  /// Writes the section and interface headers to `out` at once.
  explicit PcapWriter(std::ostream& out);

  /// One packet record, with `comment` (none when empty).
  void Write(Time at, const Packet& packet, const std::string& comment = "");
  /// Packet records written so far.
  uint64_t packets_written() const { return count_; }

  /// The IPv4 packet for `packet` (exposed for tests).
  static std::vector<uint8_t> Encode(const Packet& packet);
  /// The Internet checksum (RFC 1071) of data, folded and complemented.
  static uint16_t Checksum(const uint8_t* data, size_t len, uint32_t sum = 0);

 private:
  // A block: its type, length, `body` (padded to 32 bits), length.
  void Block(uint32_t type, const std::vector<uint8_t>& body);

  std::ostream& out_;
  uint64_t count_ = 0;
};

}  // namespace simsock::sim
