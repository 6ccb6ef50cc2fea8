// Differential-test harness: the Script's normalised names and its logged
// syscalls (composite calls: script_composite.cc; registry: registry.cc).
#include "simsock/testing/diff/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "simsock/net/sys/linux_syscalls.h"
#include "simsock/net/sys/names.h"
#include "simsock/testing/sockets.h"

namespace simsock::diff {
namespace {

constexpr uint16_t kEphemeralLo = 32768;
constexpr uint16_t kEphemeralHi = 60999;

std::string Escape(std::string_view data) {
  std::string out;
  for (char c : data) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c >= 0x20 && c < 0x7f) {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x",
                    static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    }
  }
  return out;
}

std::string DataStr(const char* buf, ssize_t n) {
  if (n <= 0) return "";
  if (n <= 48) return " \"" + Escape(std::string_view(buf, n)) + "\"";
  uint32_t h = 2166136261u;  // FNV-1a
  for (ssize_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(buf[i]);
    h *= 16777619u;
  }
  char tmp[32];
  std::snprintf(tmp, sizeof tmp, " <fnv %08x>", h);
  return tmp;
}

using sys::EpollOpName;
using sys::FamilyName;
using sys::FcntlCmdName;
using sys::MsgFlagsName;
std::string LevelName(int level) { return sys::SockLevelName(level); }
std::string OptName(int level, int name) {
  return sys::SockOptName(level, name);
}
std::string HowName(int how) { return sys::ShutdownHowName(how); }

// F_GETFL results and F_SETFL arguments: "O_RDWR|O_NONBLOCK", "O_APPEND",
// "0". The access mode is printed only when it is not 0 (F_SETFL ignores it).
std::string FlFlags(int fl) {
  return sys::FlagNames(static_cast<uint32_t>(fl), {{O_RDWR, "O_RDWR"},
                                                    {O_WRONLY, "O_WRONLY"},
                                                    {O_NONBLOCK, "O_NONBLOCK"},
                                                    {O_APPEND, "O_APPEND"},
                                                    {O_ASYNC, "O_ASYNC"},
                                                    {O_NOATIME, "O_NOATIME"},
                                                    {O_DIRECT, "O_DIRECT"},
                                                    {O_CLOEXEC, "O_CLOEXEC"}});
}

std::string AcceptFlagsName(int flags) {
  if (flags == 0) return "0";
  std::string out;
  if (flags & SOCK_NONBLOCK) out = "SOCK_NONBLOCK";
  if (flags & SOCK_CLOEXEC)
    out += std::string(out.empty() ? "" : "|") + "SOCK_CLOEXEC";
  int rest = flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (rest) out += (out.empty() ? "" : "|") + std::to_string(rest);
  return out;
}

}  // namespace

std::unique_ptr<Backend> MakeLinuxBackend() {
  return std::make_unique<testing::LinuxBackend>();
}

std::unique_ptr<Backend> MakeSimBackend(uint64_t seed) {
  return std::make_unique<testing::SimBackend>(seed);
}

sockaddr_in ToSockaddr(const Ep& ep) {
  sockaddr_in a = testing::Addr(ep.ip.c_str(), ep.port);
  a.sin_family = static_cast<sa_family_t>(ep.family);
  return a;
}

std::string ErrnoName(int e) { return sys::ErrnoName(e); }
std::string EpollMaskName(uint32_t mask) { return sys::EpollEventsName(mask); }
std::string SockTypeName(int type) { return sys::SockTypeName(type); }

// --- Script
// --------------------------------------------------------------------

Script::Script(Backend& backend)
    : backend_(backend), foreign_fds_(backend.ForeignFds()) {}

Script::~Script() {
  // Close in reverse so that listeners go last and nothing is re-used.
  for (auto it = open_fds_.rbegin(); it != open_fds_.rend(); ++it) {
    backend_.sys().close(*it);
  }
  RemoveUnixDir();
}

void Script::Add(std::string line) { log_.push_back(std::move(line)); }

