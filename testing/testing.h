/// \file
/// simsock's testing library (simsock::testing), for the project's tests and
/// for users' tests of code written against sys::Syscalls or the net layer:
/// \code
///   backend.h       the real kernel and a simulated world behind one
///                   interface (LinuxBackend, SimBackend)
///   runtime.h       RunRuntime: the net layer's Runtime on a backend
///   sockets.h       addresses, bind/connect/sendto, local ports, epoll masks
///   matchers.h      SyscallSucceeds(), SyscallSucceedsWithValue(v),
///                   SyscallFailsWithErrno(e)
///   trace_events.h  matchers over a world's structured trace events
/// \endcode
/// The differential-scenario harness (Linux against the simulator, with a
/// recorded Linux log) is a library of its own: simsock/testing/diff/
/// (target simsock_testing_diff). See docs/testing.md.
#pragma once

#include "simsock/testing/backend.h"
#include "simsock/testing/matchers.h"
#include "simsock/testing/runtime.h"
#include "simsock/testing/sockets.h"
#include "simsock/testing/trace_events.h"
