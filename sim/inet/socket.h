/// \file
/// Socket: the part of a simulated socket that does not depend on the
/// protocol: its host's network stack (sim/inet/inet_stack.h, the socket's
/// only view of the machine), local and peer endpoints, the SOL_SOCKET options,
/// and the syscall entry points each protocol implements. Process resolves fds,
/// copies arguments in and out with Linux's checks, and calls these.
//
// Every method returns a result >= 0 or a negated errno, in the order Linux
// checks (af_inet.c, sock.c); the comments name the Linux function followed.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cstdint>
#include <memory>
#include <string>

#include "simsock/sim/base/io_span.h"
#include "simsock/sim/inet/port_holder.h"
#include "simsock/sim/inet/send_control.h"
#include "simsock/sim/inet/sockaddr.h"
#include "simsock/sim/vfs/file.h"
#include "simsock/sim/vfs/waiter.h"

namespace simsock::sim {

class InetStack;

/// SOL_SOCKET state shared by TCP and UDP (struct sock's option fields).
struct SocketOptions {
  // (Ordered by size, the timeouts first, so that no padding comes between
  // fields: every socket carries one.)
  /// SO_RCVTIMEO / SO_SNDTIMEO in jiffies, as the kernel keeps them (so a
  /// timeval reads back rounded up to the tick); -1 = wait forever.
  int64_t rcvtimeo_jiffies = -1;
  int64_t sndtimeo_jiffies = -1;  ///< SO_SNDTIMEO in jiffies; -1 = forever
  bool reuseaddr = false;         ///< sk_reuse
  bool reuseport = false;         ///< sk_reuseport
  bool keepalive = false;         ///< SO_KEEPALIVE
  bool broadcast = false;         ///< SO_BROADCAST
  bool linger = false;            ///< SOCK_LINGER
  bool sndbuf_locked = false;     ///< SOCK_SNDBUF_LOCK: no autotuning
  bool rcvbuf_locked = false;     ///< SOCK_RCVBUF_LOCK: no autotuning
  bool recverr = false;           ///< IP_RECVERR
  int linger_seconds = 0;  ///< sk_lingertime / HZ, kept when linger is off
  int sndbuf = 0;          ///< sk_sndbuf, as getsockopt reports it
  int rcvbuf = 0;          ///< sk_rcvbuf
  int rcvlowat = 1;        ///< SO_RCVLOWAT (sk_rcvlowat)
  /// SO_PEEK_OFF (sk_peek_off): -1 = off; MSG_PEEK starts this many bytes
  /// into the queue and moves it on, a read moves it back (sk_peek_offset_fwd
  /// / _bwd).
  int peek_off = -1;
  // The options below are stored and read back as Linux does; their effect
  // on the wire (queue priority, routing, timestamps, marks, DSCP, TTL) is
  // not modelled.
  int priority = 0;  ///< SO_PRIORITY (IP_TOS sets it too; reset on accept)
  bool oobinline = false;  ///< SO_OOBINLINE
  bool dontroute = false;  ///< SO_DONTROUTE
  bool timestamp = false;  ///< SO_TIMESTAMP
  int mark = 0;            ///< SO_MARK
  int ip_tos = 0;          ///< IP_TOS
  int ip_ttl = -1;         ///< IP_TTL; -1 = the default (64)
};

/// The protocol-independent part of a TCP or UDP socket (see the file comment).
/// Every call returns >= 0 or a negated errno, checked in Linux's order. Not
/// thread-safe.
class Socket : public File, public PortHolder {
 public:
  /// A socket of `type` (SOCK_STREAM or SOCK_DGRAM) on `stack`, unbound, with
  /// the stack's default buffer sizes (tcp_wmem[1] / tcp_rmem[1] for TCP,
  /// wmem_default / rmem_default for UDP).
  Socket(InetStack& stack, int type);
  /// Destroys the socket (its port is already released by then).
  ~Socket() override;

