// Which seeds a sweep runs: a range "A..B" (both ends included), cut into
// shards for a cluster: shard I of N runs the seeds whose index in the
// range (0 for A) is I modulo N, so that N shards cover the range exactly
// once and each gets seeds from the whole range.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace simsock::cli {

struct SeedRange {
  uint64_t first = 1;
  uint64_t last = 1;  // included
  uint64_t count() const { return last - first + 1; }
  std::string ToString() const;  // "A..B"
};

struct Shard {
  uint64_t index = 0;  // from 0
  uint64_t count = 1;
  std::string ToString() const;  // "I/N"
};

// "A..B" (A <= B) or a single seed "A"; nullopt and `error` otherwise.
std::optional<SeedRange> ParseSeedRange(std::string_view text,
                                        std::string* error);
// "I/N" with 0 <= I < N.
std::optional<Shard> ParseShard(std::string_view text, std::string* error);

// The shard a Slurm job-array task runs, from its environment
// (https://slurm.schedmd.com/job_array.html): SLURM_ARRAY_TASK_ID is the
// task's index as --array wrote it (it need not start at 0),
// SLURM_ARRAY_TASK_MIN the first, SLURM_ARRAY_TASK_STEP the step (1 when
// absent) and SLURM_ARRAY_TASK_COUNT the number of tasks. nullopt when not
// in a job array; `error` set when the variables are there but make no
// sense. `env` maps names to values (tests pass their own).
std::optional<Shard> ShardFromSlurm(
    const std::map<std::string, std::string>& env, std::string* error);
// The same variables read from this process's environment.
std::map<std::string, std::string> SlurmArrayEnvironment();

// The seeds of `range` that `shard` runs, in order.
std::vector<uint64_t> ShardSeeds(const SeedRange& range, const Shard& shard);

}  // namespace simsock::cli
