/// \file
/// FaultPlan: what goes wrong in a run, and when, as data. A plan is written
/// once, as text (docs/faults.md) or built in C++, and applied to any run:
/// its network and host events to a simulated world, its syscall events to
/// a simulated process or, through faults::FaultySyscalls, to the real kernel.
///
/// \code
///   group clients = client*
///   from 10s to 40s loss 0.1 clients <-> server
///   from 20s to 25s partition server -> clients
///   at 45s crash server
///   at 55s restart server
///   from 0s syscall eintr 0.05 in recvfrom on clients
///   random faults=20 kinds=loss,partition,crash duration=10m
/// \endcode
///
/// Every event keeps the line (and column) it came from, so that what it
/// injects is traced with its origin, and a plan printed back (ToText) reads
/// as the one written. Nothing here knows a world: host names are checked
/// against one when the plan is applied (or by Parse when given the names).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Fault plans (docs/faults.md): what goes wrong in a run, and when; and
/// the syscall fault injector that applies a plan's syscall faults to any
/// Syscalls backend.
namespace simsock::faults {

/// A length of time in nanoseconds (the same type as net::Duration).
using Duration = std::chrono::nanoseconds;
/// A point in the run's time (virtual time in a world), from its start.
using Time = std::chrono::nanoseconds;

/// Where a piece of a plan was written: 1-based line and column (0 for a
/// plan built in C++).
struct Where {
  int line = 0;    ///< 1-based; 0 when built in C++
  int column = 0;  ///< 1-based; 0 when built in C++
  /// Positions are not part of what a plan means: two plans that differ only
  /// in where their lines were written are equal.
  bool operator==(const Where&) const { return true; }
};

/// Some hosts: every host ("*"), or names, each a host or a group.
struct HostSet {
  bool all = false;                ///< "*": every host (names is empty)
  std::vector<std::string> names;  ///< host or group names, as written

  /// "*".
  static HostSet All() { return {true, {}}; }
  /// The hosts or groups named.
  static HostSet Of(std::vector<std::string> names) {
    return {false, std::move(names)};
  }
  /// Same meaning (all, or the same names in the same order).
  bool operator==(const HostSet&) const = default;
};

/// The links between two sets of hosts: from every host of `from` to every
/// host of `to` (a host is never linked to itself), and back when
/// `both_ways`.
struct LinkSet {
  HostSet from;           ///< the sending side
  HostSet to;             ///< the receiving side
  bool both_ways = true;  ///< "<->" (true) or "->" (false)
  /// Field-wise equality.
  bool operator==(const LinkSet&) const = default;
};

/// What a syscall fault makes a call return (docs/faults.md says which
/// calls each may hit, and why Linux can return it there).
enum class SyscallFaultKind {
  kEintr,         ///< a call about to block is interrupted by a signal
  kShortIo,       ///< a stream read or write moves fewer bytes (at least 1)
  kEagain,        ///< a nonblocking call finds nothing (a spurious wakeup)
  kEnobufs,       ///< a send fails with ENOBUFS
  kEnomem,        ///< a send fails with ENOMEM
  kEmfile,        ///< socket / accept4: the process is out of fds
  kEnfile,        ///< socket / accept4: the system is out of files
  kEconnaborted,  ///< accept4: the connection was aborted before it was taken
  kEconnreset,    ///< a read of a connected stream: the peer reset it
  kSpuriousWake,  ///< epoll_wait returns 0 events before its timeout
};

/// A syscall fault: which calls (all of the kind's calls when `call` is
/// empty), and when: with `probability` on each eligible call, or on the
/// `nth` eligible call only (1-based; 0 when probability is used).
struct SyscallFault {
  SyscallFaultKind kind = SyscallFaultKind::kEintr;  ///< what the call returns
  std::string call;        ///< "recvfrom", ...; empty: all the kind's calls
  double probability = 0;  ///< per eligible call, in [0, 1]; 0 with nth
  uint64_t nth = 0;        ///< hit only the nth eligible call (1-based)
  /// Field-wise equality.
  bool operator==(const SyscallFault&) const = default;
};

/// What a timed Event does (docs/faults.md describes each).
enum class FaultKind {
  // Link impairments, per direction of each link of `link`.
  kLoss,       ///< value: probability a packet is dropped
  kDuplicate,  ///< value: probability it is delivered twice
  kCorrupt,    ///< value: probability it is damaged (the receiver's checksum
               ///< drops it)
  kDelay,      ///< duration: extra one-way delay
  kJitter,     ///< duration: extra delay, uniform in [0, duration]: reorders
  kBandwidth,  ///< bits_per_second: the link's rate
  kQueue,      ///< bytes: the link's drop-tail queue limit
  kClog,       ///< everything is held, then released in order when it ends
  // Cuts.
  kPartition,  ///< `link` carries nothing
  kIsolate,    ///< `hosts` reach no other host, nor any other host them
  kSplit,      ///< `hosts` and `others` reach each other no more
  // Hosts.
  kCrash,    ///< `hosts` die at `start` (and restart at `end`, if given)
  kRestart,  ///< `hosts` come back, empty, at `start`
  // Processes.
  kSyscall,  ///< `syscall` on the processes of `hosts` (pid 0: all of them)
};

/// One timed event. `start` is when it begins; `end`, if set, when it ends
/// (impairments and cuts are undone, a crashed host restarts). Without
/// `end`, an impairment or cut lasts to the end of the run.
struct Event {
  Where where;              ///< where it was written
  Time start{0};            ///< when it begins
  std::optional<Time> end;  ///< when it ends; none: end of the run
  bool instant = false;     ///< written "at T" (crash, restart), not "from T"
  FaultKind kind = FaultKind::kLoss;  ///< what it does
  double probability = 0;             ///< loss, duplicate, corrupt
  Duration duration{0};               ///< delay, jitter
  uint64_t bits_per_second = 0;       ///< bandwidth
  uint64_t bytes = 0;                 ///< queue
  LinkSet link;                       ///< impairments, partition, clog
  HostSet hosts;         ///< isolate, split, crash, restart, syscall
  HostSet others;        ///< split: the other side
  int pid = 0;           ///< syscall: 0 for every process of the hosts
  SyscallFault syscall;  ///< syscall: which calls fail, and how often
  /// Same meaning (positions aside).
  bool operator==(const Event&) const = default;
};

/// A named set of hosts: host names or globs ("client*", "db?").
struct Group {
  Where where;                        ///< where it was written
  std::string name;                   ///< the group's name
  std::vector<std::string> patterns;  ///< host names or globs
  /// Same meaning (positions aside).
  bool operator==(const Group&) const = default;
};

/// "random faults=N kinds=a,b duration=D": N events of the given kinds,
/// drawn from the run's seed (Draw).
struct RandomBudget {
  Where where;                   ///< where it was written
  int faults = 0;                ///< how many events to draw
  std::vector<FaultKind> kinds;  ///< the kinds to draw from
  Duration duration{0};          ///< the span of the run they fall in
  /// Same meaning (positions aside).
  bool operator==(const RandomBudget&) const = default;
};

/// A problem in a plan: where, and what.
struct PlanError {
  int line = 0;         ///< 1-based; 0 when no position applies
  int column = 0;       ///< 1-based; 0 when no position applies
  std::string message;  ///< what is wrong, e.g. unknown host or group "x"
  /// "plan:3:12: <message>" (or "plan: <message>" with no position).
  std::string ToString() const;
};

/// A fault plan: host groups, timed events, and an optional random budget.
/// A plain value; applying it is the simulator's (sim/faults) or
/// FaultySyscalls' work.
class FaultPlan {
 public:
  std::vector<Group> groups;           ///< in the order written
  std::vector<Event> events;           ///< in the order written
  std::optional<RandomBudget> random;  ///< "random ..." if written

