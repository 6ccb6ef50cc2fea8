// `simsock run` (one seed: its summary and violations) and `simsock
// shrink` (the smallest plan under which that seed still fails).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "simsock/cli/commands.h"
#include "simsock/cli/progress.h"
#include "simsock/cli/seed_record.h"
#include "simsock/cli/sweep_table.h"
#include "simsock/experiment/shrink.h"

namespace simsock::cli {

namespace {

std::string Seconds(sim::Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f",
                std::chrono::duration<double>(d).count());
  return buf;
}

std::string Counts(const std::map<std::string, uint64_t>& counts) {
  if (counts.empty()) return "none";
  std::string out;
  for (const auto& [k, v] : counts) {
    if (!out.empty()) out += ", ";
    out += k + " " + std::to_string(v);
  }
  return out;
}

void PrintResult(const experiment::RunResult& r) {
  const experiment::Summary& s = r.summary;
  std::cout << "scenario " << r.scenario << ", seed " << s.seed << "\n";
  if (!r.plan_error.empty()) {
    std::cout << "run refused: " << r.plan_error << "\n";
    return;
  }
  std::cout << "plan:" << (r.plan.empty() ? " (none)\n" : "\n");
  size_t begin = 0;
  while (begin < r.plan.size()) {
    size_t end = r.plan.find('\n', begin);
    if (end == std::string::npos) end = r.plan.size();
    if (end > begin)
      std::cout << "  " << r.plan.substr(begin, end - begin) << "\n";
    begin = end + 1;
  }
  char hash[24];
  std::snprintf(hash, sizeof hash, "%016llx",
                static_cast<unsigned long long>(s.trace_hash));
  std::cout << "connections " << s.connections << ", bytes read " << s.bytes
            << ", faults injected " << s.faults_injected << "\n"
            << "errors: " << Counts(s.errors) << "\n";
  if (!s.counters.empty())
    std::cout << "counters: " << Counts(s.counters) << "\n";
  std::cout << "virtual time " << Seconds(s.virtual_time) << " s, wall "
            << Seconds(std::chrono::duration_cast<sim::Duration>(
                   std::chrono::duration<double>(s.wall_seconds)))
            << " s, trace hash " << hash << "\n";
  if (r.violations.empty()) {
    std::cout << "violations: none\n";
    return;
  }
  std::cout << "violations: " << r.violations.size() << "\n";
  for (const experiment::Violation& v : r.violations) {
    std::cout << "  " << v.ToString() << "\n";
    if (!v.last_trace.empty()) {
      std::cout << "    last " << v.last_trace.size()
                << " trace lines before it:\n";
      for (const std::string& line : v.last_trace) {
        std::cout << "      " << line << "\n";
      }
    }
  }
}

}  // namespace

int RunCommand(const RunArgs& args) {
  std::optional<Resolved> r = Resolve("run", args.s);
  if (!r) return 2;
  experiment::RunOptions options = OptionsFor(*r, args.seed);
  // "--trace -": the trace goes to a temporary file, then to stdout before
  // the summary (a file of its own: opening /dev/stdout again would write
  // over a redirected stdout from its start).
  std::string stdout_trace;
  if (args.trace == "-") {
    char name[] = "/tmp/simsock-trace.XXXXXX";
    int fd = ::mkstemp(name);
    if (fd < 0) {
      std::cerr << "run: cannot create a temporary file for --trace -\n";
      return 2;
    }
    ::close(fd);
    stdout_trace = name;
    options.trace_path = stdout_trace;
  } else {
    options.trace_path = args.trace;
  }
  options.pcap_path = args.pcap;
  options.json_path = args.json;
  options.stop_at_first = !args.all;
  experiment::RunResult result = experiment::Run(*r->scenario, options);
  if (!stdout_trace.empty()) {
    std::ifstream trace(stdout_trace);
    // (An empty file would set cout's failbit: inserting no characters.)
    if (trace.peek() != std::ifstream::traits_type::eof()) {
      std::cout << trace.rdbuf();
    }
    ::unlink(stdout_trace.c_str());
  }
  PrintResult(result);
  if (!result.plan_error.empty()) return 2;
  for (const auto& [what, path] :
       {std::pair{"trace", args.trace}, std::pair{"pcap", args.pcap},
        std::pair{"json trace", args.json}}) {
    if (!path.empty() && path != "-") {
      std::cout << what << " written to " << path << "\n";
    }
  }
  return result.ok() ? 0 : 1;
}

int ShrinkCommand(const ShrinkArgs& args) {
  std::optional<Resolved> r = Resolve("shrink", args.s);
  if (!r) return 2;
  experiment::RunResult first =
      experiment::Run(*r->scenario, OptionsFor(*r, args.seed));
  if (!first.plan_error.empty()) {
    std::cerr << "shrink: plan refused: " << first.plan_error << "\n";
    return 2;
  }
  if (first.ok()) {
    std::cout << "seed " << args.seed
              << " breaks no invariant under this plan: nothing to shrink\n";
    return 0;
  }
  std::cout << "seed " << args.seed
            << " fails: " << first.violations.front().ToString() << "\n";
  // The shrinker takes the plan as applied (a random part drawn).
  faults::ParsedPlan applied = faults::ParsePlan(first.plan);
  if (!applied.ok()) {
    std::cerr << "shrink: the applied plan does not read back: "
              << applied.error.ToString() << "\n";
    return 2;
  }
  Progress progress("runs", args.max_runs, ::isatty(2), stderr,
                    std::chrono::seconds(5));
  experiment::ShrinkOptions options;
  options.params = r->params;
  options.max_runs = args.max_runs;
  options.progress = [&](const experiment::ShrinkProgress& p) {
    progress.Update(p.runs,
                    p.phase + ", " + std::to_string(p.events) + " events left");
  };
  experiment::ShrinkResult shrunk =
      experiment::Shrink(*r->scenario, args.seed, *applied.plan, options);
  progress.Finish(shrunk.runs,
                  std::to_string(shrunk.plan.events.size()) + " events left");
  if (!shrunk.reproduced) {
    std::cout << "the applied plan did not fail again: nothing shrunk\n";
    return 1;
  }
  std::cout << "shrunk in " << shrunk.runs << " runs to "
            << shrunk.plan.events.size() << " of "
            << applied.plan->events.size() << " events"
            << (shrunk.minimal ? " (removing any one makes it pass)"
                               : " (stopped at --max-runs: may shrink further)")
            << ":\n\n"
            << shrunk.plan.ToText() << "\n";
  if (!shrunk.failure.violations.empty()) {
    std::cout << "it still fails: "
              << shrunk.failure.violations.front().ToString() << "\n";
  }
  SeedRecord replay;
  replay.result = shrunk.failure;
  replay.result.scenario = r->scenario->name;
  replay.result.summary.seed = args.seed;
  replay.params = r->params;
  replay.faults = PlanOneLine(shrunk.plan);
  std::cout << "replay: " << ReplayLine(replay, ProgramName()) << "\n";
  return 1;
}

}  // namespace simsock::cli
