/// \file
/// Conn: Go's net.Conn as a handle. TCPConn and UDPConn (tcpsock.h,
/// udpsock.h) add their protocol's methods.
///
/// A Conn is a shared handle on one socket (Go passes *TCPConn pointers
/// around; copy a Conn into a task's lambda the same way). Copies share the
/// socket; Close() closes it for all of them; the last copy's destructor
/// closes a socket nobody closed. A default-constructed Conn is nil.
///
/// Read returns the bytes available now (at least 1, blocking the task until
/// some arrive), or kEOF when the peer has finished sending, or an Error
/// printed as Go's: "read tcp4 127.0.0.1:6445->127.0.0.1:40000: i/o timeout".
/// Write writes everything or fails. Deadlines are absolute times on the
/// Runtime's clock (Now(rt).Add(2 * kMinute)); a zero Time clears; a time
/// already past fails every call at once with Timeout() true; a change while
/// a call is blocked takes effect. Close() unblocks every pending call on the
/// socket with "use of closed network connection".
///
/// Threading: the Runtime's thread; blocking calls from its tasks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "simsock/net/error.h"
#include "simsock/net/ip.h"
#include "simsock/net/runtime/time.h"

namespace simsock::net {

namespace internal {
class NetFD;
}

/// A stream or datagram connection: Go's net.Conn, as a shared handle on one
/// socket. Copies share the socket (copy a Conn into a task's lambda as Go
/// passes a *TCPConn); Close() closes it for every copy, and the last copy's
/// destructor closes a socket nobody closed. Every call other than IsNil,
/// LocalAddr, RemoteAddr, Fd and Network on a nil Conn aborts (a nil
/// dereference in Go). Copying costs a shared_ptr copy.
class Conn {
 public:
  Conn() = default;  ///< nil
  /// Wraps an open socket (Dial, Accept and DialUDP make these; user code
  /// rarely calls this).
  explicit Conn(std::shared_ptr<internal::NetFD> fd) : fd_(std::move(fd)) {}

  /// True for a default-constructed Conn, which has no socket.
  bool IsNil() const { return fd_ == nullptr; }

  /// Reads up to len bytes: those available now, at least 1, parking the
  /// task until some arrive (one read(2), plus an epoll wait when the socket
  /// has nothing). Fails with kEOF when the peer has finished sending (a TCP
  /// FIN and nothing left), with Timeout() true when the read deadline passes
  /// ("read tcp4 a->b: i/o timeout"), with IsClosed() after Close(), or with
  /// the socket's errno (ECONNRESET, ETIMEDOUT, ...) wrapped as Go's OpError.
  Result<size_t> Read(void* buf, size_t len);
  /// Read(buf.data(), buf.size()).
  Result<size_t> Read(std::span<char> buf) {
    return Read(buf.data(), buf.size());
  }
  /// Read(buf.data(), buf.size()).
  Result<size_t> Read(std::span<uint8_t> buf) {
    return Read(buf.data(), buf.size());
  }
  /// Writes all len bytes, parking the task while the send buffer is full
  /// (one write(2) per wakeup); returns len, or an Error (the bytes written
  /// before it are not reported): Timeout() when the write deadline passes,
  /// IsClosed() after Close(), EPIPE once the connection is shut down or
  /// reset, ECONNRESET, each as Go's OpError "write ...".
  Result<size_t> Write(const void* buf, size_t len);
  /// Write(s.data(), s.size()).
  Result<size_t> Write(std::string_view s) { return Write(s.data(), s.size()); }
  /// Write(b.data(), b.size()).
  Result<size_t> Write(std::span<const uint8_t> b) {
    return Write(b.data(), b.size());
  }
  /// Closes the socket for every copy of the handle: pending calls on it
  /// return IsClosed() ("use of closed network connection"), and so does a
  /// second Close(). Unregisters it from the Runtime's epoll (one epoll_ctl)
  /// and closes the fd (one close(2)).
  Result<void> Close();

  /// The socket's local address (getsockname when it was opened); a nil Addr
  /// for a nil Conn.
  Addr LocalAddr() const;
  /// The peer's address (the dialed one, or the accepted peer's); a nil Addr
  /// for a nil Conn and for an unconnected UDP socket.
  Addr RemoteAddr() const;

  /// Sets the read and the write deadline: an absolute time on the Runtime's
  /// clock, e.g. Now(rt).Add(2 * kMinute); a zero Time clears it. A time
  /// already past fails every later call at once with Timeout() true; a change
  /// while a call is parked takes effect at once (the call is rearmed). Fails
  /// only on a closed Conn (IsClosed(), Go's "set" OpError). Costs a timer
  /// heap update, no syscall.
  Result<void> SetDeadline(Time t);
  /// SetDeadline for reads only (Read, ReadFrom, Accept on a listener).
  Result<void> SetReadDeadline(Time t);
  /// SetDeadline for writes only.
  Result<void> SetWriteDeadline(Time t);

  /// The raw fd (Go's SyscallConn), for options the API does not cover; -1
  /// for a nil Conn and after Close() (the number may already belong to
  /// another socket; Go's SyscallConn then fails with EINVAL).
  int Fd() const;
  /// "tcp4", "udp", ... as given to Dial / Listen.
  std::string Network() const;

 protected:
  /// Go's OpError for an operation on this conn (source: local, addr: remote).
  Error Wrap(const char* op, const Error& cause) const;

  /// The socket; null for a nil Conn. Shared by every copy.
  std::shared_ptr<internal::NetFD> fd_;
};

}  // namespace simsock::net