void Script::NoteFd(int fd) {
  if (fd < 0) return;
  if (base_fd_ < 0) base_fd_ = fd;
  open_fds_.insert(fd);
}

std::string Script::Fd(int fd) const {
  if (fd >= kHugeFd) return "fd<huge>";
  if (base_fd_ < 0 || fd < base_fd_) return "rawfd" + std::to_string(fd);
  // Skip the foreign fds between the base and fd.
  int skipped = static_cast<int>(std::distance(
      foreign_fds_.upper_bound(base_fd_), foreign_fds_.lower_bound(fd)));
  return "fd" + std::to_string(fd - base_fd_ - skipped);
}

std::string Script::PortStr(uint16_t port) const {
  auto it = port_roles_.find(port);
  if (it != port_roles_.end()) return "<" + it->second + ">";
  if (port == 0) return "0";
  if (port >= kEphemeralLo && port <= kEphemeralHi) return "<ephemeral>";
  return "<unnamed " + std::to_string(port) + ">";
}

std::string Script::EpStr(const Ep& ep) const {
  std::string out;
  if (ep.family != AF_INET) out = FamilyName(ep.family) + " ";
  return out + ep.ip + ":" + PortStr(ep.port);
}

std::string Script::Addr(const sockaddr* sa, socklen_t len) const {
  if (len == 0) return "{len 0}";
  const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
  std::string out;
  if (in->sin_family != AF_INET) out = FamilyName(in->sin_family) + " ";
  char ip[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
  out += std::string(ip) + ":" + PortStr(ntohs(in->sin_port));
  if (len != sizeof(sockaddr_in)) out += " (len " + std::to_string(len) + ")";
  return out;
}

std::string Script::Result(long r) const {
  if (r < 0) return "-" + ErrnoName(static_cast<int>(-r));
  return std::to_string(r);
}

std::string Script::FdResult(int r) const {
  if (r < 0) return Result(r);
  return Fd(r);
}

uint16_t Script::Port(const std::string& role) {
  uint16_t p = backend_.FreePort();
  port_roles_[p] = role;
  return p;
}

void Script::NamePort(uint16_t port, const std::string& role) {
  port_roles_[port] = role;
}

uint16_t Script::NameLocalPort(int fd, const std::string& role,
                               bool check_ephemeral) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  int r = sys().getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  uint16_t port = r == 0 ? ntohs(a.sin_port) : 0;
  if (check_ephemeral) {
    Check("local port of " + Fd(fd) + " is ephemeral (32768..60999)",
          port >= kEphemeralLo && port <= kEphemeralHi);
  }
  if (port != 0) port_roles_[port] = role;
  return port;
}

int Script::Socket(int domain, int type, int protocol) {
  int r = sys().socket(domain, type, protocol);
  NoteFd(r);
  Add("socket(" + FamilyName(domain) + ", " + SockTypeName(type) +
      (protocol ? ", " + std::to_string(protocol) : "") + ") = " + FdResult(r));
  return r;
}

int Script::Bind(int fd, const Ep& ep, socklen_t len) {
  sockaddr_in a = ToSockaddr(ep);
  int r = sys().bind(fd, reinterpret_cast<sockaddr*>(&a), len);
  Add("bind(" + Fd(fd) + ", " + EpStr(ep) +
      (len != sizeof a ? ", len " + std::to_string(len) : "") +
      ") = " + Result(r));
  return r;
}

int Script::BindNull(int fd, socklen_t len) {
  int r = sys().bind(fd, nullptr, len);
  Add("bind(" + Fd(fd) + ", NULL, " + std::to_string(len) + ") = " + Result(r));
  return r;
}

int Script::Listen(int fd, int backlog) {
  int r = sys().listen(fd, backlog);
  Add("listen(" + Fd(fd) + ", " + std::to_string(backlog) + ") = " + Result(r));
  return r;
}

int Script::Accept(int fd, int flags) {
  return AcceptLen(fd, sizeof(sockaddr_in), flags);
}

