/// \file
/// TraceFiles: the output files of a world's trace named by path — JSON
/// lines and a pcapng capture — opened together, checked, and attached to
/// and detached from a Trace in one place (experiment::Run and the echo
/// example's world both take them as options).
#pragma once

#include <fstream>
#include <memory>
#include <string>

namespace simsock::sim {

class PcapWriter;
class Trace;

/// A trace's JSON-lines file and pcapng file, each named by a path ("" for
/// none). A path that cannot be opened is an error (error()), never a
/// silent no-op: a user who asked for a capture gets one or is told why
/// not. Declare it before the world whose trace writes to it, and Detach
/// before that world ends.
class TraceFiles {
 public:
  /// Opens (truncates) the files named; "" opens nothing.
  TraceFiles(const std::string& json_path, const std::string& pcap_path);
  ~TraceFiles();
  TraceFiles(const TraceFiles&) = delete;
  TraceFiles& operator=(const TraceFiles&) = delete;

  /// "cannot open the pcap file x/y.pcapng: No such file or directory" for
  /// the first file that could not be opened, or "".
  const std::string& error() const { return error_; }
  /// Makes `trace` write to the files that are open (a JSON sink only for
  /// an open file: an unopened stream is not in a failed state, and as a
  /// sink it would have every event formatted into nothing).
  void Attach(Trace& trace);
  /// Takes the files off the trace Attach gave them to (nothing if none).
  void Detach();

 private:
  std::ofstream json_;
  std::ofstream pcap_file_;
  std::unique_ptr<PcapWriter> pcap_;
  Trace* attached_ = nullptr;
  std::string error_;
};

}  // namespace simsock::sim
