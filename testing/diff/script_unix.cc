// Script's AF_UNIX calls (testing/diff/harness.h): socketpair, sockaddr_un
// names with their own directory on the real kernel, SO_PEERCRED, the
// ioctls and a sendmsg with one control message.
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "simsock/net/sys/names.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/testing/backend.h"
#include "simsock/testing/diff/harness.h"

namespace simsock::diff {
namespace {

using sys::FamilyName;

constexpr socklen_t kFamilyLen = offsetof(sockaddr_un, sun_path);
// The simulator's directory: it has no file system, so a fixed name
// keeps its traces the same from run to run (as long as mkdtemp's, so that
// the lengths agree).
constexpr const char* kSimUnixDir = "/tmp/simsock-unix-000000";

// An autobound name: a NUL byte and five lowercase hex digits.
bool IsAutobindName(const char* p, size_t n) {
  if (n != 6 || p[0] != '\0') return false;
  for (size_t i = 1; i < n; ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(p[i])) ||
        std::isupper(static_cast<unsigned char>(p[i])))
      return false;
  }
  return true;
}

// A name's bytes for the log: printable ones as they are, others as \xHH.
std::string Printable(const char* p, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out += static_cast<char>(c);
    } else {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

}  // namespace

socklen_t Script::UnixAddr(const std::string& name, int len,
                           sockaddr_storage* out) {
  std::memset(out, 0, sizeof *out);
  auto* sun = reinterpret_cast<sockaddr_un*>(out);
  sun->sun_family = AF_UNIX;
  std::string bytes;
  if (!name.empty() && name[0] == '@') {
    bytes = std::string(1, '\0') + name.substr(1);
  } else if (!name.empty()) {
    if (unix_dir_.empty()) {
      if (backend_.is_sim()) {
        unix_dir_ = kSimUnixDir;
      } else {
        char tmpl[] = "/tmp/simsock-unix-XXXXXX";
        const char* made = ::mkdtemp(tmpl);
        unix_dir_ = made != nullptr ? made : "/tmp/simsock-unix-failed";
      }
    }
    bytes = unix_dir_ + "/" + name;
    unix_paths_.push_back(bytes);
  }
  const size_t n = std::min(bytes.size(), sizeof(out->__ss_padding) - 1);
  std::memcpy(sun->sun_path, bytes.data(), n);
  if (len >= 0) return static_cast<socklen_t>(len);
  const bool pathname = !bytes.empty() && bytes[0] != '\0';
  return static_cast<socklen_t>(kFamilyLen + n + (pathname ? 1 : 0));
}

std::string Script::UnixAddrStr(const sockaddr_storage& a,
                                socklen_t len) const {
  if (len < kFamilyLen || len > sizeof(sockaddr_un))
    return "{len " + std::to_string(len) + "}";
  const auto* sun = reinterpret_cast<const sockaddr_un*>(&a);
  std::string out = "{";
  if (sun->sun_family != AF_UNIX) out += FamilyName(sun->sun_family) + " ";
  const size_t n = std::min<size_t>(len - kFamilyLen, sizeof sun->sun_path);
  if (n == 0) return out + "unnamed}";
  std::string text;
  if (IsAutobindName(sun->sun_path, n)) {
    text = "@<autobind>";
  } else if (sun->sun_path[0] == '\0') {
    text = "@" + Printable(sun->sun_path + 1, n - 1);
  } else {
    text = std::string(sun->sun_path, strnlen(sun->sun_path, n));
    if (!unix_dir_.empty() && text.rfind(unix_dir_ + "/", 0) == 0)
      text = "<dir>" + text.substr(unix_dir_.size());
  }
  return out + "\"" + text + "\" len " + std::to_string(len) + "}";
}

void Script::RemoveUnixDir() {
  if (backend_.is_sim() || unix_dir_.empty()) return;
  for (const auto& p : unix_paths_) ::unlink(p.c_str());
  ::rmdir(unix_dir_.c_str());
}

int Script::Socketpair(int domain, int type, int sv[2], int protocol) {
  sv[0] = sv[1] = -1;
  const int r = sys().socketpair(domain, type, protocol, sv);
  std::string line =
      "socketpair(" + FamilyName(domain) + ", " + SockTypeName(type) +
      (protocol ? ", " + std::to_string(protocol) : "") + ") = " + Result(r);
  if (r == 0) {
    NoteFd(sv[0]);
    NoteFd(sv[1]);
    line += " [" + Fd(sv[0]) + ", " + Fd(sv[1]) + "]";
  }
  Add(line);
  return r;
}

