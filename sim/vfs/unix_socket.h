/// \file
/// UnixSocket: an AF_UNIX stream socket of the simulated kernel, as Linux's
/// net/unix/af_unix.c makes it (socketpair(2), socket(AF_UNIX,
/// SOCK_STREAM), bind, listen, accept, connect; docs/semantics.md §10).
///
/// - Data: each send is cut into chunks (unix_stream_sendmsg: at most
///   sk_sndbuf / 2 - 64 bytes, and at most a linear head of SKB_MAX_HEAD(0)
///   plus 32 KiB of page fragments), each queued whole on the peer's
///   receive queue and charged with its truesize to the sender's
///   sk_wmem_alloc. A chunk is allocated while the sender's charge is below
///   its sk_sndbuf (sock_alloc_send_pskb), so a full socket is one that has
///   reached sk_sndbuf; it is writable again (poll, a blocked send) once
///   its charge is at most a quarter of it (unix_writable).
/// - A read (unix_stream_read_generic) takes what is queued, across chunks
///   of one writer, up to its length; MSG_PEEK leaves it, MSG_WAITALL waits
///   for all of it. It waits while nothing is queued, the socket has no
///   error and reading was not shut down.
/// - The last close (unix_release_sock) shuts the peer down both ways; the
///   peer's next read after its queue is drained gives ECONNRESET once if
///   the closed socket had unread bytes (or was never accepted), then 0.
///   A listener's close releases the connections it had not accepted.
/// - Addresses: a socket is unbound, or bound to an abstract name (a
///   sun_path starting with a NUL byte), to a pathname, or autobound (a
///   bind with just the family) to an abstract name of five hex digits.
///   The names live in the host's UnixNameTable (sim/vfs/unix_names.h).
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "simsock/sim/base/io_span.h"
#include "simsock/sim/vfs/file.h"
#include "simsock/sim/vfs/waiter.h"

namespace simsock::sim {

class UnixNameTable;

/// The credentials of a process as SO_PEERCRED reports them (struct ucred).
struct UnixCred {
  int pid = 0;       ///< the virtual pid
  uint32_t uid = 0;  ///< every simulated process is root (docs D9)
  uint32_t gid = 0;  ///< root's group
};

/// An AF_UNIX stream socket (see the file comment). Made by socket(2) or in
/// connected pairs by MakePair; not thread-safe.
class UnixSocket final : public File {
 public:
  /// The default sk_sndbuf and sk_rcvbuf: net.core.wmem_default and
  /// rmem_default (212992).
  static constexpr int kDefaultBuf = 212992;

  /// A new unbound, unconnected stream socket of the process `cred.pid`,
  /// whose names live in `names` (the host's table, which must outlive it).
  UnixSocket(UnixNameTable& names, UnixCred cred);
  /// Not copyable (a socket is one open file).
  UnixSocket(const UnixSocket&) = delete;
  /// Not copyable.
  UnixSocket& operator=(const UnixSocket&) = delete;
  /// Drops what is still queued.
  ~UnixSocket() override;

  /// socketpair(2) (unix_socketpair): two connected sockets, each the
  /// other's peer, with `cred` as both SO_PEERCRED.
  static std::pair<std::shared_ptr<UnixSocket>, std::shared_ptr<UnixSocket>>
  MakePair(UnixNameTable& names, UnixCred cred);

  Kind kind() const override { return Kind::kUnix; }
  /// unix_poll: EPOLLERR (a pending error), EPOLLHUP (shut down both ways,
  /// or not connected), EPOLLRDHUP | EPOLLIN (reading shut down), EPOLLIN
  /// (data, or a connection to accept), EPOLLOUT (writable, see the file
  /// comment; never while listening).
  uint32_t Poll() override;
  /// unix_release_sock (see the file comment).
  void OnLastClose() override;

  /// bind(2) (unix_bind) with the caller's address already copied in:
  /// autobind for a bare family; -EINVAL (bad length or family, already
  /// bound), -EADDRINUSE (the name is taken).
  int Bind(const sockaddr_un& addr, socklen_t len);
  /// listen(2) (unix_listen): -EINVAL when unbound or connected.
  int Listen(int backlog, UnixCred cred);
  /// connect(2) (unix_stream_connect): -EINVAL (address), -ENOENT (no such
  /// pathname), -ECONNREFUSED (nothing listening there), -EISCONN,
  /// -EAGAIN (the listener's backlog is full and the socket nonblocking;
  /// a blocking one waits for room).
  int Connect(Waiter& waiter, const sockaddr_un& addr, socklen_t len,
              UnixCred cred);
  /// accept(2) (unix_accept): the next queued connection in *child, or
  /// -EINVAL (not listening), -EAGAIN (none, nonblocking), -EINTR.
  int Accept(Waiter& waiter, bool nonblocking,
             std::shared_ptr<UnixSocket>* child);
  /// recvmsg(2) and read(2) (unix_stream_read_generic) into buf (len
  /// bytes; buf null is -EFAULT when there is a byte to copy): the bytes
  /// read, 0 at the end, or -EINVAL (not connected), -EOPNOTSUPP
  /// (MSG_OOB), -EAGAIN, -ECONNRESET (once), -EINTR.
  /// The writer's address goes to *from (unix_copy_addr: the sending
  /// socket's name, empty when it has none), when from is not null.
  ssize_t Recv(Waiter& waiter, uint8_t* buf, size_t len, int flags,
               std::string* from = nullptr);
  /// sendmsg(2) and write(2) (unix_stream_sendmsg) of `data`: the bytes
  /// queued, or -ENOTCONN, -EPIPE (the caller raises SIGPIPE unless
  /// MSG_NOSIGNAL), -EOPNOTSUPP (MSG_OOB), -EAGAIN, -EFAULT, -EINTR.
  ssize_t Send(Waiter& waiter, const IoSpan& data, int flags);
  /// shutdown(2) (unix_shutdown): never -ENOTCONN; -EINVAL for a bad how.
  int Shutdown(int how);

