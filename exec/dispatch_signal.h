/// \file
/// The dispatcher's signal calls (exec/protocol.h, "Signal calls"):
/// rt_sigaction and rt_sigprocmask as the shim reports them after making
/// them for real, setitimer / getitimer / alarm in virtual time, and kill /
/// tgkill / tkill of the program to itself. docs/exec.md, "Signals".
#pragma once

#include <sys/time.h>

#include <cstdint>

namespace simsock::sim {
class Process;
}

namespace simsock::exec {

/// Whether nr is one of the signal calls RunSignalCall serves.
bool IsSignalCall(int64_t nr);

/// Runs signal call nr with the slot's args on `process`; `value` and
/// `old` are setitimer's / getitimer's struct itimerval arguments,
/// already rebased (null: NULL). Returns the reply's ret.
int64_t RunSignalCall(int64_t nr, const int64_t args[6], sim::Process& process,
                      const itimerval* value, itimerval* old);

}  // namespace simsock::exec
