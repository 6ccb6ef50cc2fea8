// cli::Main: the command line (CLI11) over the subcommands of commands.h.
#include "simsock/cli/cli.h"

#include <CLI/CLI.hpp>
#include <cstring>
#include <string>
#include <thread>

#include "simsock/cli/commands.h"

namespace simsock::cli {

namespace {

void AddScenarioArgs(CLI::App* app, ScenarioArgs* s) {
  app->add_option("scenario", s->scenario, "a registered scenario (list)")
      ->required();
  app->add_option("--faults", s->faults,
                  "the fault plan: a file, or the plan on one line with ';' "
                  "between lines (docs/faults.md); default: the scenario's");
  app->add_option("--param", s->params,
                  "a scenario parameter KEY=VALUE (e.g. clients=20); "
                  "repeatable")
      ->allow_extra_args(false);
}

}  // namespace

int Main(int argc, char** argv) {
  SetProgramName(argc > 0 ? argv[0] : nullptr);
  if (argc > 1 && std::strcmp(argv[1], kWorkerCommand) == 0) {
    return WorkerCommand(argc, argv);
  }

  CLI::App app{
      "Runs registered scenarios under fault plans and seeds, checks their "
      "invariants, sweeps seeds in parallel or on Slurm, shrinks failing "
      "plans (docs/experiments.md)."};
  app.name(ProgramName());
  app.require_subcommand(1);

  app.add_subcommand("list", "the registered scenarios");

  RunArgs run;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "run one seed: its summary and violations (exit 1 if any)");
  AddScenarioArgs(run_cmd, &run.s);
  run_cmd->add_option("--seed", run.seed, "the seed")->required();
  run_cmd->add_option("--trace", run.trace,
                      "write the trace's text to FILE (- for stdout)");
  run_cmd->add_option("--pcap", run.pcap, "write every packet to FILE");
  run_cmd->add_option("--json", run.json,
                      "write the trace as JSON lines to FILE");
  run_cmd->add_flag("--all", run.all,
                    "run to the end and report every violation (default: "
                    "stop at the first)");

  SweepArgs sweep;
  unsigned cores = std::thread::hardware_concurrency();
  sweep.jobs = cores ? cores : 1;
  CLI::App* sweep_cmd = app.add_subcommand(
      "sweep",
      "run a range of seeds in parallel processes and print the table "
      "across them (exit 1 if any seed failed)");
  AddScenarioArgs(sweep_cmd, &sweep.s);
  sweep_cmd->add_option("--seeds", sweep.seeds, "seeds A..B (both included)")
      ->required();
  sweep_cmd->add_option("--jobs,-j", sweep.jobs,
                        "worker processes (default: the cores)");
  sweep_cmd->add_flag("--shrink", sweep.shrink,
                      "shrink the plan of each failing seed listed");
  sweep_cmd->add_option("--jsonl", sweep.jsonl,
                        "write one JSON line per seed to FILE");
  sweep_cmd->add_option("--shard", sweep.shard,
                        "run shard I of N (seeds whose index % N == I, I "
                        "from 0); default: from SLURM_ARRAY_TASK_ID in a "
                        "Slurm job array, else all");
  sweep_cmd->add_option("--slurm", sweep.slurm_dir,
                        "write an sbatch job-array script into DIR (tasks "
                        "write DIR/shard-<task>.jsonl) instead of running");
  sweep_cmd->add_flag("--submit", sweep.submit,
                      "with --slurm: submit it with sbatch");
  sweep_cmd->add_option("--tasks", sweep.tasks,
                        "with --slurm: the job array's size (default: one "
                        "task per 100 seeds, at most 100)");
  sweep_cmd
      ->add_option("--show", sweep.show,
                   "failing seeds listed with a replay line")
      ->capture_default_str();

  ShrinkArgs shrink;
  CLI::App* shrink_cmd =
      app.add_subcommand("shrink", "shrink the fault plan of one failing seed");
  AddScenarioArgs(shrink_cmd, &shrink.s);
  shrink_cmd->add_option("--seed", shrink.seed, "the failing seed")->required();
  shrink_cmd
      ->add_option("--max-runs", shrink.max_runs, "stop after this many runs")
      ->capture_default_str();

  ExecArgs exec;
  CLI::App* exec_cmd = app.add_subcommand(
      "exec",
      "run a world file with unmodified programs on simulated hosts "
      "(docs/exec.md): one seed, or --sweep seeds A..B");
  exec_cmd->add_option("world", exec.world, "the world file")->required();
  exec_cmd->add_option("--seed", exec.seed, "the seed")->capture_default_str();
  exec_cmd->add_option("--faults", exec.faults,
                       "the fault plan (a file or one line); default: the "
                       "world's plan lines");
  exec_cmd->add_option("--trace", exec.trace,
                       "write the trace's text to FILE (- for stdout)");
  exec_cmd->add_option("--pcap", exec.pcap, "write every packet to FILE");
  exec_cmd->add_option("--json", exec.json,
                       "write the trace as JSON lines to FILE");
  exec_cmd->add_flag("--all", exec.all, "report every violation");
  exec_cmd->add_option("--sweep", exec.sweep,
                       "sweep seeds A..B in worker processes instead");
  exec_cmd->add_option("--jobs,-j", exec.jobs, "--sweep's worker processes")
      ->capture_default_str();
  exec_cmd->add_flag("--shrink", exec.shrink,
                     "--sweep: shrink the plan of each failing seed listed");

  MergeArgs merge;
  CLI::App* merge_cmd = app.add_subcommand(
      "merge",
      "print the table of the JSON lines in DIR (*.jsonl: a Slurm sweep's "
      "shards), as a local sweep prints it");
  merge_cmd->add_option("dir", merge.dir, "the directory")->required();
  merge_cmd
      ->add_option("--show", merge.show,
                   "failing seeds listed with a replay line")
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (app.got_subcommand("list")) return ListCommand();
  if (run_cmd->parsed()) return RunCommand(run);
  if (sweep_cmd->parsed()) {
    if (sweep.submit && sweep.slurm_dir.empty()) {
      std::cerr << "sweep: --submit needs --slurm DIR\n";
      return 2;
    }
    return SweepCommand(sweep);
  }
  if (shrink_cmd->parsed()) return ShrinkCommand(shrink);
  if (merge_cmd->parsed()) return MergeCommand(merge);
  if (exec_cmd->parsed()) return ExecCommand(exec);
  return 2;
}

}  // namespace simsock::cli
