/// \file
/// Waiter: how a file operation blocks. A socket's receive, send, accept,
/// connect and close loops (tcp_recvmsg_locked, tcp_sendmsg_locked,
/// sk_stream_wait_close, ...) run in the socket; when they must wait they
/// call the Waiter the syscall layer passes in, as Linux's sk_wait_event
/// sleeps the calling task. The process implements it: a simulated thread
/// parks on the file's wait queue, test code outside any thread runs the
/// world forward, and the process's injected signals (EINTR) end a wait.
#pragma once

#include <cstdint>

#include "simsock/sim/base/time.h"

namespace simsock::sim {

class File;

/// The syscall layer's way of blocking a file operation (see the file comment).
/// Implemented by the process; a socket only calls it.
class Waiter {
 public:
  /// How a wait ended. kTimedOut also covers a wait that can never end (a
  /// deadlock, or a blocking call where nothing may block).
  enum class Result {
    kWoken,       ///< the file was woken: look at its state again
    kTimedOut,    ///< the deadline passed (or the wait could never end)
    kInterrupted  ///< a signal: the call returns EINTR or its progress
  };

  /// Waits until `file` is woken or `deadline` passes (kNever: no timeout).
  /// `call` names the syscall for the trace and the deadlock report.
  virtual Result Wait(File& file, Time deadline, const char* call) = 0;
  /// The current virtual time.
  virtual Time Now() const = 0;
  /// The end of a socket timeout kept in jiffies, as sock_rcvtimeo /
  /// sock_sndtimeo give it (-1: never).
  virtual Time JiffiesDeadline(int64_t jiffies) const = 0;
  /// Finishes the work the call has made due now (loopback packets), as
  /// release_sock processes a socket's backlog, before a loop looks at the
  /// state it waits on.
  virtual void DrainImmediate() = 0;

 protected:
  ~Waiter() = default;
};

}  // namespace simsock::sim
