// Recorded Linux logs of the differential scenarios, and the verdicts that
// compare a log with its recording.
//
// The simulator is checked against what one real kernel answered, recorded
// in the repository (tests/diff/linux_recording.txt, written by
// tools/record_linux.sh), so that the default suite passes or fails the same
// way on every machine. The live kernel is checked against the same
// recording: on the release that made it, a difference is a failure (the
// recording or the harness is wrong); on any other release it is kernel
// drift, reported line by line and skipped, never passed silently.
//
// File format: comment lines start with '#'; each scenario is a header line
// "== <name> @ <kernel release>" followed by its log lines, each indented by
// two spaces (so that no log text can be mistaken for a header).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "simsock/testing/diff/harness.h"

namespace simsock::diff {

struct RecordedLog {
  std::string kernel;  // `uname -r` of the machine that recorded it
  std::vector<std::string> lines;
};

struct Recording {
  std::map<std::string, RecordedLog> scenarios;

  // Reads `path`; false (with *error set) when it cannot be read or parsed.
  static bool Load(const std::string& path, Recording* out, std::string* error);
  // Writes every scenario, sorted by name.
  bool Save(const std::string& path, std::string* error) const;
  std::string Serialize() const;
  // The release most scenarios were recorded on (the kernel the simulator
  // models), or "" for an empty recording.
  std::string MainKernel() const;
  static bool Parse(const std::string& text, Recording* out,
                    std::string* error);
};

// The recording the tests use: $SIMSOCK_DIFF_RECORDING if set, else the
// file in the source tree (compiled in as SIMSOCK_DIFF_RECORDING_PATH).
std::string RecordingPath();
// The running kernel's release (uname -r).
std::string LiveKernelRelease();

// A line-by-line comparison of an expected (recorded) log with an actual
// one. Lines of `expected` matching an accepted divergence pattern
// (Script::Diverge) may differ.
struct LogComparison {
  int mismatches = 0;
  std::vector<char> marks;  // ' ' equal, '~' accepted divergence, '!' differs
  std::vector<std::string> accepted;  // "pattern (reason)" for each '~'
  // 1-based line number of the first '!' line, 0 if none.
  size_t first_mismatch = 0;
};
LogComparison CompareLogs(const std::vector<std::string>& expected,
                          const std::vector<std::string>& actual,
                          const std::vector<Script::Divergence>& accepted);

// Two logs side by side with the comparison's marks.
std::string SideBySide(const std::string& left_title,
                       const std::vector<std::string>& left,
                       const std::string& right_title,
                       const std::vector<std::string>& right,
                       const std::vector<char>& marks);

// What the live kernel's log means for one scenario.
struct LiveVerdict {
  enum Kind {
    kAgrees,       // identical to the recording (up to accepted divergences)
    kFails,        // differs on the release that recorded it
    kDrift,        // differs, and this is another kernel release
    kNotRecorded,  // the recording has no log for this scenario
  };
  Kind kind = kAgrees;
  // For kFails and kDrift: the scenario, each differing line's number with
  // the recorded and the live answer, then both logs side by side.
  std::string report;
};
LiveVerdict JudgeLive(const std::string& scenario, const RecordedLog* recorded,
                      const std::string& live_kernel,
                      const std::vector<std::string>& live_log,
                      const std::vector<Script::Divergence>& accepted);

}  // namespace simsock::diff
