/// \file
/// The world file of `simsock exec` (docs/exec.md, "The world file"): a
/// small line-based description of a simulated world with unmodified
/// programs on some hosts and built-in C++ programs on others.
///
/// \code
///   # the C echo server beside the C++ echo client
///   host server 10.0.0.1
///   host client1 10.0.0.2
///   latency client1 server 5ms
///   exec server ./c_echo_server 7000
///   run client1 echo-client server:7000 count=3 interval=1s
///   budget 60s
///   plan from 2s to 4s loss 0.2 client1 <-> server
/// \endcode
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/sim/base/time.h"

namespace simsock::exec {

/// A `host NAME ADDRESS` line.
struct WorldHost {
  std::string name;     ///< the host's name (traces, plans)
  std::string address;  ///< its IPv4 address, dotted quad
};

/// A `latency A B DURATION` line: one-way latency between two hosts.
struct WorldLatency {
  std::string a;        ///< one host
  std::string b;        ///< the other
  sim::Duration delay;  ///< one way
};

/// An `exec` (native) or `run` (built-in C++) line.
struct WorldProgram {
  int line = 0;        ///< its line in the file
  std::string host;    ///< the host it runs on
  bool native = true;  ///< exec: an unmodified binary; run: a built-in
  /// exec: the binary as written (relative paths are the world file's
  /// directory's); run: the built-in's name.
  std::string program;
  std::vector<std::string> args;  ///< its arguments (argv[1...])
  std::vector<std::string> env;   ///< KEY=VALUE (the host's `env` lines)
};

/// A parsed world file.
struct WorldSpec {
  std::string path;  ///< the file (absolute), or "" when parsed from text
  std::string dir;   ///< the directory relative programs are found in
  std::vector<WorldHost> hosts;                     ///< in file order
  std::vector<WorldLatency> latencies;              ///< in file order
  std::vector<WorldProgram> programs;               ///< in file order
  sim::Duration budget = std::chrono::seconds(60);  ///< `budget`
  std::string plan;        ///< the `plan` lines, one per line
  std::string output_dir;  ///< `output`: the programs' stdout/stderr files
  /// `busy`: wall time a program may compute without a call before the
  /// run reports a busy loop (ProxyLimits::busy).
  std::chrono::milliseconds busy{30000};
  /// `spin`: clock reads in a row without a forwarded call after which
  /// the shim lets virtual time pass (a spin loop; 0: never).
  uint32_t spin_reads = 1000;
};

/// Parses the text of a world file; dir is where relative programs are
/// found. On an error returns nullopt with *error as "line N: ...".
std::optional<WorldSpec> ParseWorld(std::string_view text,
                                    const std::string& dir, std::string* error);
/// Reads and parses the file at path.
std::optional<WorldSpec> LoadWorld(const std::string& path, std::string* error);
/// "250ms", "30s", "2m", "1h", "100us", "5ns" (a number and a unit), or
/// nullopt.
std::optional<sim::Duration> ParseDurationText(std::string_view text);

}  // namespace simsock::exec
