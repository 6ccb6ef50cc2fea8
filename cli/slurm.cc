#include "simsock/cli/slurm.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "simsock/cli/sweep_table.h"

namespace simsock::cli {

std::string SbatchScript(const SlurmSweep& s) {
  std::string command =
      ShellQuote(s.program) + " sweep " + ShellQuote(s.scenario) + " --seeds " +
      s.seeds.ToString() + " --jobs " + std::to_string(s.jobs);
  for (const auto& [k, v] : s.params) {
    command += " --param " + ShellQuote(k + "=" + v);
  }
  command += " --faults " + ShellQuote(s.faults);
  if (s.shrink) command += " --shrink";
  // The shard is not on the line: the sweep takes it from the array's
  // environment (SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT).
  command +=
      " --jsonl " + ShellQuote(s.dir) + "/shard-$SLURM_ARRAY_TASK_ID.jsonl";

  std::string out;
  out += "#!/bin/bash\n";
  out +=
      "# A simsock sweep as a Slurm job array, written by `simsock sweep "
      "--slurm`:\n";
  out += "# task I of " + std::to_string(s.tasks) + " runs the seeds of " +
         s.seeds.ToString() + " whose index is I modulo " +
         std::to_string(s.tasks) + ".\n";
  out += "# Submit: sbatch " + s.dir + "/sweep.sbatch\n";
  out += "# Then:   simsock merge " + s.dir + "\n";
  out += "#SBATCH --job-name=simsock-" + s.scenario + "\n";
  out += "#SBATCH --array=0-" + std::to_string(s.tasks - 1) + "\n";
  out += "#SBATCH --ntasks=1\n";
  out += "#SBATCH --cpus-per-task=" + std::to_string(s.jobs) + "\n";
  out += "#SBATCH --output=" + s.dir + "/slurm-%A_%a.out\n";
  out += "#SBATCH --chdir=" + s.dir + "\n";
  out += command + "\n";
  out += "status=$?\n";
  out += "# 1 means failing seeds were found: a result, not a failed task.\n";
  out += "if [ \"$status\" -eq 1 ]; then exit 0; fi\n";
  out += "exit \"$status\"\n";
  return out;
}

std::optional<std::string> WriteSbatchScript(const SlurmSweep& sweep,
                                             std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(sweep.dir, ec);
  if (ec) {
    *error = "slurm: cannot create " + sweep.dir + ": " + ec.message();
    return std::nullopt;
  }
  std::string path = sweep.dir + "/sweep.sbatch";
  std::ofstream file(path);
  file << SbatchScript(sweep);
  file.close();
  if (!file) {
    *error = "slurm: cannot write " + path;
    return std::nullopt;
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add, ec);
  return path;
}

std::optional<std::string> SubmitSbatch(const std::string& script,
                                        std::string* error) {
  std::string command = "sbatch --parsable " + ShellQuote(script) + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) {
    *error = "slurm: cannot run sbatch";
    return std::nullopt;
  }
  std::string output;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
  int status = ::pclose(pipe);
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) {
    output.pop_back();
  }
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *error = "slurm: sbatch failed" +
             (output.empty() ? std::string(" (is Slurm installed?)")
                             : ": " + output);
    return std::nullopt;
  }
  // --parsable prints "jobid" or "jobid;cluster" on its last line (a
  // warning may come before it).
  size_t last = output.rfind('\n');
  std::string line =
      last == std::string::npos ? output : output.substr(last + 1);
  return line.substr(0, line.find(';'));
}

}  // namespace simsock::cli
