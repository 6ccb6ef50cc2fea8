// A small replicated key-value store on simsock::net, with a bug only a
// partition reveals (docs/experiments.md, "The planted bug").
//
// The primary serves clients over TCP, one request per line:
//   PUT <key> <value>  ->  OK
//   GET <key>          ->  VALUE <value>  |  NOTFOUND
// It copies every PUT to the backup before it answers; when the backup
// cannot be reached in time it drops the request without an answer,
// trusting the client to time out and retry ("at most once, the client
// retries").
//
// The bug: the client as first written (read_deadline 0) has no read
// deadline. When a partition between the primary and the backup makes
// the primary drop a PUT, that client waits for an answer that never
// comes, forever: its connection is healthy and idle, nothing will ever
// wake it. The fixed client gives each answer read_deadline and retries
// on a fresh connection.
//
// Threading: the Runtime's thread; each Run* runs in one of its tasks.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "simsock/net/net.h"

namespace simsock::kv {

inline constexpr int kPrimaryPort = 7000;
inline constexpr int kBackupPort = 7001;

struct PrimaryOptions {
  std::string listen = ":7000";
  std::string backup = "backup:7001";
  // How long a PUT may take to reach the backup and be acknowledged.
  net::Duration replicate_timeout = 2 * net::kSecond;
  // A client connection idle this long is closed.
  net::Duration idle_timeout = 60 * net::kMinute;
};
// Accepts forever; returns only if listening fails.
net::Result<void> RunPrimary(net::Runtime& rt, const PrimaryOptions& options);

struct BackupOptions {
  std::string listen = ":7001";
  // A primary's connection idle this long is closed.
  net::Duration idle_timeout = 60 * net::kMinute;
};
net::Result<void> RunBackup(net::Runtime& rt, const BackupOptions& options);

struct ClientOptions {
  std::string server = "primary:7000";
  std::string name = "client";  // its keys are <name>-<i>
  int requests = 50;            // PUT then GET of that many keys
  net::Duration interval = 2 * net::kSecond;
  // How long to wait for each answer before retrying on a new
  // connection; 0 waits forever (the planted bug).
  net::Duration read_deadline{0};
  // An answer that is not the right one (a GET of a key just PUT that
  // does not return its value).
  std::function<void(const std::string& what)> on_wrong;
  // Each answer read, and each retry (for counters).
  std::function<void()> on_answer;
  std::function<void()> on_retry;
};
// Returns once every request is answered (or after too many failures to
// reach the primary: the error).
net::Result<void> RunClient(net::Runtime& rt, const ClientOptions& options);

}  // namespace simsock::kv
