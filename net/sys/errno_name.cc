#include "net/sys/errno_name.h"

#include <sys/epoll.h>

#include <cerrno>

namespace simsock::sys {

std::string ErrnoName(int err) {
  switch (err) {
#define SIMSOCK_ERRNO(e) \
  case e:                \
    return #e;
    SIMSOCK_ERRNO(EPERM)
    SIMSOCK_ERRNO(ENOENT)
    SIMSOCK_ERRNO(EINTR)
    SIMSOCK_ERRNO(EIO)
    SIMSOCK_ERRNO(EBADF)
    SIMSOCK_ERRNO(EAGAIN)
    SIMSOCK_ERRNO(ENOMEM)
    SIMSOCK_ERRNO(EACCES)
    SIMSOCK_ERRNO(EFAULT)
    SIMSOCK_ERRNO(EEXIST)
    SIMSOCK_ERRNO(EINVAL)
    SIMSOCK_ERRNO(ENFILE)
    SIMSOCK_ERRNO(EMFILE)
    SIMSOCK_ERRNO(EPIPE)
    SIMSOCK_ERRNO(EDOM)
    SIMSOCK_ERRNO(EDEADLK)
    SIMSOCK_ERRNO(ENOSYS)
    SIMSOCK_ERRNO(ELOOP)
    SIMSOCK_ERRNO(ENOTSOCK)
    SIMSOCK_ERRNO(EDESTADDRREQ)
    SIMSOCK_ERRNO(EMSGSIZE)
    SIMSOCK_ERRNO(EPROTOTYPE)
    SIMSOCK_ERRNO(ENOPROTOOPT)
    SIMSOCK_ERRNO(EPROTONOSUPPORT)
    SIMSOCK_ERRNO(ESOCKTNOSUPPORT)
    SIMSOCK_ERRNO(EOPNOTSUPP)
    SIMSOCK_ERRNO(EAFNOSUPPORT)
    SIMSOCK_ERRNO(EADDRINUSE)
    SIMSOCK_ERRNO(EADDRNOTAVAIL)
    SIMSOCK_ERRNO(ENETDOWN)
    SIMSOCK_ERRNO(ENETUNREACH)
    SIMSOCK_ERRNO(ECONNABORTED)
    SIMSOCK_ERRNO(ECONNRESET)
    SIMSOCK_ERRNO(ENOBUFS)
    SIMSOCK_ERRNO(EISCONN)
    SIMSOCK_ERRNO(ENOTCONN)
    SIMSOCK_ERRNO(ETIMEDOUT)
    SIMSOCK_ERRNO(ECONNREFUSED)
    SIMSOCK_ERRNO(EHOSTUNREACH)
    SIMSOCK_ERRNO(EALREADY)
    SIMSOCK_ERRNO(EINPROGRESS)
#undef SIMSOCK_ERRNO
    default:
      return "E" + std::to_string(err);
  }
}

std::string ResultString(long result) {
  if (result >= 0) return std::to_string(result);
  return "-" + ErrnoName(static_cast<int>(-result));
}

std::string FlagNames(
    uint64_t bits,
    std::initializer_list<std::pair<uint64_t, const char*>> names) {
  if (bits == 0) return "0";
  std::string out;
  for (const auto& [bit, name] : names) {
    if ((bits & bit) == 0) continue;
    if (!out.empty()) out += '|';
    out += name;
    bits &= ~bit;
  }
  if (bits != 0) out += (out.empty() ? "" : "|") + std::to_string(bits);
  return out;
}

std::string EpollEventsName(uint32_t events) {
  return FlagNames(events, {{EPOLLIN, "IN"},
                            {EPOLLPRI, "PRI"},
                            {EPOLLOUT, "OUT"},
                            {EPOLLERR, "ERR"},
                            {EPOLLHUP, "HUP"},
                            {EPOLLRDHUP, "RDHUP"},
                            {EPOLLET, "ET"},
                            {EPOLLONESHOT, "ONESHOT"}});
}

}  // namespace simsock::sys
