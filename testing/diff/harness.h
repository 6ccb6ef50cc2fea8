// Differential-test harness: one scripted scenario, run on the real kernel
// (sys::LinuxSyscalls over 127.0.0.1) and on a simulated process
// (sim::Process), each producing a normalised log; the two logs must match
// line by line.
//
// Normalisation: fds print relative to the first fd the scenario got (fd0,
// fd1, ...), ports print by role (<server>, <client>, <ephemeral>), errnos by
// name. Ephemeral port numbers are never printed; they are checked as
// properties (inside 32768..60999).
//
// Environment:
//   SIMSOCK_DIFF_BACKEND=linux|sim  run one backend only and print its log.
//   SIMSOCK_DIFF_SEED=<n>           seed of the simulated world (default 1).
//   SIMSOCK_DIFF_VERBOSE=1          print both logs even when they match.
//
// Threading: single-threaded. A Script owns no thread; the Linux backend
// sleeps the calling thread in Settle()/Advance().
//
// The scenarios themselves live in the project's tests/diff/, with the
// recorded Linux logs (recording.h) they are compared against.
#pragma once

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/net/sys/syscalls.h"
#include "simsock/testing/backend.h"

namespace simsock::diff {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// The kernels a scenario runs against (simsock/testing/backend.h).
using Backend = ::simsock::testing::Backend;
using ::simsock::testing::OpenFds;
std::unique_ptr<Backend> MakeLinuxBackend();
std::unique_ptr<Backend> MakeSimBackend(uint64_t seed);

// An IPv4 endpoint as a scenario writes it. family may be changed to build
// malformed addresses (AF_INET6, AF_UNSPEC) in the same 16-byte sockaddr_in.
struct Ep {
  std::string ip = "127.0.0.1";
  uint16_t port = 0;
  int family = AF_INET;
};
inline Ep Lo(uint16_t port) { return Ep{"127.0.0.1", port, AF_INET}; }
inline Ep Any(uint16_t port) { return Ep{"0.0.0.0", port, AF_INET}; }

sockaddr_in ToSockaddr(const Ep& ep);

// Names used in logs.
std::string ErrnoName(int e);
std::string EpollMaskName(uint32_t mask);
std::string SockTypeName(int type);

// A scenario's view of one backend: every call goes through here and is
// logged as one normalised line.
class Script {
 public:
  explicit Script(Backend& backend);
  ~Script();  // closes every fd the scenario left open (unlogged)
  Script(const Script&) = delete;
  Script& operator=(const Script&) = delete;

  Backend& backend() { return backend_; }
  sys::Syscalls& sys() { return backend_.sys(); }
  bool is_sim() const { return backend_.is_sim(); }
  const std::vector<std::string>& log() const { return log_; }

  // --- ports and names ----------------------------------------------------
  // A free port, printed as <role> from now on.
  uint16_t Port(const std::string& role);
  // Names an already known port (e.g. a client's ephemeral one).
  void NamePort(uint16_t port, const std::string& role);
  // getsockname(fd) and names its port role; checks the ephemeral range
  // (a logged property) when in_ephemeral_range. Returns the port.
  uint16_t NameLocalPort(int fd, const std::string& role,
                         bool check_ephemeral = true);

