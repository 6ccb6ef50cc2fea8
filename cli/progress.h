// A sweep's (or a shrink's) progress on stderr: on a terminal a bar
// redrawn in place with the rate and an ETA; otherwise (a log file, a
// Slurm job's output) a plain line every `interval` and one at the end.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace simsock::cli {

class Progress {
 public:
  // `what` names the units ("runs"); `out` is usually stderr.
  Progress(std::string what, size_t total, bool terminal, FILE* out,
           std::chrono::seconds interval = std::chrono::seconds(10));
  // `done` of `total` finished; `note` (e.g. "3 failing") is appended.
  void Update(size_t done, const std::string& note);
  // The last line (and a newline after a bar).
  void Finish(size_t done, const std::string& note);

  // "1:05" / "1:02:03" for a duration in seconds.
  static std::string Clock(double seconds);
  // The text of one progress line (without a leading '\r').
  std::string Line(size_t done, const std::string& note, double elapsed,
                   bool bar) const;

 private:
  using SteadyClock = std::chrono::steady_clock;
  std::string what_;
  size_t total_;
  bool terminal_;
  FILE* out_;
  std::chrono::seconds interval_;
  SteadyClock::time_point start_;
  SteadyClock::time_point last_print_;
};

}  // namespace simsock::cli
