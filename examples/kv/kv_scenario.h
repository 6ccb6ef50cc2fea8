// The "kv" and "kv-fixed" experiment scenarios (docs/experiments.md): the
// key-value store of kv.h on hosts primary, backup and client1..N
// (parameters clients=N, default 3, and requests=R, default 50). "kv"
// runs the client with the planted bug (no read deadline); "kv-fixed" the
// fixed one (a 5 s read deadline and retries). Invariants, besides the
// built-in "deadlock" and "stream": "kv", every answer is the right one.
// Under a partition between the primary and the backup, "kv" breaks
// "deadlock" (a client waits forever); "kv-fixed" holds.
#pragma once

#include "simsock/experiment/experiment.h"

namespace simsock::kv {

experiment::Scenario KvScenario(bool fixed);

}  // namespace simsock::kv
