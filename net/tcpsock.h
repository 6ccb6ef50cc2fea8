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

/// A TCP connection (Go's *net.TCPConn): a Conn with TCP's own calls. A
/// handle, as Conn: copies share the socket.
class TCPConn : public Conn {
 public:
  TCPConn() = default;  ///< nil
  /// Wraps an open TCP socket (Dial and Accept make these).
  explicit TCPConn(std::shared_ptr<internal::NetFD> fd) : Conn(std::move(fd)) {}
  /// A type assertion, c.(*TCPConn): aborts if c is not a TCP conn.
  explicit TCPConn(const Conn& c);

  /// shutdown(SHUT_RD): further reads return EOF. Fails as Go's OpError
  /// "close" with ENOTCONN (not connected) or IsClosed() after Close().
  Result<void> CloseRead();
  /// shutdown(SHUT_WR): sends a FIN after the queued bytes; the peer reads
  /// EOF, and this side can still read. Fails as Go's OpError "close" with
  /// ENOTCONN (not connected) or IsClosed() after Close().
  Result<void> CloseWrite();
  /// TCP_NODELAY: true (the default Go sets on every connection) sends small
  /// writes at once; false lets Nagle's algorithm coalesce them. One
  /// setsockopt; fails as Go's OpError "set" with its errno, or IsClosed().
  Result<void> SetNoDelay(bool no_delay);
  /// SO_KEEPALIVE on or off. One setsockopt; fails as SetNoDelay.
  Result<void> SetKeepAlive(bool keep_alive);
  /// TCP_KEEPIDLE and TCP_KEEPINTVL, in seconds rounded up (as Go). Two
  /// setsockopts; fails as SetNoDelay.
  Result<void> SetKeepAlivePeriod(Duration d);
  /// SO_LINGER: sec < 0 off (default close), 0 abortive close (RST),
  /// > 0 linger that many seconds. One setsockopt; fails as SetNoDelay.
  Result<void> SetLinger(int sec);
};

/// A listening TCP socket (Go's *net.TCPListener), as a handle: copies share
/// the socket; Close() closes it for all. Calls other than IsNil on a nil
/// listener abort.
class TCPListener {
 public:
  TCPListener() = default;  ///< nil
  /// Wraps a listening socket (Listen and ListenTCP make these); accepted
  /// connections get keep_alive (0: off).
  explicit TCPListener(std::shared_ptr<internal::NetFD> fd,
                       Duration keep_alive = Duration(0))
      : fd_(std::move(fd)), keep_alive_(keep_alive) {}

  /// True for a default-constructed listener.
  bool IsNil() const { return fd_ == nullptr; }
  /// Waits for and returns the next connection (Go's Accept / AcceptTCP),
  /// parking the task while the backlog is empty: one accept4 per wakeup,
  /// plus TCP_NODELAY (and keep-alive) on the new socket. Retries EINTR and
  /// ECONNABORTED; fails with Timeout() at the deadline, IsClosed() after
  /// Close(), or the errno (EMFILE: too many open files) as Go's OpError
  /// "accept".
  Result<TCPConn> Accept();
  /// Accept().
  Result<TCPConn> AcceptTCP() { return Accept(); }
  /// Closes the listener for every copy; blocked Accepts return "use of
  /// closed network connection" (IsClosed()), and so does a second Close().
  /// Connections already accepted stay open.
  Result<void> Close();
  /// The address listened on (with the port the kernel chose for port 0).
  net::Addr Addr() const;
  /// The deadline for Accept (a zero Time clears it); a time already past
  /// makes Accept fail at once with Timeout() true. Fails only after Close().
  Result<void> SetDeadline(Time t);
  /// The raw fd; -1 after Close() (see Conn::Fd).
  int Fd() const;

 private:
  std::shared_ptr<internal::NetFD> fd_;
  Duration keep_alive_{0};
};

/// Go's ListenTCP: network "tcp" or "tcp4"; laddr's port 0 picks a port;
/// a nil IP listens on every address. Costs socket, setsockopt, bind,
/// listen, getsockname. Fails as Go's OpError "listen": UnknownNetwork for
/// another network, EADDRINUSE, EACCES, EMFILE.
Result<TCPListener> ListenTCP(Runtime& rt, std::string_view network,
                              const TCPAddr& laddr);

/// Go's DialTCP: connects to raddr from laddr (nullptr, Go's nil, lets the
/// kernel choose), parking the task until the handshake ends; no timeout but
/// the kernel's (ETIMEDOUT after its SYN retries). Fails as Go's OpError
/// "dial": ECONNREFUSED, ETIMEDOUT, ENETUNREACH, EADDRNOTAVAIL,
/// UnknownNetwork.
Result<TCPConn> DialTCP(Runtime& rt, std::string_view network,
                        const TCPAddr* laddr, const TCPAddr& raddr);

namespace internal {

/// The shared dial path (Dialer and DialTCP): returns the bare cause.
Result<TCPConn> DialTCPCause(Runtime& rt, const std::string& network,
                             const TCPAddr* laddr, const TCPAddr& raddr,
                             Time deadline, const ControlFn& control,
                             Duration keep_alive,
                             const context::Context* ctx = nullptr);
Result<TCPListener> ListenTCPCause(Runtime& rt, const std::string& network,
                                   const TCPAddr& laddr, int backlog,
                                   const ControlFn& control,
                                   Duration keep_alive);
/// TCP_NODELAY and the keep-alive settings on a new connection.
void SetupTCPConn(NetFD& fd, Duration keep_alive);

}  // namespace internal
}  // namespace simsock::net
