/// \file
/// Fatal checks of the simulator: SIM_CHECK for its internal invariants,
/// SimFatal for misuse of the world-building API.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

/// Aborts with the file, line and condition on stderr when an internal
/// invariant of the simulator is broken. Never used for anything a caller
/// can cause: those get a -errno. Costs one branch when the check holds.
#define SIM_CHECK(cond)                                               \
  do {                                                                \
    if (!(cond)) {                                                    \
      std::fprintf(stderr, "%s:%d: SIM_CHECK failed: %s\n", __FILE__, \
                   __LINE__, #cond);                                  \
      std::abort();                                                   \
    }                                                                 \
  } while (0)

namespace simsock::sim {

/// Prints "simsock: <message>" on stderr and aborts. The message says what
/// was asked, what was found and what was expected: for misuse of the
/// world-building API (World::AddHost, Network::SetLatency, ...) -- a bug in
/// the test or tool that builds the world, which should stop it at once, but
/// whose author needs to know which call to fix. Never returns.
[[noreturn]] inline void SimFatal(const std::string& message) {
  std::fprintf(stderr, "simsock: %s\n", message.c_str());
  std::abort();
}

}  // namespace simsock::sim