  // --- logged syscalls ----------------------------------------------------
  int Socket(int domain, int type, int protocol = 0);
  int Tcp() { return Socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK); }
  int Udp() { return Socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK); }
  int Bind(int fd, const Ep& ep, socklen_t len = sizeof(sockaddr_in));
  int BindNull(int fd, socklen_t len);
  int Listen(int fd, int backlog);
  // accept4 with a 16-byte address buffer; the peer is logged.
  int Accept(int fd, int flags = SOCK_NONBLOCK);
  // accept4 with an address buffer of addr_len bytes (may be negative or 0)
  // or no buffer at all (addr_len == kNoAddr).
  static constexpr int kNoAddr = -1000;
  int AcceptLen(int fd, int addr_len, int flags);
  int Connect(int fd, const Ep& ep, socklen_t len = sizeof(sockaddr_in));
  int ConnectUnspec(int fd);
  ssize_t Read(int fd, size_t n);
  ssize_t ReadNull(int fd, size_t n);
  ssize_t Write(int fd, std::string_view data);
  ssize_t WriteFill(int fd, size_t n, char fill = 'x');
  ssize_t WriteNull(int fd, size_t n);
  // recvfrom with a 16-byte address buffer (logged) unless no_addr.
  ssize_t Recv(int fd, size_t n, int flags, bool with_addr = true);
  ssize_t RecvNull(int fd, size_t n, int flags);
  ssize_t SendTo(int fd, std::string_view data, int flags, const Ep* to,
                 socklen_t len = sizeof(sockaddr_in));
  ssize_t Send(int fd, std::string_view data, int flags = 0) {
    return SendTo(fd, data, flags, nullptr);
  }
  ssize_t SendToFill(int fd, size_t n, int flags, const Ep* to);
  ssize_t SendToNull(int fd, size_t n, const Ep* to);
  int Shutdown(int fd, int how);
  int Close(int fd);
  // getsockopt of an int-sized option: logs "= 0 [value]" (and the length
  // when it is not 4).
  int GetInt(int fd, int level, int name, socklen_t len = sizeof(int));
  int GetIntNull(int fd, int level, int name);
  int SetInt(int fd, int level, int name, int value,
             socklen_t len = sizeof(int));
  int SetIntNull(int fd, int level, int name);
  int GetLinger(int fd, socklen_t len = sizeof(struct linger));
  int SetLinger(int fd, int onoff, int secs,
                socklen_t len = sizeof(struct linger));
  // getsockname/getpeername with a buffer of len bytes (may be negative).
  int GetSockName(int fd, int len = sizeof(sockaddr_in));
  int GetPeerName(int fd, int len = sizeof(sockaddr_in));
  int Fcntl(int fd, int cmd, long arg = 0);
  int EpollCreate(int flags = 0);
  int EpollCtl(int epfd, int op, int fd, uint32_t events);
  int EpollCtlNull(int epfd, int op, int fd);
  // Waits with timeout 0 and logs the ready set sorted by fd.
  int EpollWait(int epfd, int maxevents = 16);
  // pipes and eventfds: pipe2 (the two fds logged), eventfd2, and an
  // eventfd's read / write of n bytes (a 64-bit value in the first 8).
  int Pipe2(int flags, int fds[2]);
  int EventFd(unsigned int initval, int flags);
  ssize_t ReadU64(int fd, size_t n = 8);
  ssize_t WriteU64(int fd, uint64_t value, size_t n = 8);

  // --- AF_UNIX sockets (testing/diff/script_unix.cc) -----------------------
  // A name is "@abc" (abstract: a NUL byte, then "abc"), "" (just the
  // family: autobind for bind), or a pathname in the scenario's own
  // directory ("s" is <dir>/s: a fresh /tmp directory on Linux, removed
  // with what was bound in it when the Script ends; a fixed one in the
  // simulator, whose names are its host's table). len -1: the usual length
  // (a pathname's counts its NUL).
  int Socketpair(int domain, int type, int sv[2], int protocol = 0);
  int UnixSocket(int flags = 0) { return Socket(AF_UNIX, SOCK_STREAM | flags); }
  int BindUnix(int fd, const std::string& name, int len = -1);
  int ConnectUnix(int fd, const std::string& name, int len = -1);
  // accept4 with room for a sockaddr_un: logs the peer's address.
  int AcceptUnix(int fd, int flags = SOCK_NONBLOCK);
  // getsockname / getpeername with room for a sockaddr_un.
  int UnixName(int fd, bool peer);
  // getsockopt(SO_PEERCRED): the pid as "self" (the calling process), "0"
  // or "other", and the ids.
  int PeerCred(int fd);
  // ioctl(FIONREAD or SIOCOUTQ): the count.
  int Ioctl(int fd, unsigned long request);
  // sendmsg of `data` with one SOL_SOCKET control message of `type` (and
  // an int's data), as SCM_RIGHTS passing fd `payload`.
  ssize_t SendCmsg(int fd, std::string_view data, int level, int type,
                   int payload);
  // recvfrom with room for a sockaddr_un: the bytes and the name length.
  ssize_t RecvFromUnix(int fd, size_t n, int flags);

  // --- composite, logged as one summary line -------------------------------
  // Reads until EAGAIN, 0 or an error (at most max_calls reads of chunk
  // bytes). Logs the byte total, the terminating result and whether the
  // bytes were the expected pattern (see PatternByte).
  struct Drained {
    size_t total = 0;
    ssize_t last = 0;  // terminating result (0, -EAGAIN, ...)
    bool pattern_ok = true;
  };
  Drained ReadAll(int fd, size_t chunk = 65536, int max_calls = 4096,
                  size_t pattern_offset = 0);
  // Writes PatternByte-stream chunks until EAGAIN or an error. Logs the
  // terminating result only (the total goes to a property check).
  struct Filled {
    size_t total = 0;
    ssize_t last = 0;
    int partial_writes = 0;
  };
  Filled WriteUntilEagain(int fd, size_t chunk = 65536, int max_calls = 4096,
                          size_t pattern_offset = 0);
  static char PatternByte(size_t i) {
    return static_cast<char>('a' + (i * 7 + i / 251) % 26);
  }

  // --- time ----------------------------------------------------------------
  void Settle();
  void Advance(nanoseconds d);

  // --- free-form lines -------------------------------------------------------
  // Logs "check <what> = true|false"; returns ok.
  bool Check(const std::string& what, bool ok);
  void Note(const std::string& text);
  // Logs a line verbatim.
  void Line(const std::string& text) { Add(text); }
  // Logs "<desc> = <result>" for a call the scenario made through sys().
  long Raw(const std::string& desc, long result);

  // Accepts a difference between the backends on lines whose Linux text
  // matches `pattern` (ECMAScript regex, whole line). `reason` goes to docs.
  void Diverge(const std::string& pattern, const std::string& reason);
  struct Divergence {
    std::string pattern;
    std::string reason;
  };
  const std::vector<Divergence>& divergences() const { return divergences_; }

  // An fd number no table reaches; printed as fd<huge>.
  static constexpr int kHugeFd = 100000;
  // Normalised names.
  std::string Fd(int fd) const;
  std::string Addr(const sockaddr* sa, socklen_t len) const;
  std::string EpStr(const Ep& ep) const;
  std::string PortStr(uint16_t port) const;
  std::string Result(long r) const;   // "0", "5", "-EAGAIN"
  std::string FdResult(int r) const;  // "fd3" or "-EMFILE"

 private:
  void Add(std::string line);
  void NoteFd(int fd);
  int LogName(const char* call,
              int (sys::Syscalls::*fn)(int, sockaddr*, socklen_t*), int fd,
              int len);

  // The AF_UNIX names: the address for `name` (see BindUnix), its
  // length, and the log's text for an address.
  socklen_t UnixAddr(const std::string& name, int len, sockaddr_storage* out);
  std::string UnixAddrStr(const sockaddr_storage& a, socklen_t len) const;
  // Removes the pathnames bound and the directory (Linux only).
  void RemoveUnixDir();

  Backend& backend_;
  std::string unix_dir_;                 // made on the first pathname
  std::vector<std::string> unix_paths_;  // bound there (Linux: removed)
  std::vector<std::string> log_;
  int base_fd_ = -1;
  std::set<int> foreign_fds_;
  std::set<int> open_fds_;
  std::map<uint16_t, std::string> port_roles_;
  std::vector<Divergence> divergences_;
};

// --- scenario registry
// --------------------------------------------------------
struct Scenario {
  std::string name;
  std::string file;
  std::function<void(Script&)> body;
};
std::vector<Scenario>& Registry();
// gtest prints a parameter through this.
inline void PrintTo(const Scenario& s, std::ostream* os) { *os << s.name; }
bool Register(const char* name, const char* file, void (*body)(Script&));

}  // namespace simsock::diff

// Defines and registers a scenario. The body runs once per backend with
// `s` the Script of that backend.
#define DIFF_SCENARIO(name)                                             \
  static void DiffScenario_##name(::simsock::diff::Script& s);          \
  [[maybe_unused]] static const bool diff_registered_##name =           \
      ::simsock::diff::Register(#name, __FILE__, &DiffScenario_##name); \
  static void DiffScenario_##name(::simsock::diff::Script& s)
