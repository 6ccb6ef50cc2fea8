// The `simsock` command: the built-in scenarios (the echo server and its
// clients, the key-value example) and cli::Main (cli/cli.h). A user's own
// command is this file with their own scenarios registered.
#include "simsock/cli/cli.h"
#include "simsock/experiment/builtin.h"

int main(int argc, char** argv) {
  simsock::experiment::RegisterBuiltinScenarios();
  return simsock::cli::Main(argc, argv);
}
