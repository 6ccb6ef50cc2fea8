/// \file
/// Which calls each syscall fault may hit: only where Linux itself can
/// return that result (docs/faults.md, "Syscall faults", says why for each).
/// Shared by the plan's checks, faults::FaultySyscalls and the simulator's
/// processes, so that the three agree.
#pragma once

#include <string_view>
#include <vector>

#include "simsock/faults/fault_plan.h"

namespace simsock::faults {

/// The calls (sys::Syscalls names) a kind of fault can hit.
const std::vector<std::string_view>& CallsFor(SyscallFaultKind kind);

/// Whether `call` is one of CallsFor(kind).
bool CanHit(SyscallFaultKind kind, std::string_view call);

}  // namespace simsock::faults
