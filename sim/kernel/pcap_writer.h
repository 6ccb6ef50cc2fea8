// PcapWriter: the packets of a run as a pcap file that Wireshark and tshark
// open. Nanosecond-resolution pcap (magic 0xa1b23c4d), link type RAW (101):
// each record is an IPv4 packet rebuilt from the simulator's Packet with
// real headers and checksums: TCP with its MSS and window-scale options,
// UDP, and ICMP port unreachable quoting the datagram's headers. Timestamps
// are virtual time. Packets are recorded when sent (as a capture on the
// sender would see them), including those the network then drops.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "simsock/sim/base/time.h"
#include "simsock/sim/inet/packet.h"

namespace simsock::sim {

class PcapWriter {
 public:
  // Writes the file header to `out` at once.
  explicit PcapWriter(std::ostream& out);

  void Write(Time at, const Packet& packet);
  uint64_t packets_written() const { return count_; }

  // The IPv4 packet for `packet` (exposed for tests).
  static std::vector<uint8_t> Encode(const Packet& packet);
  // The Internet checksum (RFC 1071) of data, folded and complemented.
  static uint16_t Checksum(const uint8_t* data, size_t len, uint32_t sum = 0);

 private:
  std::ostream& out_;
  uint64_t count_ = 0;
};

}  // namespace simsock::sim
