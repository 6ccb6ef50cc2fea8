#include "sim/trace.h"

#include <cstdio>
#include <ostream>

#include "sim/pcap_writer.h"

namespace simsock::sim {

std::string Trace::FormatTime(Time t) {
  int64_t ns = t.count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%5lld.%09lld",
                static_cast<long long>(ns / 1'000'000'000),
                static_cast<long long>(ns % 1'000'000'000));
  return buf;
}

void Trace::Write(Time now, const std::string& who, const std::string& what) {
  if (!enabled_) return;
  std::string line = "[" + FormatTime(now) + "] " + who + " " + what;
  for (unsigned char c : line) {
    hash_ ^= c;
    hash_ *= 0x100000001b3ULL;
  }
  hash_ ^= '\n';
  hash_ *= 0x100000001b3ULL;
  ++count_;
  if (sink_ != nullptr) *sink_ << line << '\n';
  if (keep_) lines_.push_back(std::move(line));
}

void Trace::Packet(Time now, const sim::Packet& packet) {
  if (pcap_ != nullptr) pcap_->Write(now, packet);
}

}  // namespace simsock::sim
