/// \file
/// The dispatcher of `simsock exec`: one request of a managed thread's slot
/// (exec/protocol.h) run on the simulated kernel. Pointer arguments are
/// offsets into the slot's data area (ptr_mask), rebased here, with the
/// nested layouts exec/protocol.h documents (msghdr, iovec arrays); an
/// offset outside the request's data is -EFAULT, as a bad pointer is on
/// Linux. New fds take the numbers the shim reserved (fd_hint).
#pragma once

#include <cstdint>
#include <string>

#include "simsock/exec/protocol.h"

namespace simsock::sys {
class Syscalls;
}
namespace simsock::sim {
class Process;
}

namespace simsock::exec {

/// What a request gave.
struct DispatchResult {
  int64_t ret = 0;  ///< the reply's ret: >= 0 or a negated errno
  /// Set when the call cannot be emulated (an unknown syscall, an ioctl
  /// or a socket family not simulated yet, a malformed request): the run
  /// reports it and kills the program instead of replying.
  std::string fail;
};

/// Runs slot's SIMSOCK_MSG_SYSCALL request: on `calls` (the process's
/// syscalls, possibly tapped) or, for what sys::Syscalls lacks (dup,
/// dup2, dup3), on `process` itself; writes the outputs into slot.data.
/// Called from the proxy's simulated thread: a blocking call parks it.
DispatchResult Dispatch(simsock_exec_slot& slot, sim::Process& process,
                        sys::Syscalls& calls);

/// "accept4", "epoll_wait", ... for the syscalls simsock knows by name, else
/// "syscall 123".
std::string SyscallName(int64_t nr);

}  // namespace simsock::exec
