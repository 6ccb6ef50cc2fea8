// The Script's composite calls (each logged as one summary line), time, and
// free-form lines; the logged single syscalls are in harness.cc.
#include <chrono>
#include <string>
#include <vector>

#include "simsock/testing/diff/harness.h"

namespace simsock::diff {

Script::Drained Script::ReadAll(int fd, size_t chunk, int max_calls,
                                size_t pattern_offset) {
  Drained d;
  std::vector<char> buf(chunk);
  int calls = 0;
  for (; calls < max_calls; ++calls) {
    ssize_t r = sys().read(fd, buf.data(), chunk);
    d.last = r;
    if (r <= 0) break;
    for (ssize_t i = 0; i < r; ++i) {
      if (buf[i] != PatternByte(pattern_offset + d.total + i)) {
        d.pattern_ok = false;
      }
    }
    d.total += static_cast<size_t>(r);
  }
  Add("read_all(" + Fd(fd) + ") ends " +
      (calls == max_calls ? std::string("<call limit>") : Result(d.last)) +
      ", bytes in order = " + (d.pattern_ok ? "true" : "false"));
  return d;
}

Script::Filled Script::WriteUntilEagain(int fd, size_t chunk, int max_calls,
                                        size_t pattern_offset) {
  Filled f;
  std::vector<char> buf(chunk);
  int calls = 0;
  for (; calls < max_calls; ++calls) {
    for (size_t i = 0; i < chunk; ++i) {
      buf[i] = PatternByte(pattern_offset + f.total + i);
    }
    ssize_t r = sys().write(fd, buf.data(), chunk);
    f.last = r;
    if (r <= 0) break;
    if (static_cast<size_t>(r) < chunk) ++f.partial_writes;
    f.total += static_cast<size_t>(r);
  }
  Add("write_until_eagain(" + Fd(fd) + ", " + std::to_string(chunk) +
      ") ends " +
      (calls == max_calls ? std::string("<call limit>") : Result(f.last)));
  return f;
}

void Script::Settle() { backend_.Settle(); }

void Script::Advance(nanoseconds d) {
  Add("advance " +
      std::to_string(std::chrono::duration_cast<milliseconds>(d).count()) +
      "ms");
  backend_.Advance(d);
}

bool Script::Check(const std::string& what, bool ok) {
  Add("check " + what + " = " + (ok ? "true" : "false"));
  return ok;
}

void Script::Note(const std::string& text) { Add("# " + text); }

long Script::Raw(const std::string& desc, long result) {
  Add(desc + " = " + Result(result));
  return result;
}

void Script::Diverge(const std::string& pattern, const std::string& reason) {
  divergences_.push_back({pattern, reason});
}

}  // namespace simsock::diff
