// `simsock exec WORLD`: the world file becomes a registered scenario
// (exec/exec_scenario.h), then `run`'s or `sweep`'s own code runs it, so
// that its summary, trace, pcap, sweep table and replay lines are theirs.
#include <iostream>

#include "simsock/cli/commands.h"
#include "simsock/exec/exec_scenario.h"

namespace simsock::cli {

int ExecCommand(const ExecArgs& args) {
  std::string error;
  const experiment::Scenario* scenario =
      exec::RegisterWorld(args.world, &error);
  if (scenario == nullptr) {
    std::cerr << "exec: " << error << "\n";
    return 2;
  }
  ScenarioArgs s;
  s.scenario = scenario->name;
  s.faults = args.faults;
  if (!args.sweep.empty()) {
    // Each seed's programs write their own files (seed-N/ under the
    // world's output directory): the workers run in parallel.
    s.params.push_back("outputs=per-seed");
    SweepArgs sweep;
    sweep.s = s;
    sweep.seeds = args.sweep;
    sweep.jobs = args.jobs;
    sweep.shrink = args.shrink;
    return SweepCommand(sweep);
  }
  RunArgs run;
  run.s = s;
  run.seed = args.seed;
  run.trace = args.trace;
  run.pcap = args.pcap;
  run.json = args.json;
  run.all = args.all;
  return RunCommand(run);
}

}  // namespace simsock::cli