int Script::AcceptLen(int fd, int addr_len, int flags) {
  sockaddr_in a{};
  socklen_t len = static_cast<socklen_t>(addr_len);
  int r = addr_len == kNoAddr
              ? sys().accept4(fd, nullptr, nullptr, flags)
              : sys().accept4(fd, reinterpret_cast<sockaddr*>(&a), &len, flags);
  NoteFd(r);
  std::string line = "accept4(" + Fd(fd);
  if (addr_len != kNoAddr && addr_len != sizeof a) {
    line += ", len " + std::to_string(addr_len);
  }
  if (addr_len == kNoAddr) line += ", NULL";
  line += ", " + AcceptFlagsName(flags);
  line += ") = " + FdResult(r);
  if (r >= 0 && addr_len != kNoAddr) {
    if (static_cast<int>(len) != addr_len || addr_len >= 16) {
      line += " len " + std::to_string(len);
    }
    if (addr_len >= static_cast<int>(sizeof a)) {
      line += " peer " + Addr(reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
  }
  Add(line);
  return r;
}

int Script::Connect(int fd, const Ep& ep, socklen_t len) {
  sockaddr_in a = ToSockaddr(ep);
  int r = sys().connect(fd, reinterpret_cast<sockaddr*>(&a), len);
  Add("connect(" + Fd(fd) + ", " + EpStr(ep) +
      (len != sizeof a ? ", len " + std::to_string(len) : "") +
      ") = " + Result(r));
  return r;
}

int Script::ConnectUnspec(int fd) {
  sockaddr_in a{};
  a.sin_family = AF_UNSPEC;
  int r = sys().connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  Add("connect(" + Fd(fd) + ", AF_UNSPEC) = " + Result(r));
  return r;
}

ssize_t Script::Read(int fd, size_t n) {
  std::vector<char> buf(n + 1);
  ssize_t r = sys().read(fd, buf.data(), n);
  Add("read(" + Fd(fd) + ", " + std::to_string(n) + ") = " + Result(r) +
      DataStr(buf.data(), r));
  return r;
}

ssize_t Script::ReadNull(int fd, size_t n) {
  ssize_t r = sys().read(fd, nullptr, n);
  Add("read(" + Fd(fd) + ", NULL, " + std::to_string(n) + ") = " + Result(r));
  return r;
}

ssize_t Script::Write(int fd, std::string_view data) {
  ssize_t r = sys().write(fd, data.data(), data.size());
  std::string shown =
      data.empty() ? std::string(" \"\"") : DataStr(data.data(), data.size());
  Add("write(" + Fd(fd) + "," + shown + ") = " + Result(r));
  return r;
}

ssize_t Script::WriteFill(int fd, size_t n, char fill) {
  std::string data(n, fill);
  ssize_t r = sys().write(fd, data.data(), n);
  Add("write(" + Fd(fd) + ", " + std::to_string(n) + " x '" +
      std::string(1, fill) + "') = " + Result(r));
  return r;
}

ssize_t Script::WriteNull(int fd, size_t n) {
  ssize_t r = sys().write(fd, nullptr, n);
  Add("write(" + Fd(fd) + ", NULL, " + std::to_string(n) + ") = " + Result(r));
  return r;
}

ssize_t Script::Recv(int fd, size_t n, int flags, bool with_addr) {
  std::vector<char> buf(n + 1);
  sockaddr_in a{};
  a.sin_family = 0xAB;  // detects "not filled"
  socklen_t len = sizeof a;
  ssize_t r = with_addr
                  ? sys().recvfrom(fd, buf.data(), n, flags,
                                   reinterpret_cast<sockaddr*>(&a), &len)
                  : sys().recvfrom(fd, buf.data(), n, flags, nullptr, nullptr);
  std::string line = "recvfrom(" + Fd(fd) + ", " + std::to_string(n) + ", " +
                     MsgFlagsName(flags) + ") = " + Result(r) +
                     DataStr(buf.data(), std::min<ssize_t>(r, n));
  if (r >= 0 && with_addr) {
    line += " from " + (len == 0 ? std::string("{len 0}")
                                 : Addr(reinterpret_cast<sockaddr*>(&a), len));
  }
  Add(line);
  return r;
}

ssize_t Script::RecvNull(int fd, size_t n, int flags) {
  ssize_t r = sys().recvfrom(fd, nullptr, n, flags, nullptr, nullptr);
  Add("recvfrom(" + Fd(fd) + ", NULL, " + std::to_string(n) + ", " +
      MsgFlagsName(flags) + ") = " + Result(r));
  return r;
}

ssize_t Script::SendTo(int fd, std::string_view data, int flags, const Ep* to,
                       socklen_t len) {
  sockaddr_in a{};
  if (to) a = ToSockaddr(*to);
  ssize_t r = sys().sendto(fd, data.data(), data.size(), flags,
                           to ? reinterpret_cast<sockaddr*>(&a) : nullptr,
                           to ? len : 0);
  Add("sendto(" + Fd(fd) + ", \"" + Escape(data) + "\", " +
      MsgFlagsName(flags) + ", " + (to ? EpStr(*to) : std::string("NULL")) +
      (to && len != sizeof a ? ", len " + std::to_string(len) : "") +
      ") = " + Result(r));
  return r;
}

ssize_t Script::SendToFill(int fd, size_t n, int flags, const Ep* to) {
  std::string data(n, 'u');
  sockaddr_in a{};
  if (to) a = ToSockaddr(*to);
  ssize_t r = sys().sendto(fd, data.data(), n, flags,
                           to ? reinterpret_cast<sockaddr*>(&a) : nullptr,
                           to ? sizeof a : 0);
  Add("sendto(" + Fd(fd) + ", " + std::to_string(n) + " bytes, " +
      MsgFlagsName(flags) + ", " + (to ? EpStr(*to) : std::string("NULL")) +
      ") = " + Result(r));
  return r;
}

ssize_t Script::SendToNull(int fd, size_t n, const Ep* to) {
  sockaddr_in a{};
  if (to) a = ToSockaddr(*to);
  ssize_t r = sys().sendto(fd, nullptr, n, 0,
                           to ? reinterpret_cast<sockaddr*>(&a) : nullptr,
                           to ? sizeof a : 0);
  Add("sendto(" + Fd(fd) + ", NULL, " + std::to_string(n) + ", " +
      (to ? EpStr(*to) : std::string("NULL")) + ") = " + Result(r));
  return r;
}

int Script::Shutdown(int fd, int how) {
  int r = sys().shutdown(fd, how);
  Add("shutdown(" + Fd(fd) + ", " + HowName(how) + ") = " + Result(r));
  return r;
}

int Script::Close(int fd) {
  int r = sys().close(fd);
  if (r == 0) open_fds_.erase(fd);
  Add("close(" + Fd(fd) + ") = " + Result(r));
  return r;
}

int Script::GetInt(int fd, int level, int name, socklen_t len) {
  int v = -12345;
  socklen_t l = len;
  int r = sys().getsockopt(fd, level, name, &v, &l);
  std::string line =
      "getsockopt(" + Fd(fd) + ", " + LevelName(level) + ", " +
      OptName(level, name) +
      (len != sizeof(int) ? ", len " + std::to_string(len) : "") +
      ") = " + Result(r);
  if (r == 0) {
    if (level == SOL_SOCKET && name == SO_ERROR) {
      line += " [" + (v == 0 ? std::string("0") : ErrnoName(v)) + "]";
    } else if (l >= sizeof(int)) {
      line += " [" + std::to_string(v) + "]";
    } else {
      // Truncated: show the bytes that were written.
      unsigned char bytes[sizeof(int)];
      std::memcpy(bytes, &v, sizeof v);
      line += " [bytes";
      for (socklen_t i = 0; i < l; ++i) line += " " + std::to_string(bytes[i]);
      line += "]";
    }
    if (l != sizeof(int)) line += " len " + std::to_string(l);
  }
  Add(line);
  return r == 0 ? v : r;
}

int Script::GetIntNull(int fd, int level, int name) {
  socklen_t l = sizeof(int);
  int r = sys().getsockopt(fd, level, name, nullptr, &l);
  Add("getsockopt(" + Fd(fd) + ", " + LevelName(level) + ", " +
      OptName(level, name) + ", NULL) = " + Result(r));
  return r;
}

int Script::SetInt(int fd, int level, int name, int value, socklen_t len) {
  int r = sys().setsockopt(fd, level, name, &value, len);
  Add("setsockopt(" + Fd(fd) + ", " + LevelName(level) + ", " +
      OptName(level, name) + ", " + std::to_string(value) +
      (len != sizeof(int) ? ", len " + std::to_string(len) : "") +
      ") = " + Result(r));
  return r;
}

int Script::SetIntNull(int fd, int level, int name) {
  int r = sys().setsockopt(fd, level, name, nullptr, sizeof(int));
  Add("setsockopt(" + Fd(fd) + ", " + LevelName(level) + ", " +
      OptName(level, name) + ", NULL) = " + Result(r));
  return r;
}

int Script::GetLinger(int fd, socklen_t len) {
  struct linger lg {
    - 7, -7
  };
  socklen_t l = len;
  int r = sys().getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &l);
  std::string line = "getsockopt(" + Fd(fd) + ", SOL_SOCKET, SO_LINGER" +
                     (len != sizeof lg ? ", len " + std::to_string(len) : "") +
                     ") = " + Result(r);
  if (r == 0) {
    line += " [" + std::to_string(lg.l_onoff) + "," +
            std::to_string(lg.l_linger) + "] len " + std::to_string(l);
  }
  Add(line);
  return r;
}

int Script::SetLinger(int fd, int onoff, int secs, socklen_t len) {
  struct linger lg {
    onoff, secs
  };
  int r = sys().setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, len);
  Add("setsockopt(" + Fd(fd) + ", SOL_SOCKET, SO_LINGER, {" +
      std::to_string(onoff) + "," + std::to_string(secs) + "}" +
      (len != sizeof lg ? ", len " + std::to_string(len) : "") +
      ") = " + Result(r));
  return r;
}

