/// \file
/// A line-oriented chat server and client, ported from Go: the chat of
/// "The Go Programming Language" (Donovan and Kernighan, §8.10,
/// gopl.io/ch8/chat and its client gopl.io/ch8/netcat3), with the book's
/// exercise 8.13 (a client silent for a while is disconnected) and a
/// context bounding the client's dial.
///
/// The server: a broadcaster task owns the set of clients and relays each
/// message to all of them (a Select over three channels); each connection
/// has a task that reads its lines with bufio::Scanner and a writer task
/// that drains the client's outgoing channel; an idle timer (time.NewTimer,
/// Reset on each line) ends a silent client. The client dials with
/// context::WithTimeout, prints what the server sends (bufio::Scanner),
/// sends its lines, half-closes, and waits for the server to finish.
///
/// The code only talks to a Runtime, so it runs unchanged on the real
/// kernel (chat_server / chat_client) and in the simulator
/// (tests/net/chat_test.cc runs the same test body on both).
/// Threading: the Runtime's thread; RunServer and RunClient run in a task.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/net/context.h"
#include "simsock/net/net.h"

namespace simsock::chat {

/// Receives each line a program prints (the default prints to stdout).
using Logger = std::function<void(const std::string& line)>;

/// Prints the line to stdout and flushes.
void StdoutLogger(const std::string& line);

/// The line the server sends a client it disconnects for being idle.
inline constexpr std::string_view kIdleNotice = "idle too long, disconnected";

/// What the server listens on and how long a client may stay silent.
struct ServerOptions {
  std::string addr = "127.0.0.1:8000";  ///< the book's localhost:8000
  /// A client that sends no line for this long is told so and
  /// disconnected (exercise 8.13; the book suggests five minutes).
  net::Duration idle_timeout = 5 * net::kMinute;
  Logger log = StdoutLogger;  ///< the server's log (accept errors)
  /// Called once the listener is up, with its address (e.g. for port 0).
  std::function<void(const net::Addr&)> on_listen;
};

/// The server's main(): listen, start the broadcaster, accept and serve
/// each connection in its own task until ctx is done; then it closes the
/// listener, ends every client's session and returns once all its tasks
/// have finished. Fails only if listening fails (the error says why).
net::Result<void> RunServer(net::Runtime& rt, const net::context::Context& ctx,
                            const ServerOptions& options);

/// What a client sends and how it waits.
struct ClientOptions {
  std::string addr = "127.0.0.1:8000";
  /// Bounds the dial (context::WithTimeout around DialContext).
  net::Duration dial_timeout = 5 * net::kSecond;
  /// The lines typed (the book's client copies stdin): sent in order,
  /// one every `interval`, the first after `interval`.
  std::vector<std::string> lines;
  net::Duration interval = net::kSecond;
  /// After its last line the client half-closes (CloseWrite, as netcat3)
  /// and prints what the server still sends until the server closes, or
  /// for at most this long.
  net::Duration linger = 10 * net::kSecond;
  /// Each line received from the server (the book prints them).
  Logger on_line = StdoutLogger;
};

/// The client (gopl.io/ch8/netcat3 with a dial bounded by a context):
/// returns the dial's error, or success once the server's stream has ended
/// or `linger` has passed after the last line.
net::Result<void> RunClient(net::Runtime& rt, const ClientOptions& options);

}  // namespace simsock::chat
