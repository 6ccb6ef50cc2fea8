// Conn: see conn.h. The OpError wrapping follows Go's net.go (conn.Read,
// conn.Write, conn.Close, conn.SetDeadline).
#include "simsock/net/conn.h"

#include "simsock/net/net_fd.h"
#include "simsock/net/runtime/check.h"

namespace simsock::net {

Error Conn::Wrap(const char* op, const Error& cause) const {
  return cause.WithOp(op, fd_->net(), OpAddrString(fd_->laddr()),
                      OpAddrString(fd_->raddr()));
}

Result<size_t> Conn::Read(void* buf, size_t len) {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "Read on a nil Conn");
  auto r = fd_->Read(buf, len);
  if (!r.ok() && !r.error().IsEOF()) return Wrap("read", r.error());
  return r;
}

Result<size_t> Conn::Write(const void* buf, size_t len) {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "Write on a nil Conn");
  auto r = fd_->Write(buf, len);
  if (!r.ok()) return Wrap("write", r.error());
  return r;
}

Result<void> Conn::Close() {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "Close on a nil Conn");
  auto r = fd_->Close();
  if (!r.ok()) return Wrap("close", r.error());
  return r;
}

Addr Conn::LocalAddr() const { return fd_ ? fd_->laddr() : Addr(); }
Addr Conn::RemoteAddr() const { return fd_ ? fd_->raddr() : Addr(); }
int Conn::Fd() const { return fd_ ? fd_->UserFd() : -1; }
std::string Conn::Network() const { return fd_ ? fd_->net() : ""; }

// Go: &OpError{Op: "set", Net: c.fd.net, Source: nil, Addr: c.fd.laddr}.
Result<void> Conn::SetDeadline(Time t) {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "SetDeadline on a nil Conn");
  auto r = fd_->SetReadDeadline(t);
  if (r.ok()) r = fd_->SetWriteDeadline(t);
  if (!r.ok()) {
    return r.error().WithOp("set", fd_->net(), "", OpAddrString(fd_->laddr()));
  }
  return r;
}

Result<void> Conn::SetReadDeadline(Time t) {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "SetReadDeadline on a nil Conn");
  auto r = fd_->SetReadDeadline(t);
  if (!r.ok()) {
    return r.error().WithOp("set", fd_->net(), "", OpAddrString(fd_->laddr()));
  }
  return r;
}

Result<void> Conn::SetWriteDeadline(Time t) {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "SetWriteDeadline on a nil Conn");
  auto r = fd_->SetWriteDeadline(t);
  if (!r.ok()) {
    return r.error().WithOp("set", fd_->net(), "", OpAddrString(fd_->laddr()));
  }
  return r;
}

}  // namespace simsock::net