int Script::GetSockName(int fd, int len) {
  return LogName("getsockname", &sys::Syscalls::getsockname, fd, len);
}

int Script::GetPeerName(int fd, int len) {
  return LogName("getpeername", &sys::Syscalls::getpeername, fd, len);
}

// getsockname / getpeername with a buffer of `len` bytes: the address when
// it fits, else the length the kernel reported.
int Script::LogName(const char* call,
                    int (sys::Syscalls::*fn)(int, sockaddr*, socklen_t*),
                    int fd, int len) {
  sockaddr_in a{};
  socklen_t l = static_cast<socklen_t>(len);
  int r = (sys().*fn)(fd, reinterpret_cast<sockaddr*>(&a), &l);
  std::string line = std::string(call) + "(" + Fd(fd) +
                     (len != sizeof a ? ", len " + std::to_string(len) : "") +
                     ") = " + Result(r);
  if (r == 0) {
    if (len >= static_cast<int>(sizeof a)) {
      line += " " + Addr(reinterpret_cast<sockaddr*>(&a), l);
    } else {
      line += " len " + std::to_string(l);
    }
  }
  Add(line);
  return r;
}

int Script::Fcntl(int fd, int cmd, long arg) {
  int r = sys().fcntl(fd, cmd, arg);
  std::string line = "fcntl(" + Fd(fd) + ", " + FcntlCmdName(cmd);
  if (cmd == F_SETFL) line += ", " + FlFlags(static_cast<int>(arg));
  if (cmd == F_SETFD)
    line += ", " +
            std::string(arg == FD_CLOEXEC ? "FD_CLOEXEC" : std::to_string(arg));
  if (cmd == F_SETPIPE_SZ) line += ", " + std::to_string(arg);
  line += ") = ";
  if (r >= 0 && cmd == F_GETFL) {
    line += FlFlags(r);
  } else if (r >= 0 && cmd == F_GETFD) {
    line += r == FD_CLOEXEC ? "FD_CLOEXEC" : std::to_string(r);
  } else if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) {
    NoteFd(r);
    line += Fd(r);
  } else {
    line += Result(r);
  }
  Add(line);
  return r;
}

