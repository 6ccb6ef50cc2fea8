// Differential scenarios: readv(2) and writev(2) on sockets — the iovecs
// filled and drained in turn (import_iovec, vfs_readv / vfs_writev), the
// vector's checks, and the socket's own results through them (EAGAIN,
// end of stream, a reset, a listener; one UDP datagram of all the
// buffers). docs/semantics.md, "Vectored calls".
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/uio.h>

#include <cstring>
#include <string>
#include <vector>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

std::string Lens(const std::vector<size_t>& lens) {
  std::string out = "[";
  for (size_t i = 0; i < lens.size(); ++i)
    out += (i ? ", " : "") + std::to_string(lens[i]);
  return out + "]";
}

// readv into iovecs of the given lengths (buffers filled with '.'): logs
// the result and what each iovec holds.
ssize_t Readv(Script& s, int fd, const std::vector<size_t>& lens) {
  std::vector<std::vector<char>> bufs;
  std::vector<iovec> iov;
  for (size_t n : lens) bufs.emplace_back(n + 1, '.');
  for (auto& b : bufs) iov.push_back({b.data(), b.size() - 1});
  const ssize_t r = s.sys().readv(fd, iov.data(), static_cast<int>(iov.size()));
  std::string line =
      "readv(" + s.Fd(fd) + ", " + Lens(lens) + ") = " + s.Result(r);
  if (r >= 0) {
    line += " [";
    for (size_t i = 0; i < bufs.size(); ++i)
      line += (i ? ", " : "") + std::string("\"") +
              std::string(bufs[i].data(), lens[i]) + "\"";
    line += "]";
  }
  s.Line(line);
  return r;
}

// writev of the given strings, one iovec each.
ssize_t Writev(Script& s, int fd, const std::vector<std::string>& parts) {
  std::vector<iovec> iov;
  std::string shown = "[";
  for (size_t i = 0; i < parts.size(); ++i) {
    iov.push_back({const_cast<char*>(parts[i].data()), parts[i].size()});
    shown += (i ? ", \"" : "\"") + parts[i] + "\"";
  }
  const ssize_t r =
      s.sys().writev(fd, iov.data(), static_cast<int>(iov.size()));
  s.Line("writev(" + s.Fd(fd) + ", " + shown + "]) = " + s.Result(r));
  return r;
}

}  // namespace

// writev of 1 to 3 iovecs (with empty ones among them) read back with
// readv into differently split iovecs; empty vectors move nothing;
// an empty queue is EAGAIN; after the peer's FIN, 0.
DIFF_SCENARIO(Iov_WritevReadvSplits) {
  Conn c = Establish(s);
  Writev(s, c.client, {"abc"});
  Writev(s, c.client, {"defgh", "ij"});
  Writev(s, c.client, {"", "klm", "", "nop"});
  Writev(s, c.client, {"", ""});
  Writev(s, c.client, {});
  s.Settle();
  Readv(s, c.server, {2, 5});
  Readv(s, c.server, {1, 0, 4});
  Readv(s, c.server, {});
  Readv(s, c.server, {0, 0});
  Readv(s, c.server, {10, 10});
  Readv(s, c.server, {4});  // nonblocking, nothing queued: EAGAIN
  Writev(s, c.server, {"x", "yz"});
  s.Settle();
  s.Read(c.client, 8);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  Readv(s, c.server, {3, 3});
  Readv(s, c.server, {0});
}

// readv and writev on a pipe and an eventfd (do_iter_read / do_iter_write
// over pipe_read, pipe_write, eventfd_read, eventfd_write): the vector is
// one read or write of the file; the wrong end of a pipe is EBADF before the
// vector is looked at; an eventfd needs 8 bytes in all, however split.
DIFF_SCENARIO(Iov_PipeAndEventFd) {
  int p[2];
  s.Pipe2(O_NONBLOCK, p);
  Writev(s, p[1], {"abc", "", "defg"});
  Writev(s, p[1], {"hi"});
  Readv(s, p[0], {2, 0, 4});
  Readv(s, p[0], {10, 10});
  Readv(s, p[0], {4});     // empty: EAGAIN
  Readv(s, p[1], {4});     // the write end
  Writev(s, p[0], {"x"});  // the read end
  char b[4];
  iovec one{b, sizeof b};
  s.Raw("readv(write end, iovcnt -1)", s.sys().readv(p[1], &one, -1));
  s.Raw("writev(read end, iovcnt -1)", s.sys().writev(p[0], &one, -1));
  s.Raw("readv(read end, iovcnt -1)", s.sys().readv(p[0], &one, -1));
  Readv(s, p[0], {});
  const int e = s.EventFd(0, EFD_NONBLOCK);
  Readv(s, e, {4, 4});  // the counter is 0: EAGAIN
  // eventfd_write is a plain write: writev makes one per buffer, and each
  // must be 8 bytes; eventfd_read takes the vector whole.
  Writev(s, e, {"ABC", "DEFGH"});  // a 3-byte write first: EINVAL
  Writev(s, e, {"ABCD"});
  Writev(s, e, {"ABCD", "EFGH", "IJ"});
  Writev(s, e, {"ABCDEFGH"});              // one value
  Readv(s, e, {3});                        // fewer than 8 bytes in all: EINVAL
  Readv(s, e, {4, 4, 2});                  // the value, across the buffers
  Readv(s, e, {8});                        // taken: EAGAIN
  Writev(s, e, {"ABCDEFGH", "!!!!!!!!"});  // two values: "bcdefghi" in all
  Readv(s, e, {8});
}

