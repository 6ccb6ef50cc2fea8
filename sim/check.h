// SIM_CHECK: aborts with a clear message when an internal invariant of the
// simulator is broken. Never used for anything a caller can cause: those get
// a -errno.
#pragma once

#include <cstdio>
#include <cstdlib>

#define SIM_CHECK(cond)                                                  \
  do {                                                                   \
    if (!(cond)) {                                                       \
      std::fprintf(stderr, "%s:%d: SIM_CHECK failed: %s\n", __FILE__,    \
                   __LINE__, #cond);                                     \
      std::abort();                                                      \
    }                                                                    \
  } while (0)
