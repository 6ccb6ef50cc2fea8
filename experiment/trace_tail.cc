#include "simsock/experiment/trace_tail.h"

#include <string.h>  // memrchr

#include <cstring>
#include <string_view>

namespace simsock::experiment {

TraceTail::TraceTail(size_t lines, std::ostream* forward)
    : ring_(lines), forward_(forward) {}

std::vector<std::string> TraceTail::Last() const {
  std::vector<std::string> out;
  const size_t n = ring_.size();
  if (n == 0) return out;
  const size_t kept = count_ < n ? static_cast<size_t>(count_) : n;
  for (size_t i = 0; i < kept; ++i) {
    out.push_back(ring_[(next_ + n - kept + i) % n]);
  }
  return out;
}

TraceTail::int_type TraceTail::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return 0;
  const char ch = traits_type::to_char_type(c);
  if (ch == '\n') {
    EndLine();
  } else {
    line_ += ch;
  }
  return c;
}

std::streamsize TraceTail::xsputn(const char* s, std::streamsize n) {
  // The trace writes a whole line (and its newline) at once: the line is
  // appended in one piece, not a character at a time.
  const char* const end = s + n;
  while (s != end) {
    const auto* nl = static_cast<const char*>(
        std::memchr(s, '\n', static_cast<size_t>(end - s)));
    if (nl == nullptr) {
      line_.append(s, end);
      break;
    }
    line_.append(s, nl);
    EndLine();
    s = nl + 1;
  }
  return n;
}

namespace {

// Where the last ") = " of `line` starts, or npos. A syscall line has it
// near its end; other lines are walked back a ')' at a time (memrchr), not
// compared at every position.
size_t LastResultMark(std::string_view line) {
  size_t end = line.size();
  while (end > 0) {
    const auto* close =
        static_cast<const char*>(memrchr(line.data(), ')', end));
    if (close == nullptr) break;
    const auto at = static_cast<size_t>(close - line.data());
    if (line.substr(at).starts_with(") = ")) return at;
    end = at;
  }
  return std::string_view::npos;
}

// Whether a line that is not a syscall's records an injected fault: a
// drop by a loss, a partition or a full queue, a duplicate, a corruption,
// a clog's hold, or a fault line that is not the plan's own note (the
// first " fault: " decides). Every mark starts with a space, so the walk
// looks only after each space, at the one character that can begin a
// mark.
bool RecordsInjection(std::string_view line) {
  size_t first_fault = std::string_view::npos;
  for (size_t at = line.find(' '); at != std::string_view::npos;
       at = line.find(' ', at + 1)) {
    const std::string_view rest = line.substr(at);
    if (rest.size() < 2) break;
    switch (rest[1]) {
      case 'd':
        if (rest.starts_with(" drop (loss") ||
            rest.starts_with(" drop (partition") ||
            rest.starts_with(" drop (queue full") ||
            rest.starts_with(" duplicate")) {
          return true;
        }
        break;
      case 'c':
        if (rest.starts_with(" corrupt")) return true;
        break;
      case 'h':
        if (rest.starts_with(" hold (clog")) return true;
        break;
      case 'f':
        if (first_fault == std::string_view::npos &&
            rest.starts_with(" fault: ")) {
          first_fault = at;
        }
        break;
      default:
        break;
    }
  }
  return first_fault != std::string_view::npos &&
         !line.substr(first_fault).starts_with(" fault: plan line ");
}

}  // namespace

void TraceTail::EndLine() {
  const std::string_view line = line_;
  // A syscall line ends "call(args) = <result>" (sys::ResultString); no
  // other line has ") = ", and a syscall line shows no data.
  if (const size_t at = LastResultMark(line); at != std::string_view::npos) {
    std::string_view result = line.substr(at + 4);
    if (result.size() > 2 && result[0] == '-' && result[1] == 'E') {
      result.remove_prefix(1);
      if (const size_t sp = result.find(' '); sp != std::string_view::npos) {
        result = result.substr(0, sp);
      }
      if (result != "EAGAIN" && result != "EINPROGRESS") {
        ++errors_[std::string(result)];
      }
    }
  } else if (RecordsInjection(line)) {
    ++faults_;
  }
  if (forward_ != nullptr) *forward_ << line_ << '\n';
  if (!ring_.empty()) {
    ring_[next_].swap(line_);
    next_ = (next_ + 1) % ring_.size();
  }
  ++count_;
  line_.clear();
}

}  // namespace simsock::experiment
