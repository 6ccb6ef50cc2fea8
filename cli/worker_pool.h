// A sweep's parallel runs: J worker processes, each the program itself
// started again (fork and exec) in worker mode. The parent writes one seed
// per line to a worker's stdin; the worker runs it and answers with one
// JSON line (cli/seed_record.h) on fd 3, then waits for the next seed.
// Separate processes keep runs apart (a crash in one run is that seed's
// failure, not the sweep's end) and use every core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "simsock/cli/seed_record.h"

namespace simsock::cli {

// The fd a worker writes its JSON lines to (its stdout is /dev/null, so
// that what a scenario prints cannot corrupt them).
inline constexpr int kWorkerResultFd = 3;

struct PoolOptions {
  // The worker's command: argv[0] is the file executed.
  std::vector<std::string> worker_argv;
  size_t jobs = 1;
  // For the record made when a worker dies during a run.
  std::string scenario;
  std::string faults;
  std::map<std::string, std::string> params;
  // Called in the parent as each seed's result arrives.
  std::function<void(const SeedRecord&)> on_result;
};

// Runs every seed once; the results in the order they arrived. A worker
// that dies mid-run gives its seed a "crash" violation (how it died) and
// is replaced. Returns false with `error` if workers cannot be started.
bool RunInWorkers(const std::vector<uint64_t>& seeds,
                  const PoolOptions& options, std::vector<SeedRecord>* results,
                  std::string* error);

// The worker's side: reads seeds from `in_fd` until end of file, calls
// `run` on each and writes its JSON line to `out_fd`. Returns the exit
// status.
int WorkerLoop(int in_fd, int out_fd,
               const std::function<SeedRecord(uint64_t seed)>& run);

}  // namespace simsock::cli
