// One seed of a sweep as a JSON line (the `--jsonl` file, the workers'
// answers, what `simsock merge` reads): the run's result plus what it takes
// to replay it (the plan as the sweep was given it, the scenario's
// parameters). docs/experiments.md lists the fields.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "simsock/experiment/experiment.h"

namespace simsock::cli {

struct SeedRecord {
  experiment::RunResult result;
  // The --faults the sweep was given, on one line (';' between lines): with
  // the seed it replays the run exactly, a random part drawn the same way.
  std::string faults;
  std::map<std::string, std::string> params;  // --param k=v
};

// One line of JSON, no newline; members in a fixed order.
std::string ToJsonLine(const SeedRecord& record);
// The record a line holds, or nullopt and `error`.
std::optional<SeedRecord> FromJsonLine(std::string_view line,
                                       std::string* error);

}  // namespace simsock::cli
