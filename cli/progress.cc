#include "simsock/cli/progress.h"

#include <cmath>

namespace simsock::cli {

Progress::Progress(std::string what, size_t total, bool terminal, FILE* out,
                   std::chrono::seconds interval)
    : what_(std::move(what)),
      total_(total),
      terminal_(terminal),
      out_(out),
      interval_(interval),
      start_(SteadyClock::now()),
      last_print_(start_) {}

std::string Progress::Clock(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60,
                  s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

std::string Progress::Line(size_t done, const std::string& note, double elapsed,
                           bool bar) const {
  std::string line;
  if (bar) {
    constexpr size_t kWidth = 30;
    size_t filled = total_ ? done * kWidth / total_ : kWidth;
    line = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') +
           "] ";
  }
  line += std::to_string(done) + "/" + std::to_string(total_) + " " + what_;
  if (!note.empty()) line += ", " + note;
  line += ", " + Clock(elapsed) + " elapsed";
  if (done > 0 && done < total_) {
    double eta = elapsed / static_cast<double>(done) *
                 static_cast<double>(total_ - done);
    line += ", ETA " + Clock(eta);
  }
  return line;
}

void Progress::Update(size_t done, const std::string& note) {
  auto now = SteadyClock::now();
  double elapsed = std::chrono::duration<double>(now - start_).count();
  if (terminal_) {
    // Redrawn at most 10 times a second; "\033[K" clears what a longer
    // line left.
    if (now - last_print_ < std::chrono::milliseconds(100) && done < total_) {
      return;
    }
    std::fprintf(out_, "\r%s\033[K", Line(done, note, elapsed, true).c_str());
  } else {
    if (now - last_print_ < interval_) return;
    std::fprintf(out_, "%s\n", Line(done, note, elapsed, false).c_str());
  }
  last_print_ = now;
  std::fflush(out_);
}

void Progress::Finish(size_t done, const std::string& note) {
  double elapsed =
      std::chrono::duration<double>(SteadyClock::now() - start_).count();
  if (terminal_) {
    std::fprintf(out_, "\r%s\033[K\n", Line(done, note, elapsed, true).c_str());
  } else {
    std::fprintf(out_, "%s\n", Line(done, note, elapsed, false).c_str());
  }
  std::fflush(out_);
}

}  // namespace simsock::cli
