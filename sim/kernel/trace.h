/// \file
/// Trace: the record of a run. Every syscall (virtual time, host, pid,
/// call, arguments, result), every packet (tcpdump-style) and every
/// injected fault is an event. Each event is appended in binary form to a
/// running hash (TraceHash: FNV-1a over an explicit byte encoding), which
/// lets determinism checks and the trace pins compare two runs cheaply;
/// its readable line is formatted only when something wants the text: a
/// stream of lines (SetSink), the in-memory lines (KeepLines) or events
/// (KeepEvents), JSON lines (SetJsonSink). A pcapng file of the packets
/// (SetPcap) needs no text.
///
/// Same seed and same program give the same hash and byte-identical text;
/// two runs whose text differs differ in their hash too (every field a
/// line shows is in the event's encoding).
///
/// Adding an event: a syscall gives its arguments as TraceArgs
/// (sim/kernel/trace_args.h says how) to Process::Syscall, which calls
/// Syscall() here; a rare event (a fault, a drop inside a stack) may stay
/// a text line (Write), hashed as its text.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/sim/base/time.h"
#include "simsock/sim/inet/packet.h"
#include "simsock/sim/kernel/trace_args.h"
#include "simsock/sim/kernel/trace_hash.h"

namespace simsock::sim {

class PcapWriter;

/// One trace event in structured form, for tests that assert on what
/// happened rather than on how a line reads (simsock/testing/trace_events.h
/// has matchers over them).
struct TraceEvent {
  /// What the event is.
  enum class Kind {
    kSyscall,  ///< a process's call: call, args, result
    kPacket,   ///< a packet a host handed to the network: packet
    kDrop,     ///< the network dropped a packet: packet, reason
    kOther,    ///< anything else (faults, deadlocks, queue drops): text only
  };
  Kind kind = Kind::kOther;  ///< what the event is
  Time time{};               ///< when, in virtual time
  /// "a", "a pid 1", "a pid 1 tid 2", "network", "world".
  std::string who;
  std::string text;  ///< the line without time and who
  /// kSyscall: "connect", "fd 3, 10.0.0.1:80", "-EINPROGRESS" (the text of
  /// "connect(fd 3, 10.0.0.1:80) = -EINPROGRESS" split at its parentheses).
  std::string call;
  std::string args;                   ///< kSyscall: the arguments' text
  std::string result;                 ///< kSyscall: the result's text
  std::optional<sim::Packet> packet;  ///< kPacket and kDrop: the packet
  std::string reason;  ///< kDrop: "loss", "partition", "no route"...
};

/// Who made a syscall: its line reads "<host> pid <pid>[ tid <tid>]".
struct TraceCaller {
  std::string_view host;  ///< the host's name
  int pid = 0;            ///< the process
  int tid = -1;           ///< the simulated thread; -1 for none
  /// "a pid 1", "a pid 1 tid 2".
  std::string ToString() const;
  /// Appends ToString() to `out`.
  void AppendTo(std::string& out) const;
};

/// Receives a trace's events as they happen, in binary form: nothing is
/// formatted for a listener (Trace::WantsText does not count it). One that
/// shows some events later formats them with Trace's Append*Text, the
/// text a sink would have got.
class TraceListener {
 public:
  virtual ~TraceListener() = default;
  /// Trace::Syscall's event.
  virtual void OnSyscall(Time now, const TraceCaller& who, const char* call,
                         const TraceArgs& args, long result) = 0;
  /// Trace::Packet's event.
  virtual void OnPacket(Time now, const std::string& who,
                        const sim::Packet& packet) = 0;
  /// Trace::Drop's event.
  virtual void OnDrop(Time now, const std::string& who,
                      const std::string& reason, const sim::Packet& packet) = 0;
  /// Trace::Write's event.
  virtual void OnLine(Time now, const std::string& who,
                      const std::string& what) = 0;
};

/// The trace of one world (World::trace()).
class Trace {
 public:
  /// An enabled trace that keeps nothing and writes nowhere.
  Trace() = default;
  /// With SIMSOCK_TRACE_DIGEST set to a file's path in the environment,
  /// every trace appends "<hash> <events>" (hash in hex) to that file when
  /// it ends: a digest of every world a process ran, which
  /// tools/trace_pins.sh compares across builds. With SIMSOCK_TRACE_TEXT
  /// set to a file's path, every line of
  /// every trace of the process is appended to that file as a sink gets it
  /// (tools/trace_pins.sh --text).
  ~Trace();
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  /// When disabled, nothing is recorded, not even the hash (benchmarks);
  /// callers may test Enabled() to skip building an event.
  bool Enabled() const { return enabled_; }
  /// Turns the whole trace on or off.
  void SetEnabled(bool on) { enabled_ = on; }
  /// Copies every line to `out` as it is written (nullptr to stop).
  void SetSink(std::ostream* out) { sink_ = out; }
  /// Hands every event to `listener` too, unformatted (nullptr to stop).
  void SetListener(TraceListener* listener) { listener_ = listener; }
  /// Keeps every line in memory, for tests.
  void KeepLines(bool on) { keep_ = on; }
  /// The lines kept since KeepLines(true).
  const std::vector<std::string>& lines() const { return lines_; }
  /// Keeps every event in memory in structured form, for tests. The hash
  /// is the same either way.
  void KeepEvents(bool on) { keep_events_ = on; }
  /// The events kept since KeepEvents(true).
  const std::vector<TraceEvent>& events() const { return events_; }

