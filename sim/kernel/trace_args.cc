#include "simsock/sim/kernel/trace_args.h"

#include <netinet/in.h>

#include <cstring>
#include <stdexcept>

#include "simsock/sim/base/append_decimal.h"
#include "simsock/sim/inet/sockaddr.h"

namespace simsock::sim {
namespace {

// DescribeAddr's text from what Addr recorded: `a` the length, `b` the
// family and, for a whole AF_INET address, the address and port
// (family << 48 | ip << 16 | port).
std::string AddrText(int64_t a, int64_t b) {
  const auto len = static_cast<socklen_t>(a);
  if (static_cast<int>(len) < static_cast<int>(sizeof(sa_family_t)))
    return "{len " + std::to_string(static_cast<int>(len)) + "}";
  const auto family = static_cast<sa_family_t>(b >> 48);
  if (family == AF_INET && len >= sizeof(sockaddr_in)) {
    return "{AF_INET, " +
           ToString(Endpoint{static_cast<uint32_t>(b >> 16),
                             static_cast<uint16_t>(b & 0xffff)}) +
           "}";
  }
  return "{family " + std::to_string(family) + ", len " + std::to_string(len) +
         "}";
}

std::string TimespecText(int64_t sec, int64_t nsec) {
  return std::to_string(sec) + "s+" + std::to_string(nsec) + "ns";
}

std::string TimevalText(int64_t sec, int64_t usec) {
  return std::to_string(sec) + "s+" + std::to_string(usec) + "us";
}

}  // namespace

TraceArgs& TraceArgs::Timespec(const timespec* ts) {
  if (ts == nullptr) return Null();
  return With(TimespecText, ts->tv_sec, ts->tv_nsec);
}

TraceArgs& TraceArgs::Timeval(const timeval* tv) {
  if (tv == nullptr) return Null();
  return With(TimevalText, tv->tv_sec, tv->tv_usec);
}

TraceArgs& TraceArgs::Add(const TraceArg& arg) {
  if (n_ == kMax) throw std::logic_error("TraceArgs: more than kMax arguments");
  args_[n_++] = arg;
  return *this;
}

TraceArgs& TraceArgs::Text(std::string_view s) {
  const auto at = static_cast<int64_t>(strings_.size());
  strings_.append(s);
  return Add({TraceArg::Kind::kText, at, static_cast<int64_t>(s.size()), {}});
}

TraceArgs& TraceArgs::Addr(const sockaddr* addr, socklen_t len) {
  if (addr == nullptr) return Null();
  int64_t b = 0;
  if (static_cast<int>(len) >= static_cast<int>(sizeof(sa_family_t))) {
    sa_family_t family;
    std::memcpy(&family, addr, sizeof family);
    b = static_cast<int64_t>(family) << 48;
    if (family == AF_INET && len >= sizeof(sockaddr_in)) {
      sockaddr_in sin;
      std::memcpy(&sin, addr, sizeof sin);
      const Endpoint e = FromSockAddr(sin);
      b |= static_cast<int64_t>(e.ip) << 16 | e.port;
    }
  }
  return With(AddrText, static_cast<int64_t>(len), b);
}

std::string TraceArgs::ToString() const {
  std::string s;
  AppendTo(s);
  return s;
}

void TraceArgs::AppendTo(std::string& s) const {
  for (int i = 0; i < n_; ++i) {
    if (i > 0) s.append(", ", 2);
    const TraceArg& arg = args_[i];
    switch (arg.kind) {
      case TraceArg::Kind::kInt:
        if (arg.format != nullptr) {
          s += arg.format(arg.a, arg.b);
        } else {
          AppendDecimal(s, arg.a);
        }
        break;
      case TraceArg::Kind::kNull:
        s += "NULL";
        break;
      case TraceArg::Kind::kText:
        s += TextOf(arg);
        break;
    }
  }
}

}  // namespace simsock::sim
