// The built-in experiment scenarios, registered by name for the `simsock`
// command and users' own mains (docs/experiments.md):
//   echo      the seed's echo server and N clients (echo_scenario.h)
//   kv        the key-value store with the planted bug (kv_scenario.h)
//   kv-fixed  the same with the fixed client
#pragma once

namespace simsock::scenarios {

// Registers them with experiment::Register; a second call does nothing.
void RegisterBuiltinScenarios();

}  // namespace simsock::scenarios
