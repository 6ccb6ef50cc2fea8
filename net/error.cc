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

const Error::Detail Error::kNoDetail{};

Error::Detail& Error::MutableDetail() {
  auto fresh =
      detail_ ? std::make_shared<Detail>(*detail_) : std::make_shared<Detail>();
  Detail& d = *fresh;
  detail_ = std::move(fresh);
  return d;
}

Error Error::FromErrno(int err, std::string syscall) {
  Error e(Kind::kErrno);
  e.errno_ = err;
  if (!syscall.empty()) e.MutableDetail().syscall = std::move(syscall);
  return e;
}

Error Error::DeadlineExceeded() { return Error(Kind::kTimeout); }
Error Error::ErrClosed() { return Error(Kind::kClosed); }

Error Error::DialTimeout() {
  Error e(Kind::kTimeout);
  e.MutableDetail().ctx_deadline = true;
  return e;
}

Error Error::ContextCanceled() { return Error(Kind::kCanceled); }
Error Error::ContextDeadlineExceeded() { return Error(Kind::kCtxDeadline); }

Error Error::MapContextError(const Error& err) {
  switch (err.kind_) {
    case Kind::kCanceled:
      return Error(Kind::kOpCanceled);
    case Kind::kCtxDeadline:
      return DialTimeout();
    default:
      return err;
  }
}

bool Error::Is(const Error& target) const {
  switch (target.kind_) {
    case Kind::kEOF:
    case Kind::kClosed:
      return kind_ == target.kind_;
    case Kind::kTimeout:
      return kind_ == Kind::kTimeout &&
             detail().ctx_deadline == target.detail().ctx_deadline;
    case Kind::kCanceled:
      return kind_ == Kind::kCanceled || kind_ == Kind::kOpCanceled;
    case Kind::kCtxDeadline:
      return kind_ == Kind::kCtxDeadline ||
             (kind_ == Kind::kTimeout && detail().ctx_deadline);
    case Kind::kErrno:
      return kind_ == Kind::kErrno && errno_ == target.errno_;
    default:
      return kind_ == target.kind_ && CauseString() == target.CauseString();
  }
}

Error Error::AddrErr(std::string text, std::string addr) {
  Error e(Kind::kAddr);
  Detail& d = e.MutableDetail();
  d.text = std::move(text);
  d.subject = std::move(addr);
  return e;
}

Error Error::DNS(std::string text, std::string name, bool not_found,
                 bool temporary) {
  Error e(Kind::kDNS);
  Detail& d = e.MutableDetail();
  d.text = std::move(text);
  d.subject = std::move(name);
  d.not_found = not_found;
  d.temporary = temporary;
  return e;
}

Error Error::UnknownNetwork(std::string network) {
  Error e(Kind::kUnknownNetwork);
  e.MutableDetail().subject = std::move(network);
  return e;
}

Error Error::New(std::string text) {
  Error e(Kind::kMessage);
  e.MutableDetail().text = std::move(text);
  return e;
}

Error Error::WithOp(std::string op, std::string net, std::string source,
                    std::string addr) const {
  Error e = *this;
  Detail& d = e.MutableDetail();
  d.op = std::move(op);
  d.net = std::move(net);
  d.source = std::move(source);
  d.addr = std::move(addr);
  return e;
}

bool Error::Timeout() const {
  switch (kind_) {
    case Kind::kTimeout:
    case Kind::kCtxDeadline:
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
    case Kind::kCtxDeadline:
      return true;
    case Kind::kErrno:
      // OpError.Temporary: accept's ECONNRESET / ECONNABORTED count.
      if (detail().op == "accept" &&
          (errno_ == ECONNRESET || errno_ == ECONNABORTED)) {
        return true;
      }
      return errno_ == EINTR || errno_ == EMFILE || errno_ == ENFILE ||
             errno_ == ECONNRESET || errno_ == ECONNABORTED || Timeout();
    case Kind::kDNS:
      return detail().temporary;
    default:
      return false;
  }
}

std::string Error::CauseString() const {
  const Detail& d = detail();
  switch (kind_) {
    case Kind::kEOF:
      return "EOF";
    case Kind::kErrno:
      return d.syscall.empty() ? ErrnoText(errno_)
                               : d.syscall + ": " + ErrnoText(errno_);
    case Kind::kTimeout:
      return "i/o timeout";
    case Kind::kClosed:
      return "use of closed network connection";
    case Kind::kAddr:
      return d.subject.empty() ? d.text
                               : "address " + d.subject + ": " + d.text;
    case Kind::kDNS:
      return "lookup " + d.subject + ": " + d.text;
    case Kind::kUnknownNetwork:
      return "unknown network " + d.subject;
    case Kind::kMessage:
      return d.text;
    case Kind::kCanceled:
      return "context canceled";
    case Kind::kCtxDeadline:
      return "context deadline exceeded";
    case Kind::kOpCanceled:
      return "operation was canceled";
  }
  return d.text;
}

std::string Error::ToString() const {
  const Detail& d = detail();
  if (d.op.empty()) return CauseString();
  std::string s = d.op;
  if (!d.net.empty()) s += " " + d.net;
  if (!d.source.empty()) s += " " + d.source;
  if (!d.addr.empty()) {
    s += d.source.empty() ? " " : "->";
    s += d.addr;
  }
  s += ": " + CauseString();
  return s;
}

}  // namespace simsock::net