int Script::BindUnix(int fd, const std::string& name, int len) {
  sockaddr_storage a;
  const socklen_t l = UnixAddr(name, len, &a);
  const int r = sys().bind(fd, reinterpret_cast<sockaddr*>(&a), l);
  Add("bind(" + Fd(fd) + ", " + UnixAddrStr(a, l) + ") = " + Result(r));
  return r;
}

int Script::ConnectUnix(int fd, const std::string& name, int len) {
  sockaddr_storage a;
  const socklen_t l = UnixAddr(name, len, &a);
  const int r = sys().connect(fd, reinterpret_cast<sockaddr*>(&a), l);
  Add("connect(" + Fd(fd) + ", " + UnixAddrStr(a, l) + ") = " + Result(r));
  return r;
}

int Script::AcceptUnix(int fd, int flags) {
  sockaddr_storage a{};
  socklen_t l = sizeof(sockaddr_un);
  const int r = sys().accept4(fd, reinterpret_cast<sockaddr*>(&a), &l, flags);
  NoteFd(r);
  std::string line =
      "accept4(" + Fd(fd) + ", " + SockTypeName(flags) + ") = " + FdResult(r);
  if (r >= 0) line += " " + UnixAddrStr(a, l);
  Add(line);
  return r;
}

int Script::UnixName(int fd, bool peer) {
  sockaddr_storage a{};
  socklen_t l = sizeof(sockaddr_un);
  auto* sa = reinterpret_cast<sockaddr*>(&a);
  const int r =
      peer ? sys().getpeername(fd, sa, &l) : sys().getsockname(fd, sa, &l);
  std::string line = std::string(peer ? "getpeername(" : "getsockname(") +
                     Fd(fd) + ") = " + Result(r);
  if (r == 0) line += " " + UnixAddrStr(a, l);
  Add(line);
  return r;
}

int Script::PeerCred(int fd) {
  ucred c{-1, 0, 0};
  socklen_t l = sizeof c;
  const int r = sys().getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c, &l);
  std::string line = "getsockopt(" + Fd(fd) + ", SO_PEERCRED) = " + Result(r);
  if (r == 0) {
    const int self =
        backend_.is_sim()
            ? static_cast<testing::SimBackend&>(backend_).process().pid()
            : static_cast<int>(::getpid());
    const std::string pid = c.pid == self ? "self" : c.pid == 0 ? "0" : "other";
    line += " {pid " + pid + ", uid " + std::to_string(c.uid) + ", gid " +
            std::to_string(c.gid) + "} len " + std::to_string(l);
  }
  Add(line);
  return r;
}

int Script::Ioctl(int fd, unsigned long request) {
  int v = -1;
  int r;
  if (backend_.is_sim()) {
    r = static_cast<testing::SimBackend&>(backend_).process().unix_ioctl(
        fd, request, &v);
  } else {
    r = ::ioctl(fd, request, &v) == 0 ? 0 : -errno;
  }
  std::string line = "ioctl(" + Fd(fd) + ", " +
                     (request == FIONREAD ? "FIONREAD" : "SIOCOUTQ") +
                     ") = " + Result(r);
  if (r == 0) line += " " + std::to_string(v);
  Add(line);
  return r;
}

ssize_t Script::SendCmsg(int fd, std::string_view data, int level, int type,
                         int payload) {
  iovec iov{const_cast<char*>(data.data()), data.size()};
  alignas(cmsghdr) unsigned char ctl[CMSG_SPACE(sizeof(int))] = {};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl;
  m.msg_controllen = sizeof ctl;
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_len = CMSG_LEN(sizeof(int));
  c->cmsg_level = level;
  c->cmsg_type = type;
  std::memcpy(CMSG_DATA(c), &payload, sizeof payload);
  const ssize_t r = sys().sendmsg(fd, &m, 0);
  Add("sendmsg(" + Fd(fd) + ", " + std::to_string(data.size()) + ", cmsg " +
      sys::SockLevelName(level) + "/" + std::to_string(type) +
      ") = " + Result(r));
  return r;
}

ssize_t Script::RecvFromUnix(int fd, size_t n, int flags) {
  std::vector<char> buf(n + 1);
  sockaddr_storage a{};
  socklen_t l = sizeof(sockaddr_un);
  const ssize_t r = sys().recvfrom(fd, buf.data(), n, flags,
                                   reinterpret_cast<sockaddr*>(&a), &l);
  std::string line = "recvfrom(" + Fd(fd) + ", " + std::to_string(n) + ", " +
                     sys::MsgFlagsName(flags) + ") = " + Result(r);
  if (r >= 0) {
    line += " \"" + std::string(buf.data(), static_cast<size_t>(r)) + "\" " +
            UnixAddrStr(a, l);
  }
  Add(line);
  return r;
}

}  // namespace simsock::diff
