/// \file
/// A world file (world_file.h) as an experiment::Scenario, so that `simsock
/// exec`, `run`, `sweep`, `shrink` and the replay lines treat it as any
/// other scenario: its hosts, the unmodified programs (each a native child
/// with the preloaded shim, served by a proxy thread of a simulated
/// process), the built-in C++ programs, the budget and the default plan.
/// A crash of a host kills its programs (SIGKILL, reaped); a restart
/// launches them again.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "simsock/exec/world_file.h"
#include "simsock/experiment/experiment.h"

namespace simsock::sim {
class Host;
}

namespace simsock::exec {

/// A built-in C++ program a world file may `run` on a host: it spawns its
/// process (and threads) on host with the given arguments; it is called
/// again when the plan restarts the host.
using BuiltinProgram =
    std::function<void(experiment::RunContext& ctx, sim::Host& host,
                       const std::vector<std::string>& args)>;

/// Makes program available to world files as `run HOST name ARGS`. A
/// second registration of a name replaces the first.
void RegisterBuiltinProgram(const std::string& name, BuiltinProgram program);
/// The registered built-in of that name, or null.
const BuiltinProgram* FindBuiltinProgram(const std::string& name);

/// The prefix of a world's scenario name: "exec:" + the file's absolute path.
inline constexpr const char* kWorldScenarioPrefix = "exec:";

/// The first reason spec cannot run, or "": a host address or name that
/// no host may have, a latency or program on an unknown host, an unknown
/// built-in, a native program that is missing, not executable or static
/// (CheckProgram: refused before any fork).
std::string CheckWorld(const WorldSpec& spec);

/// spec as a scenario named kWorldScenarioPrefix + spec.path (CheckWorld
/// must have passed).
experiment::Scenario WorldScenario(std::shared_ptr<const WorldSpec> spec);

/// Loads the world file at path, checks it and registers its scenario
/// (once per file): the scenario, or null with *error.
const experiment::Scenario* RegisterWorld(const std::string& path,
                                          std::string* error);

}  // namespace simsock::exec
