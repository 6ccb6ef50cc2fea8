#include "simsock/experiment/stream_tap.h"

#include <algorithm>

#include "simsock/sim/inet/tcp_socket.h"
#include "simsock/sim/kernel/process.h"

namespace simsock::experiment {

StreamTap::StreamTap(sys::Syscalls& inner, sim::Process& process,
                     StreamLedger& ledger, uint64_t* bytes_read)
    : inner_(inner),
      process_(process),
      ledger_(ledger),
      bytes_read_(bytes_read) {}

const void* StreamTap::Stream(int fd) {
  std::shared_ptr<sim::File> file = process_.fds().GetShared(fd);
  if (file == nullptr || file->kind() != sim::File::Kind::kTcp) return nullptr;
  if (ledger_.Registered(file.get())) return file.get();
  const auto& tcp = static_cast<const sim::TcpSocket&>(*file);
  // Connected: it has a control block and a peer (a listener has neither).
  if (tcp.tcb() == nullptr || tcp.RemoteEndpoint().port == 0) return nullptr;
  ledger_.Register(file, tcp.LocalEndpoint(), tcp.RemoteEndpoint());
  return file.get();
}

void StreamTap::Wrote(int fd, const void* buf, ssize_t n) {
  if (n <= 0) return;
  if (const void* s = Stream(fd)) {
    ledger_.Wrote(static_cast<const sim::File*>(s),
                  static_cast<const uint8_t*>(buf), static_cast<size_t>(n));
  }
}

void StreamTap::Read(int fd, const void* buf, ssize_t n) {
  if (n <= 0) return;
  if (bytes_read_ != nullptr) *bytes_read_ += static_cast<uint64_t>(n);
  if (const void* s = Stream(fd)) {
    ledger_.Read(static_cast<const sim::File*>(s),
                 static_cast<const uint8_t*>(buf), static_cast<size_t>(n));
  }
}

int StreamTap::socket(int domain, int type, int protocol) {
  return inner_.socket(domain, type, protocol);
}
int StreamTap::bind(int fd, const sockaddr* addr, socklen_t addrlen) {
  return inner_.bind(fd, addr, addrlen);
}
int StreamTap::listen(int fd, int backlog) {
  return inner_.listen(fd, backlog);
}
int StreamTap::accept4(int fd, sockaddr* addr, socklen_t* addrlen, int flags) {
  const int r = inner_.accept4(fd, addr, addrlen, flags);
  if (r >= 0) (void)Stream(r);  // counted now, even if it never reads
  return r;
}
int StreamTap::connect(int fd, const sockaddr* addr, socklen_t addrlen) {
  const int r = inner_.connect(fd, addr, addrlen);
  if (r == 0) (void)Stream(fd);
  return r;
}
ssize_t StreamTap::read(int fd, void* buf, size_t count) {
  const ssize_t r = inner_.read(fd, buf, count);
  Read(fd, buf, r);
  return r;
}
ssize_t StreamTap::write(int fd, const void* buf, size_t count) {
  const ssize_t r = inner_.write(fd, buf, count);
  Wrote(fd, buf, r);
  return r;
}
// A receive of r bytes with `flags`: false when its bytes are not the
// stream's next ones to compare (nothing read, a peek, which consumes
// nothing, or urgent data, which leaves the stream out of order: the
// ledger stops checking it and the bytes are only counted).
bool StreamTap::ReadInBand(int fd, int flags, ssize_t r) {
  if (r <= 0 || (flags & MSG_PEEK) != 0) return false;
  if ((flags & MSG_OOB) == 0) return true;
  if (const void* s = Stream(fd)) {
    ledger_.StopChecking(static_cast<const sim::File*>(s));
  }
  if (bytes_read_ != nullptr) *bytes_read_ += static_cast<uint64_t>(r);
  return false;
}
ssize_t StreamTap::recvfrom(int fd, void* buf, size_t len, int flags,
                            sockaddr* src_addr, socklen_t* addrlen) {
  const ssize_t r = inner_.recvfrom(fd, buf, len, flags, src_addr, addrlen);
  if (!ReadInBand(fd, flags, r)) return r;
  // MSG_TRUNC on a stream discards the bytes: counted, not compared.
  Read(fd, (flags & MSG_TRUNC) != 0 ? nullptr : buf, r);
  return r;
}
ssize_t StreamTap::recvmsg(int fd, msghdr* msg, int flags) {
  const ssize_t r = inner_.recvmsg(fd, msg, flags);
  if (!ReadInBand(fd, flags, r)) return r;
  if ((flags & MSG_TRUNC) != 0) {  // discarded: counted, not compared
    Read(fd, nullptr, r);
    return r;
  }
  ReadIovecs(fd, msg->msg_iov, msg->msg_iovlen, r);
  return r;
}
// The r bytes a receive returned fill the iovecs in turn.
void StreamTap::ReadIovecs(int fd, const iovec* iov, size_t count, ssize_t r) {
  size_t left = r > 0 ? static_cast<size_t>(r) : 0;
  for (size_t i = 0; i < count && left > 0; ++i) {
    const size_t n = std::min(left, iov[i].iov_len);
    Read(fd, iov[i].iov_base, static_cast<ssize_t>(n));
    left -= n;
  }
}
// The r bytes a send took came from the iovecs in turn.
void StreamTap::WroteIovecs(int fd, const iovec* iov, size_t count, ssize_t r) {
  size_t left = r > 0 ? static_cast<size_t>(r) : 0;
  for (size_t i = 0; i < count && left > 0; ++i) {
    const size_t n = std::min(left, iov[i].iov_len);
    Wrote(fd, iov[i].iov_base, static_cast<ssize_t>(n));
    left -= n;
  }
}
// A send of r bytes with `flags`: false when its bytes are not to be
// recorded (urgent data leaves the stream out of order: the ledger stops
// checking it).
bool StreamTap::WroteInBand(int fd, int flags, ssize_t r) {
  if (r > 0 && (flags & MSG_OOB) != 0) {
    if (const void* s = Stream(fd)) {
      ledger_.StopChecking(static_cast<const sim::File*>(s));
    }
    return false;
  }
  return true;
}
ssize_t StreamTap::sendto(int fd, const void* buf, size_t len, int flags,
                          const sockaddr* dest_addr, socklen_t addrlen) {
  const ssize_t r = inner_.sendto(fd, buf, len, flags, dest_addr, addrlen);
  if (WroteInBand(fd, flags, r)) Wrote(fd, buf, r);
  return r;
}
int StreamTap::shutdown(int fd, int how) { return inner_.shutdown(fd, how); }
int StreamTap::close(int fd) { return inner_.close(fd); }
int StreamTap::getsockopt(int fd, int level, int optname, void* optval,
                          socklen_t* optlen) {
  return inner_.getsockopt(fd, level, optname, optval, optlen);
}
int StreamTap::setsockopt(int fd, int level, int optname, const void* optval,
                          socklen_t optlen) {
  return inner_.setsockopt(fd, level, optname, optval, optlen);
}
int StreamTap::getsockname(int fd, sockaddr* addr, socklen_t* addrlen) {
  return inner_.getsockname(fd, addr, addrlen);
}
int StreamTap::getpeername(int fd, sockaddr* addr, socklen_t* addrlen) {
  return inner_.getpeername(fd, addr, addrlen);
}
int StreamTap::fcntl(int fd, int cmd, long arg) {
  return inner_.fcntl(fd, cmd, arg);
}
int StreamTap::epoll_create1(int flags) { return inner_.epoll_create1(flags); }
int StreamTap::epoll_ctl(int epfd, int op, int fd, epoll_event* event) {
  return inner_.epoll_ctl(epfd, op, fd, event);
}
int StreamTap::epoll_wait(int epfd, epoll_event* events, int maxevents,
                          int timeout_ms) {
  return inner_.epoll_wait(epfd, events, maxevents, timeout_ms);
}
int64_t StreamTap::clock_gettime_ns() { return inner_.clock_gettime_ns(); }
int StreamTap::nanosleep_ns(int64_t ns) { return inner_.nanosleep_ns(ns); }
int StreamTap::resolve_ipv4(std::string_view host,
                            std::vector<uint32_t>* addrs) {
  return inner_.resolve_ipv4(host, addrs);
}
int StreamTap::epoll_pwait2(int epfd, epoll_event* events, int maxevents,
                            const timespec* timeout, const sigset_t* sigmask) {
  return inner_.epoll_pwait2(epfd, events, maxevents, timeout, sigmask);
}

// --- pipes and eventfds
int StreamTap::pipe2(int fds[2], int flags) { return inner_.pipe2(fds, flags); }
int StreamTap::eventfd2(unsigned int initval, int flags) {
  return inner_.eventfd2(initval, flags);
}

// poll, ppoll, select, pselect6 (issue 13): they move no stream bytes.
int StreamTap::poll(pollfd* fds, nfds_t nfds, int timeout_ms) {
  return inner_.poll(fds, nfds, timeout_ms);
}
int StreamTap::ppoll(pollfd* fds, nfds_t nfds, const timespec* timeout,
                     const sigset_t* sigmask) {
  return inner_.ppoll(fds, nfds, timeout, sigmask);
}
int StreamTap::select(int nfds, fd_set* readfds, fd_set* writefds,
                      fd_set* exceptfds, timeval* timeout) {
  return inner_.select(nfds, readfds, writefds, exceptfds, timeout);
}
int StreamTap::pselect6(int nfds, fd_set* readfds, fd_set* writefds,
                        fd_set* exceptfds, const timespec* timeout,
                        const sigset_t* sigmask) {
  return inner_.pselect6(nfds, readfds, writefds, exceptfds, timeout, sigmask);
}

// Vectored calls (readv, writev, sendmsg).
ssize_t StreamTap::readv(int fd, const iovec* iov, int iovcnt) {
  const ssize_t r = inner_.readv(fd, iov, iovcnt);
  if (r > 0) ReadIovecs(fd, iov, static_cast<size_t>(iovcnt), r);
  return r;
}
ssize_t StreamTap::writev(int fd, const iovec* iov, int iovcnt) {
  const ssize_t r = inner_.writev(fd, iov, iovcnt);
  if (r > 0) WroteIovecs(fd, iov, static_cast<size_t>(iovcnt), r);
  return r;
}
ssize_t StreamTap::sendmsg(int fd, const msghdr* msg, int flags) {
  const ssize_t r = inner_.sendmsg(fd, msg, flags);
  if (r > 0 && WroteInBand(fd, flags, r))
    WroteIovecs(fd, msg->msg_iov, msg->msg_iovlen, r);
  return r;
}

// AF_UNIX sockets (issue 13)
int StreamTap::socketpair(int domain, int type, int protocol, int sv[2]) {
  return inner_.socketpair(domain, type, protocol, sv);
}

}  // namespace simsock::experiment
