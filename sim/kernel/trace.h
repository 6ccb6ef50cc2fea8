/// \file
/// Trace: the record of a run. Every syscall (virtual time, host, pid, call,
/// arguments, result), every packet (tcpdump-style) and every injected
/// fault, as readable lines. A running FNV-1a hash of all lines lets a test
/// compare two runs cheaply; sinks are optional: a stream of readable lines,
/// an in-memory list, JSON lines (one object per event; packets with their
/// header fields), a pcap file of the packets, and an in-memory list of
/// structured events (TraceEvent) for tests to assert on.
//
// Same seed and same program give a byte-identical trace.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "simsock/sim/base/time.h"
#include "simsock/sim/inet/packet.h"

namespace simsock::sim {

class PcapWriter;

/// One trace event in structured form, for tests that assert on what
/// happened rather than on how a line reads (simsock/testing/trace_events.h
/// has matchers over them). `text` is the line without time and who.
struct TraceEvent {
  /// What the event records.
  enum class Kind {
    kSyscall,  ///< a process's call: call, args, result
    kPacket,   ///< a packet a host handed to the network: packet
    kDrop,     ///< the network dropped a packet: packet, reason
    kOther,    ///< anything else (faults, deadlocks, queue drops): text only
  };
  Kind kind = Kind::kOther;  ///< what the event records
  Time time{};               ///< virtual time of the event
  std::string who;   ///< "a", "a pid 1", "a pid 1 tid 2", "network", "world"
  std::string text;  ///< the line without time and who
  /// kSyscall: "connect", "fd 3, 10.0.0.1:80", "-EINPROGRESS" (the text of
  /// "connect(fd 3, 10.0.0.1:80) = -EINPROGRESS" split at its parentheses).
  std::string call;
  std::string args;    ///< kSyscall: the arguments as traced
  std::string result;  ///< kSyscall: the result as traced ("0", "-EAGAIN")
  /// kPacket and kDrop.
  std::optional<sim::Packet> packet;
  /// kDrop: "loss", "partition", "no route".
  std::string reason;
};

/// The world's trace: one line per syscall, packet, drop and notable event,
/// hashed as it goes (the pins), and optionally copied to a stream, to memory,
/// as JSON lines or as pcapng. Writing a line is O(its length); keeping lines
/// or events allocates.
class Trace {
 public:
  /// An enabled trace that keeps nothing and writes nowhere.
  Trace() = default;
  /// With SIMSOCK_TRACE_DIGEST set to a file path in the environment, every
  /// trace appends "<hash> <lines>" to that file when it ends: a digest of
  /// every world a process ran, which tools/trace_pins.sh compares across
  /// builds (a refactoring must not change a single trace line).
  ~Trace();
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  /// When disabled, nothing is formatted (benchmarks); Enabled() lets
  /// callers skip building the line.
  bool Enabled() const { return enabled_; }
  /// Turns formatting and hashing on or off.
  void SetEnabled(bool on) { enabled_ = on; }
  /// Copies every line to `out` as it is written (nullptr to stop).
  void SetSink(std::ostream* out) { sink_ = out; }
  /// Keeps every line in memory, for tests.
  void KeepLines(bool on) { keep_ = on; }
  /// The lines kept since KeepLines(true).
  const std::vector<std::string>& lines() const { return lines_; }
  /// Keeps every event in memory in structured form, for tests. Written
  /// lines and the hash are the same either way.
  void KeepEvents(bool on) { keep_events_ = on; }
  /// The events kept since KeepEvents(true).
  const std::vector<TraceEvent>& events() const { return events_; }

  /// Writes "[    1.234567890] <who> <what>".
  void Write(Time now, const std::string& who, const std::string& what);

  /// Also writes every event as a JSON line to `out` (nullptr to stop):
  ///   {"t_ns":1000000,"who":"a pid 1","event":"connect(...) = -EINPROGRESS"}
  ///   {"t_ns":0,"who":"a","packet":{"src":"10.0.0.1","sport":40000,...}}
  void SetJsonSink(std::ostream* out) { json_ = out; }
  /// Records every packet sent to a pcapng file too (nullptr to stop). The
  /// writer must outlive the world or be unset first.
  void SetPcap(PcapWriter* pcap) { pcap_ = pcap; }
  /// A pcap writer is set.
  bool capturing() const { return pcap_ != nullptr; }
  /// A packet handed to the network by host `who`: its readable line and
  /// its JSON record.
  void Packet(Time now, const std::string& who, const sim::Packet& packet);
  /// Its pcapng record, with what the network did to it (`fate`, the
  /// record's comment), once the network has decided (Network::Send).
  void Capture(Time sent, const sim::Packet& packet, const std::string& fate);
  /// A syscall's end: "<call>(<args>) = <result>", and its structured event.
  void Syscall(Time now, const std::string& who, const std::string& call,
               const std::string& args, const std::string& result);
  /// A packet the network dropped: "drop (<reason>): <packet>", and its
  /// structured event.
  void Drop(Time now, const std::string& who, const std::string& reason,
            const sim::Packet& packet);

  /// FNV-1a hash of every line written so far: the trace's digest.
  uint64_t hash() const { return hash_; }
  /// Lines written so far.
  uint64_t line_count() const { return count_; }

  /// Virtual time as the trace prints it: seconds with nine decimals,
  /// right-aligned (" 1.234567890").
  static std::string FormatTime(Time t);

 private:
  // The readable line (hash, sink, memory); no JSON.
  void WriteText(Time now, const std::string& who, const std::string& what);
  // The readable line and its JSON record.
  void WriteLine(Time now, const std::string& who, const std::string& what);
  // Keeps `e` with its time, who and text filled in (callers build an
  // event only when events are kept: syscalls are the hot path).
  void Keep(Time now, const std::string& who, const std::string& what,
            TraceEvent e);

  bool enabled_ = true;
  bool keep_ = false;
  std::ostream* sink_ = nullptr;
  PcapWriter* pcap_ = nullptr;
  std::ostream* json_ = nullptr;
  std::vector<std::string> lines_;
  bool keep_events_ = false;
  std::vector<TraceEvent> events_;
  uint64_t hash_ = 0xcbf29ce484222325ULL;
  uint64_t count_ = 0;
};

}  // namespace simsock::sim
