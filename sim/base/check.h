// SIM_CHECK: aborts with a clear message when an internal invariant of the
// simulator is broken. Never used for anything a caller can cause: those get
// a -errno.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#define SIM_CHECK(cond)                                               \
  do {                                                                \
    if (!(cond)) {                                                    \
      std::fprintf(stderr, "%s:%d: SIM_CHECK failed: %s\n", __FILE__, \
                   __LINE__, #cond);                                  \
      std::abort();                                                   \
    }                                                                 \
  } while (0)

namespace simsock::sim {

// Aborts with a message that says what was asked, what was found and what
// was expected: for misuse of the world-building API (World::AddHost,
// Network::SetLatency, ...) -- a bug in the test or tool that builds the
// world, which should stop it at once, but whose author needs to know
// which call to fix.
[[noreturn]] inline void SimFatal(const std::string& message) {
  std::fprintf(stderr, "simsock: %s\n", message.c_str());
  std::abort();
}

}  // namespace simsock::sim
