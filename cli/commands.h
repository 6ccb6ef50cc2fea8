// The subcommands behind cli::Main (cli/cli.h), each from its options as
// parsed by CLI11 (cli/main.cc's Main). Internal to the cli library.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "simsock/cli/seed_record.h"
#include "simsock/experiment/experiment.h"
#include "simsock/faults/fault_plan.h"

namespace simsock::cli {

// What every command that runs a scenario takes.
struct ScenarioArgs {
  std::string scenario;
  std::string faults;  // a plan file or a plan on one line; "" = default
  std::vector<std::string> params;  // "k=v"
  // `faults` is the plan's text itself, never a file name, and "" is the
  // empty plan (a sweep's workers get the plan this way).
  bool faults_is_text = false;
};

// A scenario with its plan and parameters resolved, ready to run.
struct Resolved {
  const experiment::Scenario* scenario = nullptr;
  faults::FaultPlan plan;
  std::string plan_line;  // the plan on one line (the replay lines' form)
  std::map<std::string, std::string> params;
};

// Finds the scenario, reads and parses the plan, splits the parameters.
// On an error prints it (prefixed by `command`) and returns nullopt.
std::optional<Resolved> Resolve(const std::string& command,
                                const ScenarioArgs& args);
// The plan on one line, "; " between its lines (docs/faults.md): the form
// replay lines and JSON lines carry.
std::string PlanOneLine(const faults::FaultPlan& plan);
// The RunOptions of a run of `r` under `seed`.
experiment::RunOptions OptionsFor(const Resolved& r, uint64_t seed);

// The name the replay lines use for this command (argv[0]'s file name).
const std::string& ProgramName();
void SetProgramName(const char* argv0);

int ListCommand();

struct RunArgs {
  ScenarioArgs s;
  uint64_t seed = 1;
  std::string trace, pcap, json;
  bool all = false;  // report every violation, not only the first
};
int RunCommand(const RunArgs& args);

struct ShrinkArgs {
  ScenarioArgs s;
  uint64_t seed = 1;
  size_t max_runs = 300;
};
int ShrinkCommand(const ShrinkArgs& args);

struct SweepArgs {
  ScenarioArgs s;
  std::string seeds;
  size_t jobs = 1;
  bool shrink = false;
  std::string jsonl;
  std::string shard;
  std::string slurm_dir;
  bool submit = false;
  size_t tasks = 0;  // Slurm array size (0: one task per 100 seeds, <= 100)
  size_t show = 10;  // failing seeds listed
};
int SweepCommand(const SweepArgs& args);

// The failing seeds' table lines and, with --shrink, their shrunk plans.
void PrintShrunkPlans(const Resolved& r, std::vector<SeedRecord> records,
                      size_t show);

// `simsock exec WORLD` (docs/exec.md): the world file registered as a
// scenario (exec/exec_scenario.h), then run as `run` runs one seed, or as
// `sweep` runs many.
struct ExecArgs {
  std::string world;
  std::string faults;  // "" = the world's own plan lines
  uint64_t seed = 1;
  std::string trace, pcap, json;
  bool all = false;
  std::string sweep;  // seeds A..B: sweep them instead of one run
  size_t jobs = 1;
  bool shrink = false;
};
int ExecCommand(const ExecArgs& args);

struct MergeArgs {
  std::string dir;
  size_t show = 10;
};
int MergeCommand(const MergeArgs& args);

// The hidden worker mode a sweep starts (cli/worker_pool.h):
// argv = PROGRAM __worker SCENARIO FAULTS_LINE [k=v...].
inline constexpr const char* kWorkerCommand = "__worker";
int WorkerCommand(int argc, char** argv);

}  // namespace simsock::cli
