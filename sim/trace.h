// Trace: the record of a run. Every syscall (virtual time, host, pid, call,
// arguments, result), every packet (tcpdump-style) and every state change,
// as readable lines. A running FNV-1a hash of all lines lets a test compare
// two runs cheaply; sinks (a stream, an in-memory list) are optional.
//
// Same seed and same program give a byte-identical trace.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "sim/packet.h"
#include "sim/time.h"

namespace simsock::sim {

class PcapWriter;

class Trace {
 public:
  // When disabled, nothing is formatted (benchmarks); Enabled() lets
  // callers skip building the line.
  bool Enabled() const { return enabled_; }
  void SetEnabled(bool on) { enabled_ = on; }
  // Copies every line to `out` as it is written (nullptr to stop).
  void SetSink(std::ostream* out) { sink_ = out; }
  // Keeps every line in memory, for tests.
  void KeepLines(bool on) { keep_ = on; }
  const std::vector<std::string>& lines() const { return lines_; }

  // Writes "[    1.234567890] <who> <what>".
  void Write(Time now, const std::string& who, const std::string& what);

  // Records every packet sent to a pcap file too (nullptr to stop). The
  // writer must outlive the world or be unset first.
  void SetPcap(PcapWriter* pcap) { pcap_ = pcap; }
  // A packet handed to the network (the readable line is written apart).
  void Packet(Time now, const sim::Packet& packet);

  uint64_t hash() const { return hash_; }
  uint64_t line_count() const { return count_; }

  static std::string FormatTime(Time t);

 private:
  bool enabled_ = true;
  bool keep_ = false;
  std::ostream* sink_ = nullptr;
  PcapWriter* pcap_ = nullptr;
  std::vector<std::string> lines_;
  uint64_t hash_ = 0xcbf29ce484222325ULL;
  uint64_t count_ = 0;
};

}  // namespace simsock::sim
