/// \file
/// TCP: TCPConn, TCPListener, ListenTCP, DialTCP (Go's tcpsock.go).
///
/// Sockets are opened as Go opens them: SOCK_NONBLOCK|SOCK_CLOEXEC;
/// SO_REUSEADDR on listeners (before the Control hook and bind); TCP_NODELAY
/// on every connection (dialed or accepted). Accept retries EINTR and
/// ECONNABORTED and returns other errors (EMFILE) to the caller; DialTCP
/// retries a self-connect twice as Go does.
///
/// Errors print as Go's: "dial tcp4 127.0.0.1:6445: connect: connection
/// refused", "listen tcp4 127.0.0.1:6445: bind: address already in use",
/// "accept tcp4 127.0.0.1:6445: use of closed network connection".
/// Threading: the Runtime's thread; blocking calls from its tasks.
#pragma once

#include <memory>
#include <string_view>

#include "simsock/net/conn.h"
#include "simsock/net/error.h"
#include "simsock/net/ip.h"
#include "simsock/net/net_fd.h"
#include "simsock/net/runtime/time.h"

namespace simsock::net {

class Runtime;

class TCPConn : public Conn {
 public:
  TCPConn() = default;  ///< nil
  explicit TCPConn(std::shared_ptr<internal::NetFD> fd) : Conn(std::move(fd)) {}
  /// A type assertion, c.(*TCPConn): aborts if c is not a TCP conn.
  explicit TCPConn(const Conn& c);

  /// shutdown(SHUT_RD) / shutdown(SHUT_WR).
  Result<void> CloseRead();
  Result<void> CloseWrite();
  Result<void> SetNoDelay(bool no_delay);
  Result<void> SetKeepAlive(bool keep_alive);
  /// TCP_KEEPIDLE and TCP_KEEPINTVL, in seconds rounded up (as Go).
  Result<void> SetKeepAlivePeriod(Duration d);
  /// SO_LINGER: sec < 0 off (default close), 0 abortive close (RST),
  /// > 0 linger that many seconds.
  Result<void> SetLinger(int sec);
};

class TCPListener {
 public:
  TCPListener() = default;  ///< nil
  explicit TCPListener(std::shared_ptr<internal::NetFD> fd,
                       Duration keep_alive = Duration(0))
      : fd_(std::move(fd)), keep_alive_(keep_alive) {}

  bool IsNil() const { return fd_ == nullptr; }
  /// Waits for and returns the next connection (Go's Accept / AcceptTCP).
  Result<TCPConn> Accept();
  Result<TCPConn> AcceptTCP() { return Accept(); }
  /// Closes the listener; blocked Accepts return "use of closed network
  /// connection".
  Result<void> Close();
  net::Addr Addr() const;
  Result<void> SetDeadline(Time t);
  /// The raw fd; -1 after Close() (see Conn::Fd).
  int Fd() const;

 private:
  std::shared_ptr<internal::NetFD> fd_;
  Duration keep_alive_{0};
};

/// Go's ListenTCP: network "tcp" or "tcp4"; laddr's port 0 picks a port;
/// a nil IP listens on every address.
Result<TCPListener> ListenTCP(Runtime& rt, std::string_view network,
                              const TCPAddr& laddr);

/// Go's DialTCP: laddr may be nullptr (Go's nil).
Result<TCPConn> DialTCP(Runtime& rt, std::string_view network,
                        const TCPAddr* laddr, const TCPAddr& raddr);

namespace internal {

/// The shared dial path (Dialer and DialTCP): returns the bare cause.
Result<TCPConn> DialTCPCause(Runtime& rt, const std::string& network,
                             const TCPAddr* laddr, const TCPAddr& raddr,
                             Time deadline, const ControlFn& control,
                             Duration keep_alive);
Result<TCPListener> ListenTCPCause(Runtime& rt, const std::string& network,
                                   const TCPAddr& laddr, int backlog,
                                   const ControlFn& control,
                                   Duration keep_alive);
/// TCP_NODELAY and the keep-alive settings on a new connection.
void SetupTCPConn(NetFD& fd, Duration keep_alive);

}  // namespace internal
}  // namespace simsock::net
