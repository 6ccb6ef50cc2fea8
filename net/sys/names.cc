#include "simsock/net/sys/names.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

namespace simsock::sys {

std::string ErrnoName(int err) {
  // glibc's own table (2.32+): complete, and the same on every run.
  const char* name = ::strerrorname_np(err);
  return name != nullptr ? name : "E" + std::to_string(err);
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
                            {EPOLLONESHOT, "ONESHOT"},
                            {EPOLLEXCLUSIVE, "EXCLUSIVE"},
                            {EPOLLWAKEUP, "WAKEUP"}});
}

std::string FamilyName(int family) {
  switch (family) {
    case AF_INET:
      return "AF_INET";
    case AF_INET6:
      return "AF_INET6";
    case AF_UNSPEC:
      return "AF_UNSPEC";
    case AF_UNIX:
      return "AF_UNIX";
    default:
      return std::to_string(family);
  }
}

std::string SockTypeName(int type) {
  std::string out;
  switch (type & 0xf) {
    case SOCK_STREAM:
      out = "SOCK_STREAM";
      break;
    case SOCK_DGRAM:
      out = "SOCK_DGRAM";
      break;
    case SOCK_RAW:
      out = "SOCK_RAW";
      break;
    case SOCK_SEQPACKET:
      out = "SOCK_SEQPACKET";
      break;
    default:
      out = std::to_string(type & 0xf);
  }
  if (type & SOCK_NONBLOCK) out += "|SOCK_NONBLOCK";
  if (type & SOCK_CLOEXEC) out += "|SOCK_CLOEXEC";
  int rest = type & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (rest) out += "|" + std::to_string(rest);
  return out;
}

std::string SockLevelName(int level) {
  switch (level) {
    case SOL_SOCKET:
      return "SOL_SOCKET";
    case IPPROTO_TCP:
      return "IPPROTO_TCP";
    case IPPROTO_IP:
      return "IPPROTO_IP";
    case IPPROTO_UDP:
      return "IPPROTO_UDP";
    default:
      return std::to_string(level);
  }
}

std::string SockOptName(int level, int name) {
#define SIMSOCK_NAME(x) \
  case x:               \
    return #x;
  if (level == SOL_SOCKET) {
    switch (name) {
      SIMSOCK_NAME(SO_DEBUG)
      SIMSOCK_NAME(SO_REUSEADDR)
      SIMSOCK_NAME(SO_TYPE)
      SIMSOCK_NAME(SO_ERROR)
      SIMSOCK_NAME(SO_DONTROUTE)
      SIMSOCK_NAME(SO_BROADCAST)
      SIMSOCK_NAME(SO_SNDBUF)
      SIMSOCK_NAME(SO_RCVBUF)
      SIMSOCK_NAME(SO_SNDBUFFORCE)
      SIMSOCK_NAME(SO_RCVBUFFORCE)
      SIMSOCK_NAME(SO_KEEPALIVE)
      SIMSOCK_NAME(SO_OOBINLINE)
      SIMSOCK_NAME(SO_PRIORITY)
      SIMSOCK_NAME(SO_LINGER)
      SIMSOCK_NAME(SO_REUSEPORT)
      SIMSOCK_NAME(SO_PASSCRED)
      SIMSOCK_NAME(SO_RCVLOWAT)
      SIMSOCK_NAME(SO_PEEK_OFF)
      SIMSOCK_NAME(SO_SNDLOWAT)
      SIMSOCK_NAME(SO_RCVTIMEO_OLD)
      SIMSOCK_NAME(SO_SNDTIMEO_OLD)
      SIMSOCK_NAME(SO_TIMESTAMP_OLD)
      SIMSOCK_NAME(SO_ACCEPTCONN)
      SIMSOCK_NAME(SO_MARK)
      SIMSOCK_NAME(SO_PROTOCOL)
      SIMSOCK_NAME(SO_DOMAIN)
      default:
        break;
    }
  } else if (level == IPPROTO_TCP) {
    switch (name) {
      SIMSOCK_NAME(TCP_NODELAY)
      SIMSOCK_NAME(TCP_MAXSEG)
      SIMSOCK_NAME(TCP_CORK)
      SIMSOCK_NAME(TCP_KEEPIDLE)
      SIMSOCK_NAME(TCP_KEEPINTVL)
      SIMSOCK_NAME(TCP_KEEPCNT)
      SIMSOCK_NAME(TCP_SYNCNT)
      SIMSOCK_NAME(TCP_LINGER2)
      SIMSOCK_NAME(TCP_DEFER_ACCEPT)
      SIMSOCK_NAME(TCP_WINDOW_CLAMP)
      SIMSOCK_NAME(TCP_INFO)
      SIMSOCK_NAME(TCP_QUICKACK)
      SIMSOCK_NAME(TCP_CONGESTION)
      SIMSOCK_NAME(TCP_USER_TIMEOUT)
      SIMSOCK_NAME(TCP_NOTSENT_LOWAT)
      SIMSOCK_NAME(TCP_INQ)
      default:
        break;
    }
  } else if (level == IPPROTO_IP) {
    switch (name) {
      SIMSOCK_NAME(IP_TOS)
      SIMSOCK_NAME(IP_TTL)
      SIMSOCK_NAME(IP_RECVERR)
      SIMSOCK_NAME(IP_MTU_DISCOVER)
      default:
        break;
    }
  }
#undef SIMSOCK_NAME
  return std::to_string(name);
}

