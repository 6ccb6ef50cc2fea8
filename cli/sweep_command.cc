// `simsock sweep`: one scenario under a range of seeds, in parallel worker
// processes (cli/worker_pool.h), or one shard of it, or written as a Slurm
// job array (cli/slurm.h); then the table across seeds (cli/sweep_table.h).
// Also the hidden worker mode the sweep starts.
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "simsock/cli/commands.h"
#include "simsock/cli/progress.h"
#include "simsock/cli/seeds.h"
#include "simsock/cli/slurm.h"
#include "simsock/cli/sweep_table.h"
#include "simsock/cli/worker_pool.h"
#include "simsock/experiment/shrink.h"

namespace simsock::cli {

namespace {

// A bound that keeps a typo ("1..10000000000") from allocating the seed
// list of a lifetime; a bigger sweep is several sweeps (or shards).
constexpr uint64_t kMaxSeeds = 100'000'000;

// This program's own file, for the workers and the Slurm script.
std::string SelfPath() {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("/proc/self/exe") : p.string();
}

int WriteSlurm(const SweepArgs& args, const Resolved& r,
               const SeedRange& range) {
  SlurmSweep job;
  job.dir = std::filesystem::absolute(args.slurm_dir).lexically_normal();
  while (job.dir.size() > 1 && job.dir.back() == '/') job.dir.pop_back();
  job.program = SelfPath();
  job.scenario = r.scenario->name;
  job.seeds = range;
  job.faults = r.plan_line;
  job.params = r.params;
  job.jobs = args.jobs;
  job.shrink = args.shrink;
  uint64_t tasks =
      args.tasks ? args.tasks
                 : std::clamp<uint64_t>((range.count() + 99) / 100, 1, 100);
  job.tasks = static_cast<size_t>(std::min<uint64_t>(tasks, range.count()));
  std::string error;
  std::optional<std::string> script = WriteSbatchScript(job, &error);
  if (!script) {
    std::cerr << "sweep: " << error << "\n";
    return 2;
  }
  std::cout << "wrote " << *script << ": a job array of " << job.tasks
            << " tasks over seeds " << range.ToString() << ", " << job.jobs
            << " CPUs each; each task writes " << job.dir
            << "/shard-<task>.jsonl\n";
  if (!args.submit) {
    std::cout << "submit it:  sbatch " << *script << "\n"
              << "then merge: " << ProgramName() << " merge " << job.dir
              << "\n";
    return 0;
  }
  std::optional<std::string> id = SubmitSbatch(*script, &error);
  if (!id) {
    std::cerr << "sweep: " << error << "\n";
    return 2;
  }
  std::cout << "submitted job " << *id << "\n"
            << "when it is done (squeue -j " << *id
            << " shows nothing): " << ProgramName() << " merge " << job.dir
            << "\n";
  return 0;
}

}  // namespace

void PrintShrunkPlans(const Resolved& r, std::vector<SeedRecord> records,
                      size_t show) {
  std::sort(records.begin(), records.end(),
            [](const SeedRecord& a, const SeedRecord& b) {
              return a.result.summary.seed < b.result.summary.seed;
            });
  size_t shown = 0;
  for (const SeedRecord& rec : records) {
    if (shown == show) break;
    const experiment::RunResult& result = rec.result;
    // A crashed run or a refused plan has no violation to shrink toward.
    if (result.ok() || !result.plan_error.empty() ||
        result.violations.front().invariant == "crash") {
      continue;
    }
    ++shown;
    uint64_t seed = result.summary.seed;
    faults::ParsedPlan applied = faults::ParsePlan(result.plan);
    if (!applied.ok()) {
      std::cout << "\nseed " << seed
                << ": its applied plan does not read back ("
                << applied.error.ToString() << ")\n";
      continue;
    }
    Progress progress("shrink runs of seed " + std::to_string(seed), 300,
                      ::isatty(2), stderr, std::chrono::seconds(10));
    experiment::ShrinkOptions options;
    options.params = r.params;
    options.progress = [&](const experiment::ShrinkProgress& p) {
      progress.Update(p.runs, std::to_string(p.events) + " events left");
    };
    experiment::ShrinkResult shrunk =
        experiment::Shrink(*r.scenario, seed, *applied.plan, options);
    progress.Finish(shrunk.runs,
                    std::to_string(shrunk.plan.events.size()) + " events left");
    std::cout << "\nseed " << seed << ": ";
    if (!shrunk.reproduced) {
      std::cout << "did not fail again under its applied plan\n";
      continue;
    }
    std::cout << "shrunk to " << shrunk.plan.events.size() << " of "
              << applied.plan->events.size() << " events in " << shrunk.runs
              << " runs" << (shrunk.minimal ? "" : " (not minimal: run budget)")
              << ":\n"
              << shrunk.plan.ToText();
    SeedRecord replay = rec;
    replay.faults = PlanOneLine(shrunk.plan);
    std::cout << "  " << ReplayLine(replay, ProgramName()) << "\n";
  }
}

int SweepCommand(const SweepArgs& args) {
  std::optional<Resolved> r = Resolve("sweep", args.s);
  if (!r) return 2;
  std::string error;
  std::optional<SeedRange> range = ParseSeedRange(args.seeds, &error);
  if (range && range->count() > kMaxSeeds) {
    error = "seeds: " + range->ToString() + " is more than " +
            std::to_string(kMaxSeeds) + " seeds; split it";
    range.reset();
  }
  if (!range) {
    std::cerr << "sweep: " << error << "\n";
    return 2;
  }
  if (args.jobs == 0) {
    std::cerr << "sweep: --jobs must be at least 1\n";
    return 2;
  }
  if (!args.slurm_dir.empty()) return WriteSlurm(args, *r, *range);

  Shard shard;
  if (!args.shard.empty()) {
    std::optional<Shard> s = ParseShard(args.shard, &error);
    if (!s) {
      std::cerr << "sweep: " << error << "\n";
      return 2;
    }
    shard = *s;
  } else if (std::optional<Shard> s =
                 ShardFromSlurm(SlurmArrayEnvironment(), &error)) {
    shard = *s;  // a task of a Slurm job array
  } else if (!error.empty()) {
    std::cerr << "sweep: " << error << "\n";
    return 2;
  }
  std::vector<uint64_t> seeds = ShardSeeds(*range, shard);

  std::ofstream jsonl;
  if (!args.jsonl.empty()) {
    jsonl.open(args.jsonl, std::ios::trunc);
    if (!jsonl) {
      std::cerr << "sweep: cannot write " << args.jsonl << "\n";
      return 2;
    }
  }

  PoolOptions pool;
  pool.worker_argv = {SelfPath(), kWorkerCommand, r->scenario->name,
                      r->plan_line};
  for (const auto& [k, v] : r->params) pool.worker_argv.push_back(k + "=" + v);
  pool.jobs = args.jobs;
  pool.scenario = r->scenario->name;
  pool.faults = r->plan_line;
  pool.params = r->params;
  std::cerr << "sweep " << r->scenario->name << ": " << seeds.size()
            << " seeds of " << range->ToString();
  if (shard.count > 1) std::cerr << " (shard " << shard.ToString() << ")";
  std::cerr << ", "
            << std::min<size_t>(args.jobs, std::max<size_t>(seeds.size(), 1))
            << " worker processes\n";
  Progress progress("runs", seeds.size(), ::isatty(2), stderr);
  size_t done = 0, failing = 0;
  auto note = [&] { return std::to_string(failing) + " failing"; };
  pool.on_result = [&](const SeedRecord& rec) {
    ++done;
    if (!rec.result.ok()) ++failing;
    if (jsonl.is_open()) jsonl << ToJsonLine(rec) << "\n" << std::flush;
    progress.Update(done, note());
  };
  std::vector<SeedRecord> records;
  if (!seeds.empty() && !RunInWorkers(seeds, pool, &records, &error)) {
    std::cerr << "\nsweep: " << error << "\n";
    return 2;
  }
  progress.Finish(done, note());
  if (jsonl.is_open()) {
    jsonl.close();
    if (!jsonl) {
      std::cerr << "sweep: writing " << args.jsonl << " failed\n";
      return 2;
    }
  }

  TableOptions table;
  table.program = ProgramName();
  table.max_failing = args.show;
  std::cout << FormatTable(records, table);
  std::cout << "\n" << FormatWallTime(records);
  if (args.shrink && failing > 0) PrintShrunkPlans(*r, records, args.show);
  return failing ? 1 : 0;
}

int WorkerCommand(int argc, char** argv) {
  // PROGRAM __worker SCENARIO PLAN_LINE [k=v...]
  if (argc < 4) {
    std::cerr << "simsock " << kWorkerCommand
              << ": internal mode of `sweep` (SCENARIO PLAN [k=v...])\n";
    return 2;
  }
  ScenarioArgs s;
  s.scenario = argv[2];
  s.faults = argv[3];
  s.faults_is_text = true;
  for (int i = 4; i < argc; ++i) s.params.push_back(argv[i]);
  std::optional<Resolved> r = Resolve("worker", s);
  if (!r) return 2;
  return WorkerLoop(0, kWorkerResultFd, [&](uint64_t seed) {
    SeedRecord rec;
    rec.faults = r->plan_line;
    rec.params = r->params;
    try {
      rec.result = experiment::Run(*r->scenario, OptionsFor(*r, seed));
    } catch (const std::exception& e) {
      // A scenario that throws fails its seed; the sweep goes on.
      rec.result = {};
      rec.result.violations.push_back(
          {.invariant = "crash",
           .at = {},
           .message = std::string("exception: ") + e.what(),
           .last_trace = {}});
    }
    rec.result.scenario = r->scenario->name;
    rec.result.summary.seed = seed;
    return rec;
  });
}

}  // namespace simsock::cli