// The vector's checks: the count (negative, over UIO_MAXIOV), a NULL
// array, a length negative as ssize_t (with more than one iovec, and
// alone); the fd's (EBADF, an epoll fd) come first.
DIFF_SCENARIO(Iov_BadVectors) {
  Conn c = Establish(s);
  s.Write(c.client, "data");
  s.Settle();
  char b[8];
  iovec iov[2] = {{b, 4}, {b + 4, 4}};
  std::vector<iovec> many(1025, iovec{b, 1});
  for (int fd : {c.server, c.client}) {
    const char* who = fd == c.server ? "server" : "client";
    auto both = [&](const std::string& what, const iovec* v, int n) {
      if (fd == c.server) {
        s.Raw(std::string("readv(") + who + ", " + what + ")",
              s.sys().readv(fd, v, n));
      } else {
        s.Raw(std::string("writev(") + who + ", " + what + ")",
              s.sys().writev(fd, v, n));
      }
    };
    both("iovcnt -1", iov, -1);
    both("iovcnt 1025", many.data(), 1025);
    both("iov NULL, iovcnt 2", nullptr, 2);
    both("iov NULL, iovcnt 1", nullptr, 1);
    both("iov NULL, iovcnt 0", nullptr, 0);
    iov[1].iov_len = static_cast<size_t>(-1);
    both("iov_len -1 of 2", iov, 2);
    iov[1].iov_len = 4;
  }
  s.Raw("readv(bad fd, iovcnt -1)", s.sys().readv(Script::kHugeFd, iov, -1));
  s.Raw("writev(bad fd)", s.sys().writev(Script::kHugeFd, iov, 2));
  const int ep = s.EpollCreate();
  s.Raw("readv(epoll fd)", s.sys().readv(ep, iov, 2));
  s.Raw("readv(epoll fd, iovcnt -1)", s.sys().readv(ep, iov, -1));
  s.Raw("writev(epoll fd, iovcnt 0)", s.sys().writev(ep, iov, 0));
  // The data is still there for a well-formed readv.
  Readv(s, c.server, {2, 2});
}

// A listener and an unconnected socket: readv ENOTCONN, writev EPIPE
// (tcp_sendmsg's sk_stream_wait_connect); after the peer's RST, writev
// reports the reset once, then EPIPE, and readv reads the end.
DIFF_SCENARIO(Iov_ListenerUnconnectedAndReset) {
  Conn c = Establish(s);
  Readv(s, c.listener, {4});
  Writev(s, c.listener, {"ab", "c"});
  const int t = s.Tcp();
  Readv(s, t, {4});
  Writev(s, t, {"ab"});
  s.SetLinger(c.server, 1, 0);
  s.Close(c.server);  // the client gets a RST
  s.Settle();
  Writev(s, c.client, {"ab", "cd"});
  Writev(s, c.client, {"ab", "cd"});
  Readv(s, c.client, {4});
}

// UDP: a writev of 3 iovecs is one datagram; readv takes one datagram
// and drops what does not fit; a vector of no bytes sends nothing.
DIFF_SCENARIO(Iov_UdpDatagramFromIovecs) {
  const uint16_t port = s.Port("server");
  const int u = s.Udp();
  s.Bind(u, Lo(port));
  const int v = s.Udp();
  s.Connect(v, Lo(port));
  s.NameLocalPort(v, "client");
  Writev(s, v, {"one ", "two ", "three"});
  Writev(s, v, {"", ""});
  Writev(s, v, {"x", "", "yz"});
  s.Settle();
  Readv(s, u, {4, 4, 20});
  Readv(s, u, {1, 1});
  Readv(s, u, {8});  // nothing left: the empty vector sent no datagram
}

}  // namespace simsock::diff
