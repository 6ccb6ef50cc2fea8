/// \file
/// SyscallInjector: the one place that decides which syscall fault, if any,
/// a call gets. It holds the active rules (a SyscallFault with the plan line
/// it came from), counts each rule's eligible calls for `nth`, draws its
/// probabilities from a random source the caller gives (a simulated world's
/// "fault.syscall" stream, or a seeded SplitMix64 on the real kernel), and
/// admits a fault only where Linux itself can return it for the call in its
/// present state (docs/faults.md, "Syscall faults", the table).
///
/// Users: FaultySyscalls (faults/faulty_syscalls.h) over any sys::Syscalls,
/// and the simulator's processes. Both describe the call (CallSite), ask
/// Pick, and apply the fault the way the table says.
///
/// Deterministic: the same rules, source and calls give the same faults.
/// Threading: one thread at a time, like the Syscalls object it serves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/faults/fault_plan.h"

namespace simsock::faults {

/// Where the injector's randomness comes from. The two draws are those of
/// the simulator's RandomStream (Chance: no draw when p <= 0 or p >= 1;
/// Below: exactly uniform), so that a world's "fault.syscall" stream can
/// serve it unchanged.
class FaultRandom {
 public:
  virtual ~FaultRandom() = default;
  /// True with probability p.
  virtual bool Chance(double p) = 0;
  /// Uniform in [0, n), n > 0.
  virtual uint64_t Below(uint64_t n) = 0;
};

/// SplitMix64 from a seed: the real kernel's source (same seed, same draws).
class SplitMix64 final : public FaultRandom {
 public:
  /// A generator whose draws are a function of seed alone.
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  /// The next 64 random bits (Steele, Lea and Flood's SplitMix64).
  uint64_t Next();
  bool Chance(double p) override;
  uint64_t Below(uint64_t n) override;

 private:
  uint64_t state_;
};

/// When in a call the caller asks (Eligible). A decorator asks once, before
/// the call (kBefore), for every fault. The simulator asks at the call's
/// start (kStart) for every fault but those a sleep brings, and again each
/// time the call is about to sleep (kSleep) for those: eintr (a signal
/// arrives while it sleeps) and spurious (the wait ends early). So a call
/// that never sleeps never sees them, and one that sleeps twice may.
enum class AskedAt { kBefore, kStart, kSleep };

/// What the caller knows of the call about to be made.
struct CallSite {
  std::string_view call;   ///< a sys::Syscalls method name
  bool socket = false;     ///< the fd is a socket
  bool stream = false;     ///< ... of SOCK_STREAM (else datagram)
  bool blocking = false;   ///< the call may sleep: a blocking fd without
                           ///< MSG_DONTWAIT, an epoll wait whose timeout is not
                           ///< 0, a nanosleep of more than 0 ns
  bool connected = false;  ///< the socket has a peer (getpeername succeeds)
  size_t len = 0;          ///< bytes asked for (read, write, recvfrom, sendto)
  int msg_flags = 0;       ///< recvfrom / sendto flags
  AskedAt asked_at = AskedAt::kBefore;  ///< when in the call it is asked
  // pipes and eventfds
  bool pipe = false;     ///< the fd is a pipe end (read, write)
  bool eventfd = false;  ///< the fd is an eventfd (read, write)
};

/// Whether Linux can return `kind` for this call in this state (the table's
/// rule; CanHit's call list is part of it).
bool Eligible(SyscallFaultKind kind, const CallSite& site);

/// A fault picked for a call.
struct Hit {
  SyscallFaultKind kind;  ///< what the call returns instead
  uint64_t rule_id;       ///< the rule that fired (SyscallInjector::Add's id)
  std::string origin;     ///< "plan line 7"
};

/// What the trace hook hears once a fault has shown (FaultySyscalls reports
/// only faults that changed what the call returned).
struct Injection {
  std::string who;        ///< whose calls ("pid 3", "client1 pid 2", ...)
  std::string call;       ///< the sys::Syscalls method
  SyscallFaultKind kind;  ///< the fault
  std::string origin;     ///< the rule's origin, "plan line 7"
  std::string detail;     ///< what was returned instead ("-EINTR", "12 of 40")
  /// "client1 pid 2: eintr in read (plan line 7): -EINTR"
  std::string ToString() const;
};

/// The syscall fault rules active for one process, and the choice of the
/// fault each call gets (Pick), drawn from a FaultRandom. Used by
/// FaultySyscalls and by the simulator's processes. Pick costs a pass over
/// the rules (a draw per eligible probabilistic rule).
class SyscallInjector {
 public:
  /// An injector with no rule; who names the process in Injection reports.
  /// `random` must outlive the injector.
  explicit SyscallInjector(FaultRandom& random, std::string who = "");

  /// Adds a rule from now on; returns its id (for Remove). Its nth count
  /// starts at 0.
  uint64_t Add(const SyscallFault& fault, std::string origin);
  /// Removes a rule; false if it was not there.
  bool Remove(uint64_t id);
  /// Removes every rule.
  void Clear() { rules_.clear(); }
  /// True when no rule is active.
  bool empty() const { return rules_.empty(); }
  /// The number of active rules.
  size_t size() const { return rules_.size(); }

  /// Whether some active rule could hit `call` in some state: false means
  /// the call need not be described at all (the cheap path).
  bool MayHit(std::string_view call) const;

  /// The fault this call gets, or none. Every rule that is eligible for the
  /// call counts it (nth) and draws (probability), in the order the rules
  /// were added, whether or not an earlier rule fired: a rule's faults do
  /// not depend on the other rules. The first rule that fires wins.
  std::optional<Hit> Pick(const CallSite& site);

  /// A length in [1, len - 1] for a short read or write (len > 1; one draw
  /// of Below(len - 1), also for len 2), drawn from the same source.
  size_t ShortLength(size_t len);

  /// Tells the trace hook (if any) that a fault was injected.
  void Report(const Hit& hit, std::string_view call, std::string detail);
  /// Sets the hook that hears each Injection (none: nothing is reported).
  void SetTrace(std::function<void(const Injection&)> trace) {
    trace_ = std::move(trace);
  }
  /// Whose calls these are ("client1 pid 2"), as given to the constructor.
  const std::string& who() const { return who_; }

 private:
  struct Rule {
    uint64_t id;
    SyscallFault fault;
    std::string origin;
    uint64_t eligible_calls = 0;
  };
  FaultRandom& random_;
  std::string who_;
  std::vector<Rule> rules_;
  uint64_t next_id_ = 1;
  std::function<void(const Injection&)> trace_;
};

}  // namespace simsock::faults
