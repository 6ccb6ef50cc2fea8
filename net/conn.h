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

class Conn {
 public:
  Conn() = default;  ///< nil
  explicit Conn(std::shared_ptr<internal::NetFD> fd) : fd_(std::move(fd)) {}

  bool IsNil() const { return fd_ == nullptr; }

  Result<size_t> Read(void* buf, size_t len);
  Result<size_t> Read(std::span<char> buf) {
    return Read(buf.data(), buf.size());
  }
  Result<size_t> Read(std::span<uint8_t> buf) {
    return Read(buf.data(), buf.size());
  }
  Result<size_t> Write(const void* buf, size_t len);
  Result<size_t> Write(std::string_view s) { return Write(s.data(), s.size()); }
  Result<size_t> Write(std::span<const uint8_t> b) {
    return Write(b.data(), b.size());
  }
  Result<void> Close();

  Addr LocalAddr() const;
  Addr RemoteAddr() const;

  Result<void> SetDeadline(Time t);
  Result<void> SetReadDeadline(Time t);
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

  std::shared_ptr<internal::NetFD> fd_;
};

}  // namespace simsock::net