  /// The host's network stack the socket lives on.
  InetStack& stack() const { return stack_; }
  /// SOCK_STREAM or SOCK_DGRAM.
  int type() const { return type_; }
  /// The SOL_SOCKET and IPPROTO_IP options.
  const SocketOptions& options() const { return opts_; }

  // --- Syscall entry points -------------------------------------------------
  /// `addr` has been copied in with CopyAddrIn; `len` is the caller's length.
  virtual int Bind(const sockaddr_storage& addr, socklen_t len) = 0;
  /// listen(2) (inet_listen): 0, or -EINVAL in a state that cannot listen,
  /// -EOPNOTSUPP on a datagram socket, -EADDRINUSE when the autobound port is
  /// taken.
  virtual int Listen(int backlog) = 0;
  /// On success stores the new connection and returns 0.
  virtual int Accept(std::shared_ptr<Socket>* child) = 0;
  /// connect(2) without waiting: 0, -EINPROGRESS for a TCP connection under
  /// way, or the protocol's errno (-EINVAL, -EAFNOSUPPORT, -EISCONN, -EALREADY,
  /// -ECONNREFUSED, -ENETUNREACH, ...). AF_UNSPEC disconnects.
  virtual int Connect(const sockaddr_storage& addr, socklen_t len) = 0;
  /// recvfrom(2): buf may be null only when len is 0 (checked by Process) or
  /// with MSG_TRUNC on TCP. Sets *from (and *has_from) for datagrams.
  /// peek_skip: a blocking MSG_PEEK on a stream that has already peeked
  /// that many bytes in this call (tcp_recvmsg_locked's peek_seq) and waits
  /// for more; 0 otherwise.
  virtual ssize_t Recv(uint8_t* buf, size_t len, int flags, bool is_read,
                       size_t peek_skip, Endpoint* from, bool* has_from) = 0;
  /// recvmsg(MSG_ERRQUEUE): ip_recv_error. Never blocks; EAGAIN when the
  /// error queue is empty, whatever data or sk_err the socket holds.
  virtual ssize_t RecvErrQueue(uint8_t* buf, size_t len, Endpoint* from,
                               bool* has_from);
  /// sendto(2), write(2), writev(2), sendmsg(2) without waiting: the bytes
  /// of `data` (one buffer or the caller's iovecs), `to` null when no
  /// address was given, `ctl` the sendmsg's control messages (null: none).
  virtual ssize_t Send(const IoSpan& data, int flags,
                       const sockaddr_storage* to, socklen_t tolen,
                       const SendControl* ctl) = 0;
  /// shutdown(2): 0, -EINVAL for a bad how, -ENOTCONN when there is no
  /// connection to shut.
  virtual int Shutdown(int how) = 0;

  // --- Calls that may block -------------------------------------------------
  /// They wait through `waiter` (sk_wait_event) when the socket is blocking;
  /// the syscall layer has resolved the fd, copied the arguments in and
  /// applied its own faults. (sim/inet/socket_wait.cc, tcp_recvmsg.cc,
  /// tcp_sendmsg.cc, udp_msg.cc.)
  /// accept(2): inet_accept, waiting as inet_csk_wait_for_connect does
  /// (SO_RCVTIMEO) while nothing is queued.
  int AcceptWaiting(Waiter& waiter, std::shared_ptr<Socket>* child);
  /// connect(2): __inet_stream_connect's wait (inet_wait_for_connect,
  /// SO_SNDTIMEO) for a connection in progress.
  int ConnectWaiting(Waiter& waiter, const sockaddr_storage& addr,
                     socklen_t len);
  /// recvfrom(2) and read(2): the protocol's recvmsg (tcp_recvmsg_locked,
  /// udp_recvmsg) with its loop and waits. buf may be null (it faults only
  /// when there are bytes to copy). Sets *from (and *has_from) for
  /// datagrams.
  virtual ssize_t RecvMsg(Waiter& waiter, uint8_t* buf, size_t len, int flags,
                          bool is_read, Endpoint* from, bool* has_from) = 0;
  /// sendto(2), write(2), writev(2) and sendmsg(2): the protocol's sendmsg
  /// (tcp_sendmsg_locked, udp_sendmsg) over the bytes of `data`, one
  /// implementation for all four calls; `ctl` as for Send.
  virtual ssize_t SendMsg(Waiter& waiter, const IoSpan& data, int flags,
                          const sockaddr_storage* to, socklen_t tolen,
                          const SendControl* ctl) = 0;
  /// getsockname: always succeeds for an inet socket.
  virtual Endpoint LocalEndpoint() const { return local_; }
  /// getpeername(2): 0 with *peer, or -ENOTCONN.
  virtual int GetPeerName(Endpoint* peer) = 0;
  /// The peer as recorded, without getpeername's state checks (what accept
  /// reports, inet_getname with peer == 2).
  virtual Endpoint RemoteEndpoint() const { return {}; }

