// The table a sweep prints, and `simsock merge` prints from the shards'
// JSON lines: runs, failing seeds, violations by invariant, errors by kind,
// faults injected, percentiles of virtual time, and for the first failing
// seeds the line that replays each. It is a function of the set of per-seed
// results alone (sorted by seed, so the order they arrived in and the way
// the seeds were split into shards do not matter): the same seeds give the
// same bytes. Wall time differs from one run to the next, so it is printed
// apart (FormatWallTime), on lines that start with "wall".
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "simsock/cli/seed_record.h"

namespace simsock::cli {

struct TableOptions {
  std::string program = "simsock";  // the replay lines' command
  size_t max_failing = 10;          // failing seeds listed with a replay line
};

std::string FormatTable(std::vector<SeedRecord> records,
                        const TableOptions& options = {});
std::string FormatWallTime(const std::vector<SeedRecord>& records);

// Nearest-rank percentile (p in 0..100) of `values` (sorted here).
double Percentile(std::vector<double> values, double p);

// The `PROGRAM run ...` line that replays one seed.
std::string ReplayLine(const SeedRecord& record, const std::string& program);

// `s` quoted for a POSIX shell (single quotes; none when it needs none).
std::string ShellQuote(const std::string& s);

}  // namespace simsock::cli
