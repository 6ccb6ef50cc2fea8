// The `simsock` command: the built-in scenarios (echo, kv, kv-fixed) and
// cli::Main (cli/cli.h). A user's own command is this file with their own
// scenarios registered (examples/own_command).
#include "examples/scenarios/builtin_scenarios.h"
#include "simsock/cli/cli.h"

int main(int argc, char** argv) {
  simsock::scenarios::RegisterBuiltinScenarios();
  return simsock::cli::Main(argc, argv);
}
