/// \file
/// NetFD: one socket of the net layer — Go's netFD and internal/poll.FD in
/// one class: the nonblocking fd, its PollDesc, the network name and the
/// local and remote addresses.
///
/// Each I/O method follows fd_unix.go: try the nonblocking call; on EAGAIN
/// park on the PollDesc until ready, deadline or close; retry EINTR (and
/// ECONNABORTED in accept). Results are the bare causes (Go's error before
/// the conn layer wraps it in an OpError): errno with the syscall name
/// ("read: connection reset by peer"), DeadlineExceeded, ErrClosed, kEOF.
///
/// Close() marks the descriptor closed, wakes every waiter (they return
/// ErrClosed without touching the fd), unregisters it from epoll and closes
/// the fd; a second Close gives ErrClosed. The last handle's destructor
/// closes an fd that was never closed (Go's finalizer).
///
/// Threading: the Runtime's thread. Blocking methods keep the NetFD alive
/// (shared_from_this) while parked; calls that do not park take no reference.
#pragma once

#include <netinet/in.h>

#include <functional>
#include <memory>
#include <string>

#include "simsock/net/error.h"
#include "simsock/net/ip.h"
#include "simsock/net/runtime/poll_desc.h"
#include "simsock/net/runtime/runtime.h"
#include "simsock/net/runtime/time.h"

namespace simsock::net::context {
class Context;
}

namespace simsock::net {

/// Go's Control hook: called with the network ("tcp4"), the address and the
/// raw fd after the socket is created and before bind/connect. A failed
/// Result aborts the listen or dial with that error.
using ControlFn = std::function<Result<void>(
    const std::string& network, const std::string& address, int fd)>;

namespace internal {

/// Go's listenerBacklog() on a default Linux (net.core.somaxconn = 4096).
inline constexpr int kDefaultBacklog = 4096;

class NetFD : public std::enable_shared_from_this<NetFD> {
 public:
  NetFD(Runtime& rt, int sysfd, int family, int sotype, std::string net);
  ~NetFD();
  NetFD(const NetFD&) = delete;
  NetFD& operator=(const NetFD&) = delete;

  Runtime& rt() const { return *rt_; }
  int sysfd() const { return sysfd_; }
  /// The fd for users (Conn::Fd, TCPListener::Fd): -1 once Close() ran or
  /// the Runtime closed it, because the number is free then and the next
  /// socket (of any owner) may get it -- as Go's netFD sets its Sysfd to -1
  /// when it is destroyed.
  int UserFd() const {
    return (closed_ || pd_.runtime() == nullptr) ? -1 : sysfd_;
  }
  int sotype() const { return sotype_; }
  const std::string& net() const { return net_; }
  /// Go's ctrlNetwork(): "tcp4" for a "tcp" socket of AF_INET.
  std::string CtrlNetwork() const;
  const Addr& laddr() const { return laddr_; }
  const Addr& raddr() const { return raddr_; }
  void SetAddr(Addr laddr, Addr raddr) {
    laddr_ = std::move(laddr);
    raddr_ = std::move(raddr);
  }
  bool closed() const { return closed_; }
  bool is_connected() const { return is_connected_; }

  /// Registers with the netpoller.
  Result<void> Init();
  Result<void> Close();

  /// Go's Read: at most len bytes; kEOF at the end of a stream; an error
  /// named "read" as Go names it ("read: connection reset by peer"), also
  /// when the call was recvmsg; DeadlineExceeded; ErrClosed. Parks until
  /// readable.
  Result<size_t> Read(void* buf, size_t len);
  /// Turns TCP_INQ on (one setsockopt) so that Read uses recvmsg and learns
  /// from its TCP_CM_INQ message when a read has drained the socket; the
  /// next Read then parks at once instead of making a read that would
  /// fail with EAGAIN. Where the option is refused (an old kernel, a
  /// backend without it) Read stays as Go's: read, then park on EAGAIN.
  /// For connected TCP sockets, before the first Read.
  void EnableInq();
  Result<size_t> Write(const void* buf, size_t len);
  struct From {
    size_t n = 0;
    sockaddr_in addr{};
  };
  Result<From> ReadFrom(void* buf, size_t len);
  Result<size_t> WriteTo(const void* buf, size_t len, const sockaddr_in& to);
  Result<std::shared_ptr<NetFD>> Accept();
  Result<void> Shutdown(int how);
  Result<void> SetsockoptInt(int level, int name, int value);
  Result<void> Setsockopt(int level, int name, const void* value,
                          socklen_t len);
  Result<void> SetReadDeadline(Time t);
  Result<void> SetWriteDeadline(Time t);

  /// Socket setup, as Go's socket(): listen (stream), bind (datagram) or
  /// dial. deadline bounds the connect (zero: none); ctx, if given, ends it
  /// when it is done (the error is Go's mapErr(ctx.Err()): "operation was
  /// canceled" or "i/o timeout").
  Result<void> ListenStream(const sockaddr_in& la, const Addr& laddr,
                            int backlog, const ControlFn& control);
  Result<void> ListenDatagram(const sockaddr_in& la, const Addr& laddr,
                              const ControlFn& control);
  Result<void> Dial(const sockaddr_in* la, const Addr* laddr,
                    const sockaddr_in& ra, const Addr& raddr, Time deadline,
                    const ControlFn& control,
                    const context::Context* ctx = nullptr);

 private:
  Result<void> Connect(const sockaddr_in& ra, Time deadline,
                       const context::Context* ctx);
  Error WaitError(int code) const;
  int WaitRead(std::shared_ptr<NetFD>& self);
  int WaitWrite(std::shared_ptr<NetFD>& self);
  Addr SockAddr(const sockaddr_in& sa) const;
  Addr LocalSockAddr();
  /// recvmsg with room for the TCP_CM_INQ message: sets drained_ when the
  /// call read bytes and the message says none are left and no FIN is
  /// pending (inq == 0). Returns what recvmsg returned.
  ssize_t RecvInq(void* buf, size_t len);

  Runtime* rt_;
  int sysfd_;
  int family_;
  int sotype_;
  std::string net_;
  Addr laddr_;
  Addr raddr_;
  bool closed_ = false;
  bool is_connected_ = false;
  bool use_inq_ = false;  ///< TCP_INQ is on: Read uses RecvInq
  bool drained_ = false;  ///< the last RecvInq left nothing to read
  PollDesc pd_;
};

/// Go's sysSocket + newFD: socket(family, sotype|SOCK_NONBLOCK|SOCK_CLOEXEC)
/// and the default options (SO_BROADCAST on datagram sockets).
Result<std::shared_ptr<NetFD>> NewSocket(Runtime& rt, const std::string& net,
                                         int sotype);

}  // namespace internal
}  // namespace simsock::net
