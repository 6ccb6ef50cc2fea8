// The echo example's programs as built-ins of `simsock exec` world files
// (docs/exec.md), beside unmodified programs:
//   run HOST echo-client ADDR:PORT [count=N] [interval=D] [delay=D]
//       the seed's client (after `delay`): writes "hello, server", reads
//       the reply, sleeps `interval`, count times (0: until an error);
//       every reply must be what it wrote or "hello, client" (the "reply"
//       invariant), counted as "replies";
//   run HOST echo-server PORT
//       the seed's server on 0.0.0.0:PORT.
#pragma once

namespace simsock::echo {

// Registers them with exec::RegisterBuiltinProgram.
void RegisterEchoPrograms();

}  // namespace simsock::echo