  /// True when the plan injects nothing (no event, no random budget).
  bool empty() const { return events.empty() && !random; }
  /// Same meaning (positions aside).
  bool operator==(const FaultPlan&) const = default;

  /// The plan in its text form, one event per line; Parse(ToText()) gives
  /// the same plan back (positions aside).
  std::string ToText() const;

  /// The events of `random`, drawn from `seed` over `hosts` (the world's
  /// host names, in the world's order), added to a copy of this plan whose
  /// `random` is cleared. The same seed and hosts give the same plan.
  FaultPlan Draw(uint64_t seed, const std::vector<std::string>& hosts) const;

  /// Checks the plan against a world's host names: every name is a host or a
  /// group, every group matches at least one host, no event is empty. The
  /// first problem found, or nullopt.
  std::optional<PlanError> Check(const std::vector<std::string>& hosts) const;

  /// The hosts a set names, expanded through the groups (in `hosts` order,
  /// each once). Assumes Check passed.
  std::vector<std::string> Resolve(const HostSet& set,
                                   const std::vector<std::string>& hosts) const;
};

/// A plan read from text: a file, or the one-line form with ';' between
/// lines. Either the plan, or the first error (with its line and column;
/// in the one-line form every position is on line 1).
struct ParsedPlan {
  std::optional<FaultPlan> plan;  ///< the plan, if it was read whole
  PlanError error;                ///< the first error, when plan is empty
  /// True if the plan was read.
  bool ok() const { return plan.has_value(); }
};
/// Reads a plan from text (docs/faults.md has the language). Fails, in
/// ParsedPlan::error, on the first syntax error, unknown fault or bad value,
/// at its line and column. Linear in the text's length.
ParsedPlan ParsePlan(std::string_view text);
/// The same, knowing the world's host names: a name that is neither a host
/// nor a group defined above it, or a group pattern that matches no host,
/// is an error at its own column; then the whole plan is checked against
/// them (FaultPlan::Check: a host linked to itself, a split with a host on
/// both sides), so that what this accepts the world accepts. (Without the
/// names, Check finds these when the plan is applied, at the event's
/// position.)
ParsedPlan ParsePlan(std::string_view text,
                     const std::vector<std::string>& hosts);

/// The text name of a kind: "loss", "partition", "syscall".
std::string_view FaultKindName(FaultKind kind);
/// The kind of a text name; nullopt for an unknown name.
std::optional<FaultKind> FaultKindFromName(std::string_view name);
/// The text name of a syscall fault kind: "eintr", "short", ...
std::string_view SyscallFaultKindName(SyscallFaultKind kind);
/// The syscall fault kind of a text name; nullopt for an unknown name.
std::optional<SyscallFaultKind> SyscallFaultKindFromName(std::string_view name);

/// Shell-style glob over a host name: * any run, ? any one character.
bool GlobMatch(std::string_view pattern, std::string_view name);

/// A duration as the plan language writes it, one number and one unit:
/// "45s", "1500ms", "2m" (never "1h30m", which the language does not read).
std::string FormatDuration(Duration d);
/// A rate as the plan language writes it: "10mbit", "1500bit" (k = 1000
/// for bits, as tc does).
std::string FormatRate(uint64_t bits_per_second);
/// A size as the plan language writes it: "64kb", "1mb", "100b" (k = 1024
/// for bytes, as tc does).
std::string FormatBytes(uint64_t bytes);

}  // namespace simsock::faults
