/// \file
/// The `simsock` command as a library: a user's own command line, with the
/// user's own scenarios, is a main() that registers them and calls Main
/// (docs/experiments.md, "The simsock command"):
///
/// \code
///   #include "simsock/cli/cli.h"
///   #include "simsock/experiment/experiment.h"
///
///   int main(int argc, char** argv) {
///     simsock::experiment::Register(MyScenario());
///     return simsock::cli::Main(argc, argv);
///   }
/// \endcode
///
/// Subcommands: list, run, sweep, shrink, merge (`--help` on each). Exit
/// status: 0 no invariant broken, 1 some broken, 2 bad usage or input.
#pragma once

/// The `simsock` command, as a library for a user's own command.
namespace simsock::cli {

/// Runs the `simsock` command on argv with the registered scenarios
/// (experiment::Register) and returns its exit status: 0 no invariant
/// broken, 1 some broken, 2 bad usage or input (the message on stderr).
int Main(int argc, char** argv);

}  // namespace simsock::cli
