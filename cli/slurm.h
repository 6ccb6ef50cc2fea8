// Scale-out on Slurm (docs/experiments.md, "Running on Slurm"): a sweep
// written as an sbatch job-array script. Each array task runs one shard of
// the seeds (it finds which in SLURM_ARRAY_TASK_ID, cli/seeds.h) and writes
// its JSON lines to DIR/shard-<task>.jsonl; `simsock merge DIR` joins them.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "simsock/cli/seeds.h"

namespace simsock::cli {

struct SlurmSweep {
  std::string dir;      // absolute: the tasks run wherever Slurm puts them
  std::string program;  // absolute path of the command
  std::string scenario;
  SeedRange seeds;
  std::string faults;  // one line
  std::map<std::string, std::string> params;
  size_t tasks = 1;  // the array's size
  size_t jobs = 1;   // worker processes (and CPUs) per task
  bool shrink = false;
};

// The sbatch script's text.
std::string SbatchScript(const SlurmSweep& sweep);

// Writes DIR/sweep.sbatch (DIR created if missing); its path, or nullopt
// and `error`.
std::optional<std::string> WriteSbatchScript(const SlurmSweep& sweep,
                                             std::string* error);

// Runs `sbatch --parsable SCRIPT`; the job id, or nullopt and `error`
// (sbatch's own message).
std::optional<std::string> SubmitSbatch(const std::string& script,
                                        std::string* error);

}  // namespace simsock::cli
