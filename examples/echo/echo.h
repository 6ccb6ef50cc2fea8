// The seed's echo server and client (hxia043/go-by-example socket/server and
// client), ported almost line for line to simsock::net.
//
// The code only talks to a Runtime, so it runs unchanged on the real kernel
// (echo_server / echo_client, over LinuxSyscalls) and in the simulator (a
// Runtime built on a simulated process). Output goes through a Logger, one
// line per call (the default prints to stdout), so a simulated run can
// stamp lines with virtual time.
// Threading: the Runtime's thread; RunServer and RunClient run in a task.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "simsock/net/net.h"

namespace simsock::echo {

using Logger = std::function<void(const std::string& line)>;

// Prints the line to stdout and flushes.
void StdoutLogger(const std::string& line);

struct ServerOptions {
  std::string addr = "127.0.0.1:6445";
  Logger log = StdoutLogger;
  // Called once the listener is up (with its address, e.g. for port 0).
  std::function<void(const net::Addr&)> on_listen;
  net::Duration read_deadline = 2 * net::kMinute;  // the seed's 2 minutes
  // The seed sets the read deadline once per connection, so every client is
  // cut off after 2 minutes. True renews it before every read (what the
  // seed's deadline was meant to do: drop a client silent for 2 minutes), so
  // clients exchanging every 30 s stay connected for as long as the world
  // runs (the time-compression benchmark's workload, issue 10).
  bool renew_deadline_per_read = false;
};

// The seed's main(): resolve, listen, start the result printer, accept
// forever and serve each connection in its own task. Returns only if
// resolving or listening fails (after printing the error).
net::Result<void> RunServer(net::Runtime& rt, const ServerOptions& options);

struct ClientOptions {
  std::string addr = "127.0.0.1:6445";
  Logger log = StdoutLogger;
  int count = 0;                               // exchanges; 0: until an error
  net::Duration interval = 30 * net::kSecond;  // the seed's time.Sleep
  // Called with every reply read (not in the seed: for checkers).
  std::function<void(std::string_view reply)> on_reply;
};

// The seed's client: dial, then write "hello, server", read the reply and
// sleep, until an error (or count exchanges). Returns the error that ended
// it, or success when count exchanges were made.
net::Result<void> RunClient(net::Runtime& rt, const ClientOptions& options);

}  // namespace simsock::echo
