/// \file
/// Experiments on users' own programs (docs/experiments.md): a scenario
/// builds a simulated world and starts the programs; a fault plan says what
/// goes wrong; invariants say what must hold anyway. Running the scenario
/// under a seed gives a RunResult: a summary of the run and every invariant
/// violation, with its virtual time and the trace lines before it. The same
/// scenario, seed and plan give the same result (the trace hash shows it).
///
/// \code
///   experiment::Scenario kv{
///       .name = "kv",
///       .description = "a key-value server and 3 clients",
///       .setup = [](experiment::RunContext& ctx) {
///         sim::Host& server = ctx.world().AddHost("server", "10.0.0.1");
///         ...
///         ctx.OnRestart([](sim::Host& h) { /* start its program again */ });
///         ctx.AddInvariant(...);
///       },
///       .budget = std::chrono::minutes(10)};
///   experiment::RunOptions o;
///   o.seed = 7;
///   o.plan = plan;
///   experiment::RunResult r = experiment::Run(kv, o);
///   if (!r.ok()) std::cout << r.violations[0].ToString();
/// \endcode
///
/// (Inside a GoogleTest TEST body, write experiment::Run: a bare Run names
/// testing::Test::Run there.)
///
/// Sweeping over seeds, shrinking a failing plan (shrink.h), the GoogleTest
/// helper (gtest.h) and the `simsock` command (cli/) are built on Run.
///
/// Threading: a run owns its world; runs of different seeds share nothing
/// and may run on different threads or processes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/faults/fault_plan.h"
#include "simsock/net/sys/syscalls.h"
#include "simsock/sim/base/time.h"

namespace simsock::sim {
class Host;
class Process;
class World;
}  // namespace simsock::sim