// --- pipes and eventfds

int Script::Pipe2(int flags, int fds[2]) {
  fds[0] = fds[1] = -1;
  int r = sys().pipe2(fds, flags);
  std::string line = "pipe2(" + sys::PipeFlagsName(flags) + ") = " + Result(r);
  if (r == 0) {
    NoteFd(fds[0]);
    NoteFd(fds[1]);
    line += " [" + Fd(fds[0]) + ", " + Fd(fds[1]) + "]";
  }
  Add(line);
  return r;
}

int Script::EventFd(unsigned int initval, int flags) {
  int r = sys().eventfd2(initval, flags);
  NoteFd(r);
  Add("eventfd2(" + std::to_string(initval) + ", " +
      sys::EventFdFlagsName(flags) + ") = " + FdResult(r));
  return r;
}

ssize_t Script::ReadU64(int fd, size_t n) {
  std::vector<unsigned char> buf(std::max<size_t>(n, 8), 0);
  ssize_t r = sys().read(fd, buf.data(), n);
  std::string line =
      "read(" + Fd(fd) + ", " + std::to_string(n) + ") = " + Result(r);
  if (r == 8) {
    uint64_t v;
    std::memcpy(&v, buf.data(), 8);
    line += " [" + std::to_string(v) + "]";
  }
  Add(line);
  return r;
}