  /// getsockopt after the caller's buffers were validated: optlen >= 0,
  /// optval non-null when needed. Writes at most *len bytes and sets *len;
  /// -ENOPROTOOPT for an unknown option, -EINVAL for a bad length.
  int GetSockOpt(int level, int name, void* val, socklen_t* len);
  /// setsockopt, likewise validated: 0, -ENOPROTOOPT for an unknown option,
  /// -EINVAL for a bad length or value (Linux's per-option rules).
  int SetSockOpt(int level, int name, const void* val, socklen_t len);

  /// The socket's pending error (sk_err), read and cleared (sock_error).
  int TakeError();
  /// sk_err without taking it, and putting back one a call took when
  /// Linux would have left it (a stream read that already has bytes
  /// returns them and leaves sk_err for the next call).
  int PendingError() const { return error_; }
  /// Puts back an error a call took (see PendingError).
  void RestoreError(int e) { error_ = e; }
  /// sk_peek_offset_fwd / sk_peek_offset_bwd: no effect while SO_PEEK_OFF
  /// is off (negative); never below 0.
  void PeekOffsetMove(int64_t delta);

  /// Port-table view (sim/inet/port_holder.h): the bound address.
  const Endpoint& local() const override { return local_; }
  /// SO_REUSEADDR.
  bool reuseaddr() const override { return opts_.reuseaddr; }
  /// SO_REUSEPORT.
  bool reuseport() const override { return opts_.reuseport; }
  /// The port was chosen by connect() (or sendto), not bind().
  bool connect_bound() const override { return connect_bound_; }
  /// The next byte to read is TCP's urgent mark: a read that has copied
  /// something stops here, even with MSG_WAITALL.
  virtual bool AtUrgentMark() const { return false; }
  /// A fault plan's "econnreset" (docs/faults.md): a RST from the peer
  /// arrives now, in sequence, as tcp_reset would take it. False if the
  /// socket has no synchronized connection for it to end.
  virtual bool InjectPeerReset() { return false; }

  /// The protocol and local endpoint, as "tcp 10.0.0.1:80", for traces and
  /// errors.
  std::string Describe() const;

  /// The msg_flags bits the last successful receive reported for recvmsg
  /// (MSG_TRUNC: a datagram longer than the buffer, or a zero-length
  /// urgent read; MSG_OOB: the urgent byte; MSG_ERRQUEUE). Process clears
  /// them before each recvmsg.
  int recv_msg_flags() const { return recv_msg_flags_; }
  /// Forgets the msg_flags bits of the last receive (before each recvmsg).
  void ClearRecvMsgFlags() { recv_msg_flags_ = 0; }
  /// The TCP_CM_INQ control message's value after a successful recvmsg
  /// (tcp_inq_hint), or -1 when the socket sends none (not TCP, or
  /// TCP_INQ off).
  virtual int RecvInqHint() const { return -1; }

