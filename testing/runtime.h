/// \file
/// Runs the net layer's Runtime on a test backend (simsock/testing/backend.h):
/// on Linux on the calling thread, in the simulator as the simulated
/// process's main thread while the world runs.
#pragma once

#include "simsock/net/runtime/runtime.h"
#include "simsock/testing/backend.h"

namespace simsock::testing {

/// Runs rt.Run() as the backend's process (Backend::RunInProcess) and
/// returns its status. rt must be built on backend.sys(). kDeadlock also
/// when the runtime got stuck in the simulator (the test has failed then).
inline net::RunStatus RunRuntime(Backend& backend, net::Runtime& rt) {
  net::RunStatus status = net::RunStatus::kDeadlock;
  backend.RunInProcess([&] { status = rt.Run(); }, "runtime");
  return status;
}

}  // namespace simsock::testing