std::string MsgFlagsName(int flags) {
  return FlagNames(static_cast<uint32_t>(flags),
                   {{MSG_PEEK, "MSG_PEEK"},
                    {MSG_TRUNC, "MSG_TRUNC"},
                    {MSG_DONTWAIT, "MSG_DONTWAIT"},
                    {MSG_NOSIGNAL, "MSG_NOSIGNAL"},
                    {MSG_WAITALL, "MSG_WAITALL"},
                    {MSG_OOB, "MSG_OOB"},
                    {MSG_MORE, "MSG_MORE"},
                    {MSG_EOR, "MSG_EOR"},
                    {MSG_DONTROUTE, "MSG_DONTROUTE"},
                    {MSG_CONFIRM, "MSG_CONFIRM"},
                    {MSG_ERRQUEUE, "MSG_ERRQUEUE"},
                    {MSG_CMSG_CLOEXEC, "MSG_CMSG_CLOEXEC"}});
}

std::string ShutdownHowName(int how) {
  switch (how) {
    case SHUT_RD:
      return "SHUT_RD";
    case SHUT_WR:
      return "SHUT_WR";
    case SHUT_RDWR:
      return "SHUT_RDWR";
    default:
      return std::to_string(how);
  }
}

std::string FcntlCmdName(int cmd) {
  switch (cmd) {
    case F_GETFL:
      return "F_GETFL";
    case F_SETFL:
      return "F_SETFL";
    case F_GETFD:
      return "F_GETFD";
    case F_SETFD:
      return "F_SETFD";
    case F_DUPFD:
      return "F_DUPFD";
    case F_DUPFD_CLOEXEC:
      return "F_DUPFD_CLOEXEC";
    case F_GETPIPE_SZ:
      return "F_GETPIPE_SZ";
    case F_SETPIPE_SZ:
      return "F_SETPIPE_SZ";
    default:
      return std::to_string(cmd);
  }
}

std::string EpollOpName(int op) {
  switch (op) {
    case EPOLL_CTL_ADD:
      return "EPOLL_CTL_ADD";
    case EPOLL_CTL_MOD:
      return "EPOLL_CTL_MOD";
    case EPOLL_CTL_DEL:
      return "EPOLL_CTL_DEL";
    default:
      return std::to_string(op);
  }
}

// --- pipes and eventfds

std::string PipeFlagsName(int flags) {
  return FlagNames(static_cast<uint32_t>(flags), {{O_NONBLOCK, "O_NONBLOCK"},
                                                  {O_CLOEXEC, "O_CLOEXEC"},
                                                  {O_DIRECT, "O_DIRECT"}});
}

std::string EventFdFlagsName(int flags) {
  // EFD_NONBLOCK and EFD_CLOEXEC are O_NONBLOCK and O_CLOEXEC;
  // EFD_SEMAPHORE is 1.
  return FlagNames(static_cast<uint32_t>(flags), {{O_NONBLOCK, "EFD_NONBLOCK"},
                                                  {O_CLOEXEC, "EFD_CLOEXEC"},
                                                  {1, "EFD_SEMAPHORE"}});
}

// poll, ppoll, select, pselect6 (issue 13). events is a short: only its
// 16 bits count.
std::string PollEventsName(int events) {
  return FlagNames(static_cast<uint16_t>(events), {{POLLIN, "IN"},
                                                   {POLLPRI, "PRI"},
                                                   {POLLOUT, "OUT"},
                                                   {POLLERR, "ERR"},
                                                   {POLLHUP, "HUP"},
                                                   {POLLNVAL, "NVAL"},
                                                   {POLLRDNORM, "RDNORM"},
                                                   {POLLRDBAND, "RDBAND"},
                                                   {POLLWRNORM, "WRNORM"},
                                                   {POLLWRBAND, "WRBAND"},
                                                   {POLLMSG, "MSG"},
                                                   {POLLRDHUP, "RDHUP"}});
}

}  // namespace simsock::sys