ssize_t Script::WriteU64(int fd, uint64_t value, size_t n) {
  std::vector<unsigned char> buf(std::max<size_t>(n, 8), 0);
  std::memcpy(buf.data(), &value, 8);
  ssize_t r = sys().write(fd, buf.data(), n);
  Add("write(" + Fd(fd) + ", [" + std::to_string(value) + "], " +
      std::to_string(n) + ") = " + Result(r));
  return r;
}

int Script::EpollCreate(int flags) {
  int r = sys().epoll_create1(flags);
  NoteFd(r);
  Add("epoll_create1(" +
      (flags == EPOLL_CLOEXEC ? std::string("EPOLL_CLOEXEC")
                              : std::to_string(flags)) +
      ") = " + FdResult(r));
  return r;
}

int Script::EpollCtl(int epfd, int op, int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = static_cast<uint64_t>(static_cast<uint32_t>(fd));
  int r = sys().epoll_ctl(epfd, op, fd, &ev);
  Add("epoll_ctl(" + Fd(epfd) + ", " + EpollOpName(op) + ", " + Fd(fd) + ", " +
      EpollMaskName(events) + ") = " + Result(r));
  return r;
}

int Script::EpollCtlNull(int epfd, int op, int fd) {
  int r = sys().epoll_ctl(epfd, op, fd, nullptr);
  Add("epoll_ctl(" + Fd(epfd) + ", " + EpollOpName(op) + ", " + Fd(fd) +
      ", NULL) = " + Result(r));
  return r;
}

int Script::EpollWait(int epfd, int maxevents) {
  epoll_event evs[64];
  int r = sys().epoll_wait(epfd, evs, std::min(maxevents, 64), 0);
  std::string line =
      "epoll_wait(" + Fd(epfd) +
      (maxevents != 16 ? ", max " + std::to_string(maxevents) : "") + ") = ";
  if (r < 0) {
    line += Result(r);
  } else {
    std::vector<std::pair<int, uint32_t>> ready;
    for (int i = 0; i < r; ++i) {
      uint32_t events = evs[i].events;
      ready.emplace_back(static_cast<int>(evs[i].data.u64), events);
    }
    std::sort(ready.begin(), ready.end());
    line += "[";
    for (size_t i = 0; i < ready.size(); ++i) {
      if (i) line += ", ";
      line += Fd(ready[i].first) + ": " + EpollMaskName(ready[i].second);
    }
    line += "]";
  }
  Add(line);
  return r;
}

}  // namespace simsock::diff
