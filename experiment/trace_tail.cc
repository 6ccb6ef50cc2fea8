#include "simsock/experiment/trace_tail.h"

#include <string.h>  // memrchr

#include "simsock/net/sys/names.h"

namespace simsock::experiment {

namespace {

// Where the last ") = " of `line` starts, or npos. A syscall line has it
// near its end; other lines are walked back a ')' at a time (memrchr), not
// compared at every position.
size_t LastResultMark(std::string_view line) {
  size_t end = line.size();
  while (end > 0) {
    const auto* close =
        static_cast<const char*>(memrchr(line.data(), ')', end));
    if (close == nullptr) break;
    const auto at = static_cast<size_t>(close - line.data());
    if (line.substr(at).starts_with(") = ")) return at;
    end = at;
  }
  return std::string_view::npos;
}

// Whether a drop's reason is an injected fault's: a loss, a partition
// ("partition a <-> b") or a full queue; not "no route" nor the stack's own.
bool IsInjectedDrop(std::string_view reason) {
  return reason.starts_with("loss") || reason.starts_with("partition") ||
         reason.starts_with("queue full");
}

// Whether a line that is not a syscall's records an injected fault: a
// drop by a loss, a partition or a full queue, a duplicate, a corruption,
// a clog's hold, or a fault line that is not the plan's own note (the
// first " fault: " decides). Every mark starts with a space, so the walk
// looks only after each space, at the one character that can begin a
// mark.
bool RecordsInjection(std::string_view line) {
  size_t first_fault = std::string_view::npos;
  for (size_t at = line.find(' '); at != std::string_view::npos;
       at = line.find(' ', at + 1)) {
    const std::string_view rest = line.substr(at);
    if (rest.size() < 2) break;
    switch (rest[1]) {
      case 'd':
        if ((rest.starts_with(" drop (") && IsInjectedDrop(rest.substr(7))) ||
            rest.starts_with(" duplicate")) {
          return true;
        }
        break;
      case 'c':
        if (rest.starts_with(" corrupt")) return true;
        break;
      case 'h':
        if (rest.starts_with(" hold (clog")) return true;
        break;
      case 'f':
        if (first_fault == std::string_view::npos &&
            rest.starts_with(" fault: ")) {
          first_fault = at;
        }
        break;
      default:
        break;
    }
  }
  return first_fault != std::string_view::npos &&
         !line.substr(first_fault).starts_with(" fault: plan line ");
}

}  // namespace

TraceTail::TraceTail(size_t lines) : ring_(lines) {}

std::vector<std::string> TraceTail::Last() const {
  std::vector<std::string> out;
  const size_t n = ring_.size();
  if (n == 0) return out;
  const size_t kept = count_ < n ? static_cast<size_t>(count_) : n;
  for (size_t i = 0; i < kept; ++i) {
    const Event& e = ring_[(next_ + n - kept + i) % n];
    std::string line;
    sim::Trace::AppendLineStart(line, e.at);
    switch (e.kind) {
      case Event::Kind::kSyscall:
        sim::Trace::AppendSyscallText(line,
                                      sim::TraceCaller{e.who, e.pid, e.tid},
                                      e.call.c_str(), e.args, e.result);
        break;
      case Event::Kind::kPacket:
        sim::Trace::AppendPacketText(line, e.who, e.packet);
        break;
      case Event::Kind::kDrop:
        sim::Trace::AppendDropText(line, e.who, e.text, e.packet);
        break;
      case Event::Kind::kLine:
        sim::Trace::AppendLineText(line, e.who, e.text);
        break;
    }
    out.push_back(std::move(line));
  }
  return out;
}

TraceTail::Event* TraceTail::Keep(Event::Kind kind, sim::Time now,
                                  std::string_view who) {
  ++count_;
  if (ring_.empty()) return nullptr;
  Event& e = ring_[next_];
  next_ = (next_ + 1) % ring_.size();
  e.kind = kind;
  e.at = now;
  e.who.assign(who);
  return &e;
}

void TraceTail::OnSyscall(sim::Time now, const sim::TraceCaller& who,
                          const char* call, const sim::TraceArgs& args,
                          long result) {
  if (result < 0) CountResult(sys::ResultString(result));
  if (Event* e = Keep(Event::Kind::kSyscall, now, who.host)) {
    e->pid = who.pid;
    e->tid = who.tid;
    e->call.assign(call);
    e->args = args;
    e->result = result;
  }
}

void TraceTail::OnPacket(sim::Time now, const std::string& who,
                         const sim::Packet& packet) {
  if (Event* e = Keep(Event::Kind::kPacket, now, who)) {
    e->packet = sim::PacketSummary::Of(packet);
  }
}

void TraceTail::OnDrop(sim::Time now, const std::string& who,
                       const std::string& reason, const sim::Packet& packet) {
  if (IsInjectedDrop(reason)) ++faults_;
  if (Event* e = Keep(Event::Kind::kDrop, now, who)) {
    e->text.assign(reason);
    e->packet = sim::PacketSummary::Of(packet);
  }
}

void TraceTail::OnLine(sim::Time now, const std::string& who,
                       const std::string& what) {
  // The line as the rules read it, from the space before who (the time
  // in front carries no mark).
  scratch_.assign(1, ' ');
  sim::Trace::AppendLineText(scratch_, who, what);
  CountText(scratch_);
  if (Event* e = Keep(Event::Kind::kLine, now, who)) e->text.assign(what);
}

void TraceTail::CountText(std::string_view line) {
  // A syscall line ends "call(args) = <result>" (sys::ResultString); no
  // other line has ") = ", and a syscall line shows no data.
  if (const size_t at = LastResultMark(line); at != std::string_view::npos) {
    CountResult(line.substr(at + 4));
  } else if (RecordsInjection(line)) {
    ++faults_;
  }
}

void TraceTail::CountResult(std::string_view result) {
  if (result.size() > 2 && result[0] == '-' && result[1] == 'E') {
    result.remove_prefix(1);
    if (const size_t sp = result.find(' '); sp != std::string_view::npos) {
      result = result.substr(0, sp);
    }
    if (result != "EAGAIN" && result != "EINPROGRESS") {
      ++errors_[std::string(result)];
    }
  }
}

}  // namespace simsock::experiment
