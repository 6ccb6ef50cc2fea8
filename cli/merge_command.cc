// `simsock merge DIR`: the table of a sweep whose seeds ran elsewhere (the
// tasks of a Slurm job array, shards on several machines) from the JSON
// lines they wrote: every *.jsonl in DIR. Same seeds, same table as the
// sweep run in one go (cli/sweep_table.h).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "simsock/cli/commands.h"
#include "simsock/cli/seed_record.h"
#include "simsock/cli/sweep_table.h"

namespace simsock::cli {

int MergeCommand(const MergeArgs& args) {
  std::error_code ec;
  if (!std::filesystem::is_directory(args.dir, ec)) {
    std::cerr << "merge: " << args.dir << " is not a directory\n";
    return 2;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(args.dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".jsonl") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::cerr << "merge: no *.jsonl in " << args.dir << "\n";
    return 2;
  }
  std::vector<SeedRecord> records;
  std::set<std::pair<std::string, uint64_t>> seen;
  size_t bad = 0, duplicates = 0;
  for (const auto& path : files) {
    std::ifstream in(path);
    std::string line;
    size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.empty()) continue;
      std::string error;
      std::optional<SeedRecord> rec = FromJsonLine(line, &error);
      if (!rec) {
        // A task killed mid-write leaves a partial last line: say so and
        // go on with the rest.
        std::cerr << "merge: " << path.string() << ":" << number << ": "
                  << error << " (line skipped)\n";
        ++bad;
        continue;
      }
      if (!seen.insert({rec->result.scenario, rec->result.summary.seed})
               .second) {
        ++duplicates;  // a task that ran twice (requeued): keep one
        continue;
      }
      records.push_back(std::move(*rec));
    }
  }
  std::cerr << "merge: " << records.size() << " results from " << files.size()
            << " files";
  if (duplicates) std::cerr << ", " << duplicates << " duplicate seeds ignored";
  if (bad) std::cerr << ", " << bad << " bad lines skipped";
  std::cerr << "\n";
  TableOptions table;
  table.program = ProgramName();
  table.max_failing = args.show;
  std::cout << FormatTable(records, table);
  std::cout << "\n" << FormatWallTime(records);
  bool failing =
      std::any_of(records.begin(), records.end(),
                  [](const SeedRecord& r) { return !r.result.ok(); });
  if (bad) return 2;
  return failing ? 1 : 0;
}

}  // namespace simsock::cli