  /// A line of its own: "[    1.234567890] <who> <what>"; hashed as its
  /// who and text (for rare events: faults, deadlocks, a stack's drops).
  void Write(Time now, const std::string& who, const std::string& what);

  /// Also writes every event as a JSON line to `out` (nullptr to stop):
  /// \code
  ///   {"t_ns":1000000,"who":"a pid 1","event":"connect(...) = -EINPROGRESS"}
  ///   {"t_ns":0,"who":"a","packet":{"src":"10.0.0.1","sport":40000,...}}
  /// \endcode
  void SetJsonSink(std::ostream* out) { json_ = out; }
  /// Records every packet sent to a pcapng file too (nullptr to stop). The
  /// writer must outlive the world or be unset first.
  void SetPcap(PcapWriter* pcap) { pcap_ = pcap; }
  /// Whether a pcapng writer is set.
  bool capturing() const { return pcap_ != nullptr; }
  /// A packet handed to the network by host `who`; its line is
  /// Describe(packet) (tcpdump's form).
  void Packet(Time now, const std::string& who, const sim::Packet& packet);
  /// Its pcapng record, with what the network did to it (`fate`, the
  /// record's comment), once the network has decided (Network::Send).
  void Capture(Time sent, const sim::Packet& packet, const std::string& fate);
  /// A syscall's end: "<call>(<args>) = <result>" (the result as
  /// sys::ResultString writes it: "3", "-EAGAIN").
  void Syscall(Time now, const TraceCaller& who, const char* call,
               const TraceArgs& args, long result);
  /// A packet the network dropped: "drop (<reason>): <packet>".
  void Drop(Time now, const std::string& who, const std::string& reason,
            const sim::Packet& packet);

  /// The hash of every event so far (TraceHash).
  uint64_t hash() const { return hash_.value(); }
  /// How many events (lines) so far.
  uint64_t line_count() const { return count_; }

  /// "    1.234567890": printf's "%5lld.%09lld" of the seconds and
  /// nanoseconds.
  static std::string FormatTime(Time t);
  /// Appends FormatTime(t) to `out`.
  static void AppendTime(std::string& out, Time t);

  // A line's text, in the pieces a listener formats later: the line is
  // AppendLineStart's "[<time>] " and then one of the Append*Text. Each
  // returns where its "what" starts in `out` (after "<who> ").
  /// "[    1.234567890] ".
  static void AppendLineStart(std::string& out, Time t);
  /// "<who> <call>(<args>) = <result>".
  static size_t AppendSyscallText(std::string& out, const TraceCaller& who,
                                  const char* call, const TraceArgs& args,
                                  long result);
  /// "<who> <packet>" (AppendDescription).
  static size_t AppendPacketText(std::string& out, std::string_view who,
                                 const PacketSummary& packet);
  /// "<who> drop (<reason>): <packet>".
  static size_t AppendDropText(std::string& out, std::string_view who,
                               std::string_view reason,
                               const PacketSummary& packet);
  /// "<who> <what>".
  static size_t AppendLineText(std::string& out, std::string_view who,
                               std::string_view what);

 private:
  // Whether any consumer of the text is attached (a sink, the kept lines
  // or events, JSON, the process's text dump).
  bool WantsText() const;
  // The event's kind and time, which every encoding starts with.
  void HashHead(char kind, Time now);
  // The packet's fields that its line shows.
  void HashPacket(const sim::Packet& packet);
  // Starts line_ afresh with "[<time>] " and returns where who starts.
  size_t StartLine(Time now);
  // The part [from, to) of line_ (to = npos: to its end).
  std::string_view LinePart(size_t from, size_t to = std::string::npos) const;
  // Writes line_ to the sink and the text dump (one write each, its
  // newline included) and to the kept lines.
  void WriteText();
  // The line's JSON record.
  void WriteJson(Time now, std::string_view who, std::string_view what);
  // Keeps `e` with its time, who and text filled in.
  void Keep(Time now, std::string_view who, std::string_view what,
            TraceEvent e);

  bool enabled_ = true;
  bool keep_ = false;
  std::ostream* sink_ = nullptr;
  TraceListener* listener_ = nullptr;
  PcapWriter* pcap_ = nullptr;
  std::ostream* json_ = nullptr;
  std::vector<std::string> lines_;
  bool keep_events_ = false;
  std::vector<TraceEvent> events_;
  TraceHash hash_;
  uint64_t count_ = 0;
  // The line being formatted ("[time] who what"), and a JSON record: kept
  // from one event to the next, so a line allocates nothing once they have
  // grown.
  std::string line_;
  std::string json_line_;
  // "[<time>] " of the last line's instant (StartLine), and that instant.
  std::string time_text_;
  Time time_text_at_{};
};

}  // namespace simsock::sim
