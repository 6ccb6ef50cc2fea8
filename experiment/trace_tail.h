/// \file
/// TraceTail: a trace listener (sim::Trace::SetListener) that keeps the
/// last events of a run for violation reports and counts what the summary
/// reports: failed syscalls by errno name, injected faults.
///
/// It keeps the events in binary form and formats only those a report
/// asks for (Last), so a run without violations formats no line for it;
/// a run that writes its trace to a file gives the file to the trace as
/// its sink.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/sim/inet/packet.h"
#include "simsock/sim/kernel/trace.h"

namespace simsock::experiment {

/// Keeps the last events of a trace, counts errors and injected faults.
class TraceTail : public sim::TraceListener {
 public:
  /// Keeps the last `lines` events.
  explicit TraceTail(size_t lines);

  /// The kept events' lines, oldest first: the text a sink got for them.
  std::vector<std::string> Last() const;
  /// Failed syscalls by errno name. EAGAIN and EINPROGRESS are left out:
  /// they are a nonblocking program's "not yet", not a failure.
  const std::map<std::string, uint64_t>& errors() const { return errors_; }
  /// Events that record an injected fault: a packet dropped by a loss, a
  /// cut or a full queue; a line of a packet duplicated, corrupted or held
  /// by a clog, of a host crashed or restarted, of a syscall fault. The
  /// plan's "begins"/"ends" lines and drops for want of a route are not
  /// injections.
  uint64_t faults() const { return faults_; }

  /// sim::TraceListener's.
  void OnSyscall(sim::Time now, const sim::TraceCaller& who, const char* call,
                 const sim::TraceArgs& args, long result) override;
  void OnPacket(sim::Time now, const std::string& who,
                const sim::Packet& packet) override;
  void OnDrop(sim::Time now, const std::string& who, const std::string& reason,
              const sim::Packet& packet) override;
  void OnLine(sim::Time now, const std::string& who,
              const std::string& what) override;

  /// The counting rules for one line of text ("[time] who what", or any
  /// part of it from the space before who): a line with ") = " is a
  /// syscall's, counted by its result; any other counts as an injection if
  /// it carries one's mark. OnLine's events are counted by their text this
  /// way; the others by their fields, to the same effect.
  void CountText(std::string_view line);

 private:
  // One kept event: what its line is formatted from.
  struct Event {
    enum class Kind { kSyscall, kPacket, kDrop, kLine };
    Kind kind = Kind::kLine;
    sim::Time at{0};
    std::string who;   // the host (kSyscall) or who
    int pid = 0;       // kSyscall
    int tid = -1;      // kSyscall
    std::string call;  // kSyscall
    sim::TraceArgs args;
    long result = 0;              // kSyscall
    std::string text;             // kDrop: the reason; kLine: what
    sim::PacketSummary packet{};  // kPacket, kDrop
  };
  // The slot the next event goes to (its strings keep their capacity), or
  // null when no event is kept.
  Event* Keep(Event::Kind kind, sim::Time now, std::string_view who);
  // A syscall's result as sys::ResultString writes it: "-ENAME" counts.
  void CountResult(std::string_view result);

  std::vector<Event> ring_;
  size_t next_ = 0;     // the slot the next event goes to
  uint64_t count_ = 0;  // events seen
  std::map<std::string, uint64_t> errors_;
  uint64_t faults_ = 0;
  std::string scratch_;  // an OnLine event's text, to count
};

}  // namespace simsock::experiment
