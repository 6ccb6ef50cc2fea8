/// \file
/// Fatal errors of the net runtime: programming errors (send on a closed
/// channel, a negative WaitGroup counter, a blocking operation outside a
/// task) abort with a clear message, as Go panics. Never used for anything a
/// peer or the kernel can cause: those are Error values.
/// Threading: none.
#pragma once

namespace simsock::net::internal {

[[noreturn]] void Fatal(const char* what);

}  // namespace simsock::net::internal

/// Aborts with what (a programming error, as a Go panic) unless cond holds.
#define SIMSOCK_NET_CHECK(cond, what)                   \
  do {                                                  \
    if (!(cond)) ::simsock::net::internal::Fatal(what); \
  } while (0)
