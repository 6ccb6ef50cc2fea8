#include "simsock/experiment/trace_tail.h"

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
  for (std::streamsize i = 0; i < n; ++i) {
    if (s[i] == '\n') {
      EndLine();
    } else {
      line_ += s[i];
    }
  }
  return n;
}

void TraceTail::EndLine() {
  const std::string_view line = line_;
  // A syscall line ends "call(args) = <result>" (sys::ResultString); no
  // other line has ") = ", and a syscall line shows no data.
  if (const size_t at = line.rfind(") = "); at != std::string_view::npos) {
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
  } else if (line.find(" drop (loss") != std::string_view::npos ||
             line.find(" drop (partition") != std::string_view::npos ||
             line.find(" drop (queue full") != std::string_view::npos ||
             line.find(" duplicate") != std::string_view::npos ||
             line.find(" corrupt") != std::string_view::npos ||
             line.find(" hold (clog") != std::string_view::npos) {
    ++faults_;
  } else if (const size_t f = line.find(" fault: ");
             f != std::string_view::npos &&
             line.compare(f, 18, " fault: plan line ") != 0) {
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
