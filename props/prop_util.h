// Small helpers shared by the property tests (props/*_prop.cc) and the
// fuzzer: the byte pattern every property writes, epoll masks as text, and
// the replay banner printed with every counterexample; the socket helpers
// of simsock/testing/sockets.h under their props:: names.
//
// Threading: none; everything here is a pure function of its arguments.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "simsock/net/sys/names.h"
#include "simsock/net/sys/syscalls.h"
#include "simsock/testing/sockets.h"

namespace simsock::props {

// Addresses, bind/connect and epoll masks come from the testing library.
using testing::Addr;
using testing::Bind;
using testing::Connect;
using testing::HostIp;
using testing::HostIpStr;
using testing::IpStr;
using testing::kAnyAddr;
using testing::kLoopback;
using testing::ProbeMask;

// The byte at `offset` of the stream written in direction `dir` of
// connection `conn`. Every property writes this pattern, so a reader can
// tell a dropped, duplicated or reordered byte from the value alone.
inline char PatternByte(int conn, int dir, int64_t offset) {
  uint64_t x =
      static_cast<uint64_t>(offset) * 7 + static_cast<uint64_t>(offset / 251) +
      static_cast<uint64_t>(conn) * 131 + static_cast<uint64_t>(dir) * 71;
  return static_cast<char>(x & 0xff);
}

inline std::string MaskStr(uint32_t mask) { return sys::EpollEventsName(mask); }

// "5", "-EAGAIN".
inline std::string ResultStr(long r) { return sys::ResultString(r); }

// How to replay a failing case; printed (through RC_LOG) with every
// counterexample.
inline std::string ReplayHint(uint64_t sim_seed) {
  return "replay: RC_PARAMS=\"seed=<seed printed by rapidcheck above>\" "
         "(or reproduce=<string printed at the end>); this case's simulator "
         "seed is " +
         std::to_string(sim_seed);
}

}  // namespace simsock::props
