// What the commands share: finding the scenario, reading the plan and the
// parameters, the program's name, `simsock list`.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "simsock/cli/commands.h"
#include "simsock/exec/exec_scenario.h"

namespace simsock::cli {

namespace {

std::string& ProgramNameStorage() {
  static std::string name = "simsock";
  return name;
}

}  // namespace

std::string PlanOneLine(const faults::FaultPlan& plan) {
  std::string out;
  std::istringstream in(plan.ToText());
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (!out.empty()) out += "; ";
    out += line;
  }
  return out;
}

const std::string& ProgramName() { return ProgramNameStorage(); }

void SetProgramName(const char* argv0) {
  if (argv0 && *argv0) {
    ProgramNameStorage() = std::filesystem::path(argv0).filename().string();
  }
}

std::optional<Resolved> Resolve(const std::string& command,
                                const ScenarioArgs& args) {
  Resolved r;
  r.scenario = experiment::Find(args.scenario);
  if (!r.scenario && args.scenario.starts_with(exec::kWorldScenarioPrefix)) {
    // A world file's scenario (simsock exec): registered on first use, so
    // that sweep workers, `run` and replay lines find it by name too.
    std::string error;
    r.scenario = exec::RegisterWorld(
        args.scenario.substr(
            std::string_view(exec::kWorldScenarioPrefix).size()),
        &error);
    if (!r.scenario) {
      std::cerr << command << ": " << error << "\n";
      return std::nullopt;
    }
  }
  if (!r.scenario) {
    std::cerr << command << ": no scenario '" << args.scenario << "' (`"
              << ProgramName() << " list` shows them)\n";
    return std::nullopt;
  }
  for (const std::string& p : args.params) {
    size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << command << ": --param expects KEY=VALUE, got '" << p
                << "'\n";
      return std::nullopt;
    }
    r.params[p.substr(0, eq)] = p.substr(eq + 1);
  }
  if (args.faults.empty() && !args.faults_is_text) {
    r.plan = experiment::DefaultPlan(*r.scenario);
  } else {
    // A plan file, or the plan itself on one line (docs/faults.md).
    std::string text = args.faults;
    std::error_code ec;
    if (!args.faults_is_text && args.faults.find('\n') == std::string::npos &&
        std::filesystem::is_regular_file(args.faults, ec)) {
      std::ifstream file(args.faults);
      std::stringstream buf;
      buf << file.rdbuf();
      text = buf.str();
    }
    faults::ParsedPlan parsed = faults::ParsePlan(text);
    if (!parsed.ok()) {
      std::cerr << command << ": --faults: " << parsed.error.ToString() << "\n";
      return std::nullopt;
    }
    r.plan = *parsed.plan;
  }
  r.plan_line = PlanOneLine(r.plan);
  return r;
}

experiment::RunOptions OptionsFor(const Resolved& r, uint64_t seed) {
  experiment::RunOptions options;
  options.seed = seed;
  options.plan = r.plan;
  options.params = r.params;
  return options;
}

int ListCommand() {
  std::vector<const experiment::Scenario*> all = experiment::All();
  if (all.empty()) {
    std::cout << "no scenarios registered\n";
    return 0;
  }
  size_t width = 0;
  for (const experiment::Scenario* s : all)
    width = std::max(width, s->name.size());
  for (const experiment::Scenario* s : all) {
    std::cout << s->name << std::string(width - s->name.size() + 2, ' ')
              << s->description << "\n";
  }
  return 0;
}

}  // namespace simsock::cli
