// UnixSocket: Linux's af_unix.c stream socket (sim/vfs/unix_socket.h).
#include "simsock/sim/vfs/unix_socket.h"

#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "simsock/sim/base/time.h"
#include "simsock/sim/vfs/unix_names.h"

namespace simsock::sim {
namespace {

constexpr size_t kPageSize = 4096;
// SKB_DATA_ALIGN's cache line, and what x86_64's struct skb_shared_info
// and struct sk_buff take (SKB_DATA_ALIGN'ed) on Linux 6.x.
constexpr size_t kCacheLine = 64;
constexpr size_t kSharedInfo = 320;
constexpr size_t kSkbStruct = 256;
// SKB_MAX_HEAD(0): a page less the shared info: the largest linear head.
constexpr size_t kMaxHead = kPageSize - kSharedInfo;
// UNIX_SKB_FRAGS_SZ: the page fragments of one chunk (32 KiB).
constexpr size_t kFragsSize = 32768;
// SOCK_MIN_SNDBUF and SOCK_MIN_RCVBUF (2 * and 1 * TCP_SKB_MIN_TRUESIZE).
constexpr int kMinSndbuf = 4608;
constexpr int kMinRcvbuf = 2304;
// net.core.wmem_max and rmem_max (the defaults).
constexpr int kBufMax = 212992;
constexpr socklen_t kFamilyLen = offsetof(sockaddr_un, sun_path);

size_t Align(size_t n, size_t to) { return (n + to - 1) / to * to; }

// kmalloc's size classes above 256 bytes are powers of two.
size_t KmallocSize(size_t n) {
  size_t s = 256;
  while (s < n) s <<= 1;
  return s;
}

// The checks of unix_validate_addr.
int ValidateAddr(const sockaddr_un& addr, socklen_t len) {
  if (len <= kFamilyLen || len > sizeof(sockaddr_un)) return -EINVAL;
  if (addr.sun_family != AF_UNIX) return -EINVAL;
  return 0;
}

// The name a (validated) address binds or looks up: unix_mkname_bsd cuts
// a pathname at its first NUL; an abstract name is all the given bytes.
std::string NameOf(const sockaddr_un& addr, socklen_t len) {
  const size_t n = len - kFamilyLen;
  if (addr.sun_path[0] != '\0')
    return std::string(addr.sun_path, strnlen(addr.sun_path, n));
  return std::string(addr.sun_path, n);
}

}  // namespace

UnixSocket::UnixSocket(UnixNameTable& names, UnixCred cred)
    : names_(names), cred_(cred) {}

UnixSocket::~UnixSocket() {
  for (auto& c : queue_) FreeChunk(c);
}

std::pair<std::shared_ptr<UnixSocket>, std::shared_ptr<UnixSocket>>
UnixSocket::MakePair(UnixNameTable& names, UnixCred cred) {
  auto a = std::make_shared<UnixSocket>(names, cred);
  auto b = std::make_shared<UnixSocket>(names, cred);
  a->peer_ = b;
  b->peer_ = a;
  a->state_ = b->state_ = State::kEstablished;
  // unix_socketpair: init_peercred on both, then each gets the other's.
  a->has_peer_cred_ = b->has_peer_cred_ = true;
  a->peer_cred_ = b->peer_cred_ = cred;
  return {std::move(a), std::move(b)};
}

size_t UnixSocket::ChunkTruesize(size_t size) {
  // unix_stream_sendmsg: what passes SKB_MAX_HEAD(0) goes in pages, whole
  // pages while they fit (data_len = min(size, PAGE_ALIGN(size - head))).
  size_t data_len = 0;
  if (size > kMaxHead)
    data_len = std::min(size, Align(size - kMaxHead, kPageSize));
  const size_t head = size - data_len;
  // __alloc_skb: the head and the shared info from kmalloc, plus the
  // sk_buff; alloc_skb_with_frags adds each page it allocated.
  return KmallocSize(Align(head, kCacheLine) + kSharedInfo) + kSkbStruct +
         Align(data_len, kPageSize);
}

void UnixSocket::FreeChunk(Chunk& c) {
  auto sender = c.sender.lock();
  c.sender.reset();
  if (!sender) return;
  sender->wmem_ -= std::min(sender->wmem_, c.truesize);
  if (sender->Writable()) sender->Notify(EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
}

bool UnixSocket::Writable() const {
  return state_ != State::kListen &&
         (wmem_ + 1) * 4 <= static_cast<size_t>(sndbuf_);
}

uint32_t UnixSocket::Poll() {
  uint32_t mask = 0;
  if (error_ != 0) mask |= EPOLLERR;
  if (rcv_shutdown_ && send_shutdown_) mask |= EPOLLHUP;
  if (rcv_shutdown_) mask |= EPOLLRDHUP | EPOLLIN | EPOLLRDNORM;
  if (!queue_.empty() || !pending_.empty()) mask |= EPOLLIN | EPOLLRDNORM;
  if (state_ == State::kClose) mask |= EPOLLHUP;
  // "we set writable also when the other side has shut down the
  // connection. This prevents stuck sockets."
  if (Writable()) mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
  return mask;
}

void UnixSocket::OnLastClose() { Release(false); }

void UnixSocket::Release(bool embryo) {
  if (released_) return;
  released_ = true;
  state_ = State::kClose;
  if (bound_) names_.RemoveAbstract(name_);
  std::shared_ptr<UnixSocket> skpair = std::move(peer_);
  peer_.reset();
  Notify(0);  // wake_up_interruptible_all(&u->peer_wait)
  if (skpair) {
    // No more writes for the peer, and ECONNRESET if what it sent was
    // never read.
    skpair->rcv_shutdown_ = skpair->send_shutdown_ = true;
    if (!queue_.empty() || embryo) skpair->error_ = ECONNRESET;
    skpair->Notify(0);  // sk_state_change
  }
  // The queue is thrown away: a listener's connections not accepted are
  // released as embryos; chunks go back to their senders.
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& child : pending) child->Release(true);
  auto queue = std::move(queue_);
  queue_.clear();
  for (auto& c : queue) FreeChunk(c);
}

int UnixSocket::Bind(const sockaddr_un& addr, socklen_t len) {
  if (len == kFamilyLen && addr.sun_family == AF_UNIX) {
    // unix_autobind: nothing to do when the socket has an address (an
    // accepted one has its listener's).
    if (!name_.empty()) return 0;
    std::string name = names_.NextAutobindName();
    if (name.empty()) return -ENOSPC;
    name_ = std::move(name);
    bound_ = true;
    names_.Add(name_, std::static_pointer_cast<UnixSocket>(shared_from_this()));
    return 0;
  }
  if (int e = ValidateAddr(addr, len)) return e;
  const std::string name = NameOf(addr, len);
  if (addr.sun_path[0] != '\0') {
    // unix_bind_bsd: the file is made first (an existing path:
    // EADDRINUSE), then a bound socket is EINVAL (and the file goes).
    if (names_.Taken(name)) return -EADDRINUSE;
    if (!name_.empty()) return -EINVAL;
  } else {
    // unix_bind_abstract: the other way round.
    if (!name_.empty()) return -EINVAL;
    if (names_.Taken(name)) return -EADDRINUSE;
  }
  name_ = name;
  bound_ = true;
  names_.Add(name_, std::static_pointer_cast<UnixSocket>(shared_from_this()));
  return 0;
}

int UnixSocket::Listen(int backlog, UnixCred cred) {
  if (name_.empty()) return -EINVAL;  // no listens on an unbound socket
  if (state_ != State::kClose && state_ != State::kListen) return -EINVAL;
  if (backlog > max_backlog_) Notify(0);  // connects waiting for room
  max_backlog_ = backlog;
  state_ = State::kListen;
  // init_peercred: what the connecting sockets will see.
  peer_cred_ = cred;
  has_peer_cred_ = true;
  return 0;
}

int UnixSocket::Connect(Waiter& waiter, const sockaddr_un& addr, socklen_t len,
                        UnixCred cred) {
  if (int e = ValidateAddr(addr, len)) return e;
  const std::string name = NameOf(addr, len);
  for (;;) {
    // unix_find_other: no pathname is ENOENT; a socket file with no
    // socket, or no abstract name, ECONNREFUSED.
    bool exists = false;
    std::shared_ptr<UnixSocket> other = names_.Find(name, &exists);
    if (!exists) return addr.sun_path[0] != '\0' ? -ENOENT : -ECONNREFUSED;
    if (!other || other->released_) return -ECONNREFUSED;
    if (other->state_ != State::kListen || other->rcv_shutdown_)
      return -ECONNREFUSED;
    // unix_recvq_full: more queued than the backlog.
    if (static_cast<int>(other->pending_.size()) > other->max_backlog_) {
      if (nonblocking()) return -EAGAIN;
      const Waiter::Result w = waiter.Wait(*other, kNever, "connect");
      if (w == Waiter::Result::kInterrupted) return -EINTR;
      if (w == Waiter::Result::kTimedOut) return -EAGAIN;
      continue;  // restart: look the name up again
    }
    if (state_ != State::kClose)
      return state_ == State::kEstablished ? -EISCONN : -EINVAL;
    auto newsk = std::make_shared<UnixSocket>(names_, other->cred_);
    auto self = std::static_pointer_cast<UnixSocket>(shared_from_this());
    newsk->peer_ = self;
    newsk->state_ = State::kEstablished;
    newsk->has_peer_cred_ = true;
    newsk->peer_cred_ = cred;
    // The new socket has the listener's address.
    newsk->name_ = other->name_;
    newsk->bound_ = false;  // it does not own the name
    newsk->sndbuf_ = other->sndbuf_;
    newsk->rcvbuf_ = other->rcvbuf_;
    // copy_peercred(sk, other): the listener's credentials.
    has_peer_cred_ = true;
    peer_cred_ = other->peer_cred_;
    state_ = State::kEstablished;
    peer_ = newsk;
    other->pending_.push_back(std::move(newsk));
    other->Notify(EPOLLIN | EPOLLRDNORM);  // sk_data_ready
    return 0;
  }
}

int UnixSocket::Accept(Waiter& waiter, bool nonblocking,
                       std::shared_ptr<UnixSocket>* child) {
  if (state_ != State::kListen) return -EINVAL;
  while (pending_.empty()) {
    if (rcv_shutdown_) return -EINVAL;  // skb_recv_datagram gives none
    if (nonblocking) return -EAGAIN;
    const Waiter::Result w = waiter.Wait(*this, kNever, "accept4");
    if (w == Waiter::Result::kInterrupted) return -EINTR;
    if (w == Waiter::Result::kTimedOut) return -EAGAIN;
    if (state_ != State::kListen) return -EINVAL;
  }
  *child = std::move(pending_.front());
  pending_.pop_front();
  Notify(0);  // wake_up_interruptible(&peer_wait): connects waiting for room
  return 0;
}

ssize_t UnixSocket::Recv(Waiter& waiter, uint8_t* buf, size_t len, int flags,
                         std::string* from) {
  if (state_ != State::kEstablished) return -EINVAL;
  // unix_stream_recv_urg: no out-of-band byte is ever queued (a send with
  // MSG_OOB is refused, D34), so there is none to read.
  if (flags & MSG_OOB) return -EINVAL;
  len = std::min(len, kMaxRwCount);
  const size_t asked = len;
  const bool peek = (flags & MSG_PEEK) != 0;
  const bool noblock = nonblocking() || (flags & MSG_DONTWAIT);
  // sock_rcvlowat: all of it with MSG_WAITALL, else one byte.
  const size_t target = (flags & MSG_WAITALL) ? std::max<size_t>(len, 1) : 1;
  size_t copied = 0;
  int writer = 0;
  bool have_writer = false;
  for (;;) {
    size_t at = 0;  // a peek's next chunk
    bool stop = false;
    while (at < queue_.size()) {
      Chunk& c = queue_[at];
      // Never glue chunks of different writers.
      if (have_writer && c.pid != writer) {
        stop = true;
        break;
      }
      if (!have_writer && from != nullptr) *from = c.from;
      writer = c.pid;
      have_writer = true;
      const size_t chunk = std::min(c.bytes.size() - c.read, len);
      if (chunk > 0 && buf == nullptr)
        return copied > 0 ? static_cast<ssize_t>(copied) : -EFAULT;
      if (chunk > 0) std::memcpy(buf + copied, c.bytes.data() + c.read, chunk);
      copied += chunk;
      len -= chunk;
      if (peek) {
        if (len == 0) break;
        ++at;
        continue;
      }
      c.read += chunk;
      if (c.read < c.bytes.size()) break;  // the caller's buffer is full
      Chunk done = std::move(c);
      queue_.pop_front();
      FreeChunk(done);
      if (len == 0) break;
    }
    // A zero-length receive returns once something is queued.
    if (stop || copied >= target || (asked == 0 && !queue_.empty())) break;
    // Nothing (more) queued.
    if (const int e = TakeError()) {
      return copied > 0 ? static_cast<ssize_t>(copied) : -e;
    }
    if (rcv_shutdown_) break;
    if (noblock) return copied > 0 ? static_cast<ssize_t>(copied) : -EAGAIN;
    if (peek) {
      // A peek that waits looks again from the start of the queue.
      copied = 0;
      len = asked;
      have_writer = false;
    }
    const Waiter::Result w = waiter.Wait(*this, kNever, "recv");
    if (w != Waiter::Result::kWoken) {
      if (copied > 0) return static_cast<ssize_t>(copied);
      return w == Waiter::Result::kInterrupted ? -EINTR : -EAGAIN;
    }
  }
  return static_cast<ssize_t>(copied);
}

ssize_t UnixSocket::Send(Waiter& waiter, const IoSpan& data, int flags) {
  if (flags & MSG_OOB) return -EOPNOTSUPP;  // no CONFIG_AF_UNIX_OOB (D34)
  if (state_ != State::kEstablished || !peer_) return -ENOTCONN;
  if (send_shutdown_) return -EPIPE;
  const size_t len = std::min(data.size(), kMaxRwCount);
  const size_t readable = data.Readable();
  const bool noblock = nonblocking() || (flags & MSG_DONTWAIT);
  size_t sent = 0;
  auto self = std::static_pointer_cast<UnixSocket>(shared_from_this());
  while (sent < len) {
    // The chunk: two in flight at least, and at most a page-sized head
    // plus 32 KiB of fragments.
    size_t size = len - sent;
    size = std::min<size_t>(size, static_cast<size_t>(sndbuf_ / 2 - 64));
    size = std::min(size, kMaxHead + kFragsSize);
    // sock_alloc_send_pskb: waits while the charge has reached sk_sndbuf.
    while (wmem_ >= static_cast<size_t>(sndbuf_)) {
      if (send_shutdown_) return sent > 0 ? static_cast<ssize_t>(sent) : -EPIPE;
      if (noblock) return sent > 0 ? static_cast<ssize_t>(sent) : -EAGAIN;
      const Waiter::Result w = waiter.Wait(*this, kNever, "send");
      if (w != Waiter::Result::kWoken) {
        if (sent > 0) return static_cast<ssize_t>(sent);
        return w == Waiter::Result::kInterrupted ? -EINTR : -EAGAIN;
      }
    }
    // The copy from the caller faults past a NULL buffer: the chunk is
    // freed, what was sent before stays.
    if (sent + size > readable)
      return sent > 0 ? static_cast<ssize_t>(sent) : -EFAULT;
    UnixSocket* other = peer();
    if (other == nullptr || other->released_ || other->rcv_shutdown_)
      return sent > 0 ? static_cast<ssize_t>(sent) : -EPIPE;
    Chunk c;
    c.bytes.resize(size);
    size_t off = 0;
    data.ForEachChunk(sent + size, [&](const uint8_t* p, size_t n) {
      // Skip the bytes of earlier chunks.
      const size_t begin = off, end = off + n;
      off = end;
      if (end <= sent) return;
      const size_t from = begin < sent ? sent - begin : 0;
      std::memcpy(c.bytes.data() + (begin + from - sent), p + from, n - from);
    });
    c.truesize = ChunkTruesize(size);
    c.pid = cred_.pid;
    c.sender = self;
    c.from = name_;
    wmem_ += c.truesize;
    other->queue_.push_back(std::move(c));
    other->Notify(EPOLLIN | EPOLLRDNORM);  // sk_data_ready
    sent += size;
  }
  return static_cast<ssize_t>(sent);
}

int UnixSocket::Shutdown(int how) {
  if (how < SHUT_RD || how > SHUT_RDWR) return -EINVAL;
  const int mode = how + 1;  // RCV_SHUTDOWN 1, SEND_SHUTDOWN 2
  if (mode & 1) rcv_shutdown_ = true;
  if (mode & 2) send_shutdown_ = true;
  Notify(0);  // sk_state_change
  if (UnixSocket* other = peer()) {
    if (mode & 1) other->send_shutdown_ = true;
    if (mode & 2) other->rcv_shutdown_ = true;
    other->Notify(0);
  }
  return 0;
}

namespace {

int PutBytes(const void* v, socklen_t size, void* val, socklen_t* len) {
  const socklen_t n = std::min(*len, size);
  // A zero optlen may come with a null optval (found by the syscall
  // fuzzer under UBSan): nothing to copy, as Linux copies nothing.
  if (n > 0) std::memcpy(val, v, n);
  *len = n;
  return 0;
}

int PutInt(int v, void* val, socklen_t* len) {
  return PutBytes(&v, sizeof v, val, len);
}

}  // namespace

int UnixSocket::GetSockOpt(int name, void* val, socklen_t* len) {
  switch (name) {
    case SO_TYPE:
      return PutInt(SOCK_STREAM, val, len);
    case SO_DOMAIN:
      return PutInt(AF_UNIX, val, len);
    case SO_PROTOCOL:
      return PutInt(0, val, len);
    case SO_ERROR:
      return PutInt(TakeError(), val, len);
    case SO_SNDBUF:
      return PutInt(sndbuf_, val, len);
    case SO_RCVBUF:
      return PutInt(rcvbuf_, val, len);
    case SO_ACCEPTCONN:
      return PutInt(state_ == State::kListen ? 1 : 0, val, len);
    case SO_PEERCRED: {
      // cred_to_ucred: no peer is pid 0 and ids of -1 (no credentials).
      struct {
        int pid;
        uint32_t uid, gid;
      } u{0, UINT32_MAX, UINT32_MAX};
      if (has_peer_cred_) u = {peer_cred_.pid, peer_cred_.uid, peer_cred_.gid};
      return PutBytes(&u, sizeof u, val, len);
    }
    default:
      return -ENOPROTOOPT;
  }
}

int UnixSocket::SetSockOpt(int name, const void* val, socklen_t len) {
  if (name != SO_SNDBUF && name != SO_RCVBUF) return -ENOPROTOOPT;
  // sk_setsockopt reads an int (EINVAL when shorter).
  if (len < sizeof(int)) return -EINVAL;
  int v = 0;
  std::memcpy(&v, val, sizeof v);
  // The value is capped at wmem_max / rmem_max, then doubled for the
  // bookkeeping overhead, and never below the minimum.
  const int64_t capped = std::min<int64_t>(static_cast<uint32_t>(v), kBufMax);
  if (name == SO_SNDBUF) {
    sndbuf_ = static_cast<int>(std::max<int64_t>(capped * 2, kMinSndbuf));
    if (Writable())
      Notify(EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);  // sk_write_space
  } else {
    rcvbuf_ = static_cast<int>(std::max<int64_t>(capped * 2, kMinRcvbuf));
  }
  return 0;
}

socklen_t UnixSocket::NameToAddr(const std::string& name, sockaddr_un* out) {
  std::memset(out, 0, sizeof *out);
  out->sun_family = AF_UNIX;
  if (name.empty()) return kFamilyLen;
  const size_t n = std::min(name.size(), sizeof out->sun_path);
  std::memcpy(out->sun_path, name.data(), n);
  // A pathname's length counts its NUL (unix_mkname_bsd), within the
  // structure (a 108-byte path has none).
  const bool pathname = name[0] != '\0';
  return static_cast<socklen_t>(
      std::min(kFamilyLen + n + (pathname ? 1 : 0), sizeof(sockaddr_un)));
}

int UnixSocket::PeerName(sockaddr_un* out, socklen_t* len) const {
  if (state_ != State::kEstablished || !peer_) return -ENOTCONN;
  *len = peer_->LocalName(out);
  return 0;
}

int UnixSocket::InqLen() const {
  if (state_ == State::kListen) return -EINVAL;
  size_t n = 0;
  for (const auto& c : queue_) n += c.bytes.size() - c.read;
  return static_cast<int>(std::min<size_t>(n, INT32_MAX));
}

}  // namespace simsock::sim
