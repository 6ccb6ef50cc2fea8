// The `simsock` command: the built-in scenarios and cli::Main (cli/cli.h).
// A user's own command is this file with their own scenarios registered
// (examples/own_command).
#include "examples/echo/echo_scenario.h"
#include "simsock/cli/cli.h"
#include "simsock/experiment/experiment.h"

int main(int argc, char** argv) {
  // The seed's echo server and its clients (clients=N).
  simsock::experiment::Register(simsock::echo::EchoScenario());
  return simsock::cli::Main(argc, argv);
}
