/// \file
/// TraceTail: a trace sink (sim::Trace::SetSink) that keeps the last lines
/// of a run for violation reports, counts what the summary reports from the
/// lines themselves (failed syscalls by errno name, injected faults), and
/// passes every line on to a file when the run writes its trace.
///
/// It sees each line once, as the trace writes it: no line is parsed back
/// from a file and nothing is kept beyond the ring, so a run without
/// violations pays a few substring searches per line.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

namespace simsock::experiment {

/// A std::streambuf that the run's trace writes to: keeps the last lines,
/// counts errors and injected faults, forwards to a file.
class TraceTail : public std::streambuf {
 public:
  /// Keeps the last `lines` lines; forwards every line to `forward` if set.
  explicit TraceTail(size_t lines, std::ostream* forward = nullptr);

  /// The kept lines, oldest first.
  std::vector<std::string> Last() const;
  /// Failed syscalls by errno name. EAGAIN and EINPROGRESS are left out:
  /// they are a nonblocking program's "not yet", not a failure.
  const std::map<std::string, uint64_t>& errors() const { return errors_; }
  /// Lines that record an injected fault: a packet dropped by a loss or a
  /// cut, duplicated, corrupted or held by a clog; a host crashed or
  /// restarted; a syscall fault. The plan's "begins"/"ends" lines and
  /// drops for want of a route are not injections.
  uint64_t faults() const { return faults_; }

 protected:
  /// std::streambuf's: one character of the trace.
  int_type overflow(int_type c) override;
  /// std::streambuf's: n characters of the trace.
  std::streamsize xsputn(const char* s, std::streamsize n) override;

 private:
  void EndLine();

  std::vector<std::string> ring_;
  size_t next_ = 0;     // the slot the next line goes to
  uint64_t count_ = 0;  // lines seen
  std::string line_;    // the line being written
  std::ostream* forward_;
  std::map<std::string, uint64_t> errors_;
  uint64_t faults_ = 0;
};

}  // namespace simsock::experiment
