// Error: see error.h. Texts are Go's (net.go, ipsock.go, lookup.go,
// syscall's zerrors_linux_amd64.go).
#include "simsock/net/error.h"

#include <cerrno>

namespace simsock::net {

std::string ErrnoText(int err) {
  switch (err) {
    case EPERM:
      return "operation not permitted";
    case ENOENT:
      return "no such file or directory";
    case EINTR:
      return "interrupted system call";
    case EIO:
      return "input/output error";
    case EBADF:
      return "bad file descriptor";
    case EAGAIN:
      return "resource temporarily unavailable";
    case ENOMEM:
      return "cannot allocate memory";
    case EACCES:
      return "permission denied";
    case EFAULT:
      return "bad address";
    case EEXIST:
      return "file exists";
    case EINVAL:
      return "invalid argument";
    case ENFILE:
      return "too many open files in system";
    case EMFILE:
      return "too many open files";
    case EPIPE:
      return "broken pipe";
    case ENOSYS:
      return "function not implemented";
    case ELOOP:
      return "too many levels of symbolic links";
    case ENOTSOCK:
      return "socket operation on non-socket";
    case EDESTADDRREQ:
      return "destination address required";
    case EMSGSIZE:
      return "message too long";
    case EPROTOTYPE:
      return "protocol wrong type for socket";
    case ENOPROTOOPT:
      return "protocol not available";
    case EPROTONOSUPPORT:
      return "protocol not supported";
    case ESOCKTNOSUPPORT:
      return "socket type not supported";
    case EOPNOTSUPP:
      return "operation not supported";
    case EPFNOSUPPORT:
      return "protocol family not supported";
    case EAFNOSUPPORT:
      return "address family not supported by protocol";
    case EADDRINUSE:
      return "address already in use";
    case EADDRNOTAVAIL:
      return "cannot assign requested address";
    case ENETDOWN:
      return "network is down";
    case ENETUNREACH:
      return "network is unreachable";
    case ENETRESET:
      return "network dropped connection on reset";
    case ECONNABORTED:
      return "software caused connection abort";
    case ECONNRESET:
      return "connection reset by peer";
    case ENOBUFS:
      return "no buffer space available";
    case EISCONN:
      return "transport endpoint is already connected";
    case ENOTCONN:
      return "transport endpoint is not connected";
    case ESHUTDOWN:
      return "cannot send after transport endpoint shutdown";
    case ETIMEDOUT:
      return "connection timed out";
    case ECONNREFUSED:
      return "connection refused";
    case EHOSTDOWN:
      return "host is down";
    case EHOSTUNREACH:
      return "no route to host";
    case EALREADY:
      return "operation already in progress";
    case EINPROGRESS:
      return "operation now in progress";
    case EPROTO:
      return "protocol error";
    default:
      return "errno " + std::to_string(err);
  }
}

Error Error::FromErrno(int err, std::string syscall) {
  Error e(Kind::kErrno);
  e.errno_ = err;
  e.syscall_ = std::move(syscall);
  return e;
}

Error Error::DeadlineExceeded() { return Error(Kind::kTimeout); }
Error Error::ErrClosed() { return Error(Kind::kClosed); }

Error Error::AddrErr(std::string text, std::string addr) {
  Error e(Kind::kAddr);
  e.text_ = std::move(text);
  e.subject_ = std::move(addr);
  return e;
}

Error Error::DNS(std::string text, std::string name, bool not_found,
                 bool temporary) {
  Error e(Kind::kDNS);
  e.text_ = std::move(text);
  e.subject_ = std::move(name);
  e.not_found_ = not_found;
  e.temporary_ = temporary;
  return e;
}

Error Error::UnknownNetwork(std::string network) {
  Error e(Kind::kUnknownNetwork);
  e.subject_ = std::move(network);
  return e;
}

Error Error::New(std::string text) {
  Error e(Kind::kMessage);
  e.text_ = std::move(text);
  return e;
}

Error Error::WithOp(std::string op, std::string net, std::string source,
                    std::string addr) const {
  Error e = *this;
  e.op_ = std::move(op);
  e.net_ = std::move(net);
  e.source_ = std::move(source);
  e.addr_ = std::move(addr);
  return e;
}

bool Error::Timeout() const {
  switch (kind_) {
    case Kind::kTimeout:
      return true;
    case Kind::kErrno:
      return errno_ == EAGAIN || errno_ == EWOULDBLOCK || errno_ == ETIMEDOUT;
    case Kind::kDNS:
      return false;
    default:
      return false;
  }
}

bool Error::Temporary() const {
  switch (kind_) {
    case Kind::kTimeout:
      return true;
    case Kind::kErrno:
      // OpError.Temporary: accept's ECONNRESET / ECONNABORTED count.
      if (op_ == "accept" && (errno_ == ECONNRESET || errno_ == ECONNABORTED)) {
        return true;
      }
      return errno_ == EINTR || errno_ == EMFILE || errno_ == ENFILE ||
             errno_ == ECONNRESET || errno_ == ECONNABORTED || Timeout();
    case Kind::kDNS:
      return temporary_;
    default:
      return false;
  }
}

std::string Error::CauseString() const {
  switch (kind_) {
    case Kind::kEOF:
      return "EOF";
    case Kind::kErrno:
      return syscall_.empty() ? ErrnoText(errno_)
                              : syscall_ + ": " + ErrnoText(errno_);
    case Kind::kTimeout:
      return "i/o timeout";
    case Kind::kClosed:
      return "use of closed network connection";
    case Kind::kAddr:
      return subject_.empty() ? text_ : "address " + subject_ + ": " + text_;
    case Kind::kDNS:
      return "lookup " + subject_ + ": " + text_;
    case Kind::kUnknownNetwork:
      return "unknown network " + subject_;
    case Kind::kMessage:
      return text_;
  }
  return text_;
}

std::string Error::ToString() const {
  if (op_.empty()) return CauseString();
  std::string s = op_;
  if (!net_.empty()) s += " " + net_;
  if (!source_.empty()) s += " " + source_;
  if (!addr_.empty()) {
    s += source_.empty() ? " " : "->";
    s += addr_;
  }
  s += ": " + CauseString();
  return s;
}

}  // namespace simsock::net