  /// getsockopt at SOL_SOCKET (sk_getsockopt's options that an AF_UNIX
  /// stream socket has a use for): -ENOPROTOOPT for the rest.
  int GetSockOpt(int name, void* val, socklen_t* len);
  /// setsockopt at SOL_SOCKET: SO_SNDBUF, SO_RCVBUF; -ENOPROTOOPT else.
  int SetSockOpt(int name, const void* val, socklen_t len);

  /// getsockname(2) (unix_getname): the bound address and its length
  /// (2, just the family, when unbound).
  socklen_t LocalName(sockaddr_un* out) const { return NameToAddr(name_, out); }
  /// A name's address (see UnixNameTable's keys) and its length: just the
  /// family for none; a pathname's length counts its NUL.
  static socklen_t NameToAddr(const std::string& name, sockaddr_un* out);
  /// getpeername(2): the peer's address length, or -ENOTCONN.
  int PeerName(sockaddr_un* out, socklen_t* len) const;
  /// FIONREAD (unix_inq_len): the unread bytes; -EINVAL while listening.
  int InqLen() const;
  /// SIOCOUTQ (unix_outq_len): the truesize charged for what was sent and
  /// not yet read.
  int OutqLen() const { return static_cast<int>(wmem_); }
  /// The socket listens.
  bool listening() const { return state_ == State::kListen; }
  /// The socket is connected (a pair, connect, or accept).
  bool connected() const { return state_ == State::kEstablished; }

  /// The truesize Linux 6.x charges for one queued chunk of `size` bytes
  /// (the skb's head from kmalloc plus struct sk_buff, plus its pages).
  static size_t ChunkTruesize(size_t size);

 private:
  enum class State { kClose, kListen, kEstablished };
  // One queued chunk (an skb): its unread bytes, the writer's pid (chunks
  // of different writers are never read as one), the sender it is charged
  // to.
  struct Chunk {
    std::string bytes;
    size_t read = 0;  // UNIXCB(skb).consumed
    size_t truesize = 0;
    int pid = 0;
    std::weak_ptr<UnixSocket> sender;
    std::string from;  // the sender's name when it sent
  };

  // Frees a chunk: its truesize goes back to the sender (sock_wfree), which
  // is woken when it becomes writable (unix_write_space).
  static void FreeChunk(Chunk& c);
  // The sender's charge is at most a quarter of sk_sndbuf
  // (unix_writable: the wmem refcount, which starts at 1, times four).
  bool Writable() const;
  // unix_release_sock(sk, embrion).
  void Release(bool embryo);
  // The peer connected with, alive (null when none).
  UnixSocket* peer() const { return peer_.get(); }
  // An error was taken (sock_error).
  int TakeError() {
    const int e = error_;
    error_ = 0;
    return e;
  }

  UnixNameTable& names_;
  UnixCred cred_;  // the creator (for the chunks' pid)
  State state_ = State::kClose;
  std::shared_ptr<UnixSocket> peer_;  // unix_peer (a reference, sock_hold)
  std::deque<Chunk> queue_;           // sk_receive_queue
  std::deque<std::shared_ptr<UnixSocket>> pending_;  // not yet accepted
  int max_backlog_ = 0;                              // sk_max_ack_backlog
  bool rcv_shutdown_ = false;                        // RCV_SHUTDOWN
  bool send_shutdown_ = false;                       // SEND_SHUTDOWN
  int error_ = 0;                                    // sk_err
  int sndbuf_ = kDefaultBuf;
  int rcvbuf_ = kDefaultBuf;
  size_t wmem_ = 0;  // sk_wmem_alloc - 1
  bool has_peer_cred_ = false;
  UnixCred peer_cred_;  // sk_peer_pid / sk_peer_cred
  std::string name_;    // the bound address's bytes after
                        // the family, as getsockname gives
  bool bound_ = false;  // owns name_ in the table (an accepted socket
                        // shows its listener's name without owning it)
  bool released_ = false;
};

}  // namespace simsock::sim