/// Experiments on users' own programs (docs/experiments.md): scenarios,
/// invariants, runs over seeds, shrinking a failing plan.
namespace simsock::experiment {

class RunContext;

/// One broken invariant.
struct Violation {
  std::string invariant;  ///< the invariant's name ("deadlock", "stream")
  sim::Time at{};         ///< virtual time it was found
  std::string message;    ///< what was wrong
  /// The last trace lines written before it was found (RunOptions::
  /// context_lines of them), oldest first.
  std::vector<std::string> last_trace;
  /// "[  123.456000000] stream: client3: read 5 bytes that differ ..."
  std::string ToString() const;
};

/// What a run did, for the sweep's table and its JSON lines.
struct Summary {
  uint64_t seed = 0;         ///< the run's seed
  uint64_t connections = 0;  ///< TCP connections established (counted once)
  uint64_t bytes = 0;        ///< payload bytes read by the programs
  /// Syscalls that failed, by errno name ("ECONNRESET" -> 3).
  std::map<std::string, uint64_t> errors;
  uint64_t faults_injected = 0;  ///< network, host and syscall faults
  sim::Duration virtual_time{};  ///< where the world's clock ended
  double wall_seconds = 0;       ///< real time the run took (not replayable)
  uint64_t trace_hash = 0;       ///< digest of the whole trace: equal runs
  /// The scenario's own counters (RunContext::Count).
  std::map<std::string, uint64_t> counters;
};

/// What experiment::Run gives back: the summary, the plan as applied, and
/// every violation found (or why the run did not start).
struct RunResult {
  std::string scenario;  ///< the scenario's name
  Summary summary;       ///< counts, times, the trace hash
  std::string plan;      ///< the plan as applied, as text (a random part drawn)
  /// Why the run was refused before it started, if set: the plan, a
  /// parameter, or an output file (trace, pcap, JSON) that cannot be opened.
  std::string plan_error;
  std::vector<Violation> violations;  ///< in the order found
  /// True when the run started and no invariant broke.
  bool ok() const { return plan_error.empty() && violations.empty(); }
};

/// A property of a run. Continuous checks run after every step of the
/// world (every event of one virtual time) and at least every
/// Scenario::hang_limit / 8 of virtual time: keep them cheap. The final
/// check runs once the budget is spent or the world is idle (not after a
/// stop at the first violation). Each returns a message when the
/// invariant is broken; the same message again is not reported twice.
class Invariant {
 public:
  virtual ~Invariant() = default;
  /// The name violations carry ("deadlock", "stream", the scenario's own).
  virtual std::string_view name() const = 0;
  /// The continuous check: a message if the invariant is broken now, or
  /// nullopt (the default: no continuous check).
  virtual std::optional<std::string> Check(RunContext& ctx) {
    (void)ctx;
    return std::nullopt;
  }
  /// The final check: a message if the invariant is broken at the end, or
  /// nullopt (the default: no final check).
  virtual std::optional<std::string> AtEnd(RunContext& ctx) {
    (void)ctx;
    return std::nullopt;
  }
};

// Built-in invariants (both added to every run unless the scenario opts out
// with RunContext::DisableBuiltin).

/// The built-in "deadlock" invariant (added to every run unless the
/// scenario opts out with RunContext::DisableBuiltin): no simulated thread
/// stays blocked longer than `limit` in a call that nothing can end (no timeout
/// of its own, no timer of its socket pending), and at the end no thread is
/// blocked with nothing pending.
std::unique_ptr<Invariant> NoHangInvariant(sim::Duration limit);
/// The built-in "stream" invariant (added to every run unless the scenario
/// opts out): every TCP stream's bytes reach the peer's reads intact and in
/// order (a tap on the processes' syscalls, RunContext::Tap, compares what
/// each side read with what the other wrote).
std::unique_ptr<Invariant> StreamIntactInvariant();

/// A scenario: how to build the world and start the programs.
struct Scenario {
  std::string name;         ///< how the command and Find name it: "kv"
  std::string description;  ///< one line, for `simsock list`
  /// Builds hosts, processes and threads in ctx.world(), registers the
  /// crash and restart hooks and the scenario's own invariants.
  std::function<void(RunContext&)> setup;
  /// How much virtual time a run may take.
  sim::Duration budget = std::chrono::minutes(10);
  /// The plan a run gets when none is given (text, docs/faults.md).
  std::string default_plan;
  /// How long a thread may block in a call nothing can end before
  /// "deadlock" reports it.
  sim::Duration hang_limit = std::chrono::minutes(5);
};

/// How to run a scenario once: the seed, the plan, what to write.
struct RunOptions {
  uint64_t seed = 1;          ///< every random draw of the run comes from it
  faults::FaultPlan plan;     ///< what goes wrong (empty: nothing)
  std::string trace_path;     ///< write the trace's text here
  std::string pcap_path;      ///< write every packet here
  std::string json_path;      ///< write the trace as JSON lines here
  size_t context_lines = 20;  ///< trace lines kept with each violation
  /// Stop at the first violation (a sweep's default), or run to the budget
  /// and report them all.
  bool stop_at_first = true;
  /// The scenario's parameters ("clients" -> "20"), read by its setup with
  /// RunContext::Param (the command's --param clients=20). A name the
  /// scenario does not know is ignored; a bad value is the setup's to
  /// report (RunContext::Fail).
  std::map<std::string, std::string> params;
};

/// What setup sees while it builds a run, and invariants while they check.
class RunContext {
 public:
  virtual ~RunContext() = default;
  /// The run's simulated world, to add hosts and processes to.
  virtual sim::World& world() = 0;
  /// The run's seed (RunOptions::seed).
  virtual uint64_t seed() const = 0;
  /// fn is called when the plan crashes a host (sim::PlanHooks).
  virtual void OnCrash(std::function<void(sim::Host&)> fn) = 0;
  /// fn is called when the plan restarts a host, to start its programs
  /// again (the host comes back empty).
  virtual void OnRestart(std::function<void(sim::Host&)> fn) = 0;
  /// The syscalls a program of `process` should make: the process itself,
  /// tapped for the "stream" invariant and the summary's counts.
  virtual sys::Syscalls& Tap(sim::Process& process) = 0;
  /// Adds a scenario's own invariant to the run.
  virtual void AddInvariant(std::unique_ptr<Invariant> invariant) = 0;
  /// "deadlock" or "stream": not checked in this run.
  virtual void DisableBuiltin(std::string_view name) = 0;
  /// A violation found by the programs themselves (a wrong reply).
  virtual void Violate(std::string invariant, std::string message) = 0;
  /// The scenario's own counters, reported in Summary::counters.
  virtual void Count(std::string_view what, uint64_t n = 1) = 0;
  /// A parameter of the run (RunOptions::params), or `fallback` if unset.
  virtual std::string Param(std::string_view name,
                            std::string_view fallback) const = 0;
  /// The same as an integer in [lo, hi]; a value that is not one makes the
  /// run fail as a bad plan does (RunResult::plan_error says why) and
  /// returns the fallback, so setup can go on building.
  virtual int64_t IntParam(std::string_view name, int64_t fallback, int64_t lo,
                           int64_t hi) = 0;
  /// A group the plan may name (docs/faults.md, "group"), unless it defines
  /// its own of that name: the scenario's names for its hosts ("clients").
  virtual void DefineGroup(std::string name,
                           std::vector<std::string> patterns) = 0;
  /// The run cannot go on (a bad parameter): reported in plan_error.
  virtual void Fail(std::string why) = 0;
  /// The plan as applied (its random part drawn, the scenario's groups
  /// added), for invariants that reason about faults; empty during setup.
  virtual const faults::FaultPlan& plan() const = 0;
};

/// Runs the scenario once: setup, the plan applied (a bad plan is reported
/// in plan_error and nothing runs), the world run until its budget is spent,
/// the world is idle, or (stop_at_first) an invariant breaks.
RunResult Run(const Scenario& scenario, const RunOptions& options);

/// The plan a run of `scenario` gets when the user names none: its
/// default_plan parsed (an empty plan if it has none).
faults::FaultPlan DefaultPlan(const Scenario& scenario);

/// Adds scenario to the registry by which the `simsock` command and users'
/// own mains find scenarios by name. Aborts on a duplicate name (a
/// programming error).
void Register(Scenario scenario);
/// The registered scenario of that name, or null.
const Scenario* Find(std::string_view name);
std::vector<const Scenario*> All();  ///< in name order

}  // namespace simsock::experiment