 protected:
  /// sk_priority for a TOS byte (rt_tos2priority).
  static int TosToPriority(uint8_t tos);
  /// IPPROTO_IP options (ip_getsockopt / ip_setsockopt), shared by TCP and
  /// UDP.
  int GetIpOpt(int name, void* val, socklen_t* len);
  /// Sets an IPPROTO_IP option (ip_setsockopt); -ENOPROTOOPT, -EINVAL.
  int SetIpOpt(int name, const void* val, socklen_t len);
  /// The protocol's own option levels (IPPROTO_TCP; IPPROTO_UDP and
  /// IPPROTO_UDPLITE), whose handler reads optlen before the name.
  virtual bool OwnsLevel(int level) const = 0;
  /// Protocol-level options (IPPROTO_TCP ...), for the other levels.
  virtual int GetProtoOpt(int level, int name, void* val, socklen_t* len);
  /// Sets a protocol-level option; the base refuses with -ENOPROTOOPT.
  virtual int SetProtoOpt(int level, int name, const void* val, socklen_t len);
  /// Hook: SO_KEEPALIVE changed (TCP arms or stops its keepalive timer).
  virtual void OnKeepAliveChanged() {}
  /// Hook: SO_SNDBUF or SO_RCVBUF changed.
  virtual void OnBufferSizeChanged() {}
  /// Hook: SO_OOBINLINE changed.
  virtual void OnOobInlineChanged() {}
  /// IP_RECVERR turned off: the error queue is purged.
  virtual void OnRecvErrOff() {}
  /// SO_RCVLOWAT (val >= 0); TCP caps it and may grow the receive buffer.
  virtual void SetRcvLowat(int val);
  /// Linux's SO_ACCEPTCONN.
  virtual bool AcceptConn() const { return IsListening(); }

  /// inet_bind's checks of the address, shared by TCP and UDP: length,
  /// family (AF_UNSPEC only with INADDR_ANY), and that the address is local
  /// (multicast and broadcast pass, a quirk of
  /// inet_addr_valid_or_nonlocal). The simulator runs every process as
  /// root, so ports below 1024 are allowed.
  int CheckBindAddress(const sockaddr_storage& addr, socklen_t len,
                       Endpoint* ep) const;

  /// One receive into a NULL buffer (which passed import_ubuf): peeks a
  /// byte; if there was one, consumes it when `consume` (a datagram, which
  /// udp_recvmsg frees even when the copy faults; urgent data) and returns
  /// -EFAULT; otherwise returns what the peek returned.
  ssize_t RecvIntoNull(int flags, bool is_read, size_t peek_skip, bool consume,
                       Endpoint* from, bool* has_from);

  /// Writes an int option value, truncated to *len (sock_getsockopt).
  static int PutInt(int v, void* val, socklen_t* len);
  /// Writes `size` bytes of an option value, truncated to *len.
  static int PutBytes(const void* v, socklen_t size, void* val, socklen_t* len);

  // (type_ last, with the other 4-byte fields: no padding after it.)
  InetStack& stack_;               ///< the host's stack
  SocketOptions opts_;             ///< SOL_SOCKET and IPPROTO_IP options
  Endpoint local_;                 ///< 0.0.0.0:0 until bound
  bool port_bound_ = false;        ///< holds a port in the stack's port table
  bool port_user_locked_ = false;  ///< SOCK_BINDPORT_LOCK: bind() chose it
  bool addr_user_locked_ = false;  ///< SOCK_BINDADDR_LOCK
  bool connect_bound_ = false;     ///< the port was bound by connect()
  int error_ = 0;                  ///< sk_err
  int recv_msg_flags_ = 0;         ///< see recv_msg_flags()
  int type_;                       ///< SOCK_STREAM or SOCK_DGRAM
};

}  // namespace simsock::sim
