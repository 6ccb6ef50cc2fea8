// The model's commands that make sockets and connections: socket, bind,
// listen, connect, accept, and the composite serve (socket+bind+listen) and
// dial (socket+connect).
#pragma once

#include "props/model/sut.h"

namespace simsock::props::model {

struct SocketCmd : ModelCmd {
  int p;
  explicit SocketCmd(const Model& m) : p(PickProc(m)) {}
  bool Valid(const Model& m) const override { return p < m.procs(); }
  Expect Predict(Model& m) const override {
    int fd = m.LowestFree(p);
    Sock s;
    s.proc = p;
    int id = m.next_sock++;
    m.socks[id] = s;
    m.fds[p][fd] = id;
    return {fd};
  }
  long Exec(const Model&, const Expect&, Sut& sut) const override {
    return StreamSocket(*sut.procs[p]);
  }
  void show(std::ostream& os) const override {
    os << "p" << p << ": socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK)";
  }
};

struct BindCmd : ModelCmd {
  int p, fd;
  AddrKind addr;
  uint16_t port;
  explicit BindCmd(const Model& m)
      : p(PickProc(m)),
        fd(PickFd(m, p,
                  [](const Sock& s) {
                    return (s.phase == Phase::kFresh && !s.bound) ||
                           (IsTcp(s) && *rc::gen::inRange(0, 4) == 0);
                  })),
        addr(*rc::gen::element(AddrKind::kAny, AddrKind::kLo, AddrKind::kHost)),
        port(*rc::gen::element(uint16_t{kPorts[0]}, uint16_t{kPorts[1]},
                               uint16_t{0})) {}
  bool Valid(const Model& m) const override {
    if (p >= m.procs()) return false;
    const Sock* s = m.SockAt(p, fd);
    if (!s || !IsTcp(*s)) return false;
    // Not predicted: bind() on a connection end that reached CLOSE (RST,
    // TIME_WAIT, LAST_ACK done). Linux released its port (inet_put_port)
    // and lets it bind again; what it is afterwards is not worth a model.
    return !(s->phase == Phase::kEnd && m.conns[s->conn].end[s->side].closed);
  }
  Expect Predict(Model& m) const override {
    Sock& s = *m.SockAt(p, fd);
    // A refused connect() released its autobound port (tcp_set_state
    // CLOSE -> inet_put_port), so the socket may bind again.
    bool refused = s.phase == Phase::kRefused && !s.bound;
    if (!refused && (s.phase != Phase::kFresh || s.bound || s.autobound)) {
      return {-EINVAL};
    }
    if (port != 0 && m.PortHeld(m.HostOf(p), addr, port)) {
      return {-EADDRINUSE};
    }
    s.bound = true;
    s.addr = addr;
    s.port = port;
    return {0};
  }
  long Exec(const Model& m, const Expect&, Sut& sut) const override {
    return Bind(*sut.procs[p], fd, BindIp(m.HostOf(p), addr), port);
  }
  void show(std::ostream& os) const override {
    os << "p" << p << ": bind(fd" << fd << ", " << KindName(addr) << ":" << port
       << ")";
  }
};

struct ListenCmd : ModelCmd {
  int p, fd, backlog;
  explicit ListenCmd(const Model& m)
      : p(PickProc(m)),
        fd(PickFd(m, p,
                  [](const Sock& s) {
                    return (s.phase == Phase::kFresh && s.bound &&
                            s.port != 0) ||
                           (IsTcp(s) && *rc::gen::inRange(0, 4) == 0);
                  })),
        backlog(*rc::gen::inRange(0, 3)) {}
  bool Valid(const Model& m) const override {
    if (p >= m.procs()) return false;
    const Sock* s = m.SockAt(p, fd);
    // Not predicted: listen() after shutdown() of a closed client
    // (SS_DISCONNECTING).
    return s && IsTcp(*s) && !s->no_connect;
  }
  Expect Predict(Model& m) const override {
    Sock& s = *m.SockAt(p, fd);
    if (s.phase == Phase::kListening) {
      s.backlog = backlog;
      return {0};
    }
    if (s.phase != Phase::kFresh) return {-EINVAL};
    if (s.was_connection) {
      // Refused after the port was taken: an unbound socket is left
      // autobound (docs/semantics.md §2.14), so bind() is then EINVAL.
      if (!s.bound) s.autobound = true;
      return {-EINVAL};
    }
    if (!s.bound || s.port == 0) s.autobound = !s.bound;
    s.phase = Phase::kListening;
    s.was_listener = true;
    s.backlog = backlog;
    return {0};
  }
  long Exec(const Model&, const Expect&, Sut& sut) const override {
    return sut.procs[p]->listen(fd, backlog);
  }
  void show(std::ostream& os) const override {
    os << "p" << p << ": listen(fd" << fd << ", " << backlog << ")";
  }
};

struct ConnectCmd : ModelCmd {
  int p = 0, fd = 0, dst_host = 0;
  AddrKind dst = AddrKind::kHost;
  uint16_t port = 0;
  ConnectCmd() = default;
  static ConnectCmd Fixed(int p, int fd, int host, AddrKind dst,
                          uint16_t port) {
    ConnectCmd c;
    c.p = p;
    c.fd = fd;
    c.dst_host = host;
    c.dst = dst;
    c.port = port;
    return c;
  }
  explicit ConnectCmd(const Model& m) {
    // Mostly an existing listener, so that connections happen; else any
    // address (usually refused).
    std::vector<int> listeners;
    for (const auto& [id, s] : m.socks) {
      if (s.phase == Phase::kListening && s.bound && s.port != 0) {
        listeners.push_back(id);
      }
    }
    if (!listeners.empty() && *rc::gen::inRange(0, 4) != 0) {
      const Sock& l = m.socks.at(*rc::gen::elementOf(listeners));
      dst_host = m.HostOf(l.proc);
      port = l.port;
      if (l.addr == AddrKind::kLo) {  // only reachable from its own host
        p = dst_host * m.procs_per_host +
            *rc::gen::inRange(0, m.procs_per_host);
        dst = AddrKind::kLo;
      } else {
        p = PickProc(m);
        dst = l.addr == AddrKind::kHost || m.HostOf(p) != dst_host
                  ? AddrKind::kHost
                  : *rc::gen::element(AddrKind::kLo, AddrKind::kHost);
      }
    } else {
      p = PickProc(m);
      dst_host = *rc::gen::inRange(0, m.hosts);
      dst = dst_host == m.HostOf(p)
                ? *rc::gen::element(AddrKind::kLo, AddrKind::kHost)
                : AddrKind::kHost;
      port = *rc::gen::element(uint16_t{kPorts[0]}, uint16_t{kPorts[1]},
                               uint16_t{7003});
    }
    fd = PickFd(m, p, [](const Sock& s) {
      return (s.phase == Phase::kFresh && !s.bound) ||
             (IsTcp(s) && *rc::gen::inRange(0, 4) == 0);
    });
  }
  bool Valid(const Model& m) const override {
    if (p >= m.procs() || dst_host >= m.hosts) return false;
    if (dst == AddrKind::kLo && dst_host != m.HostOf(p)) return false;
    const Sock* s = m.SockAt(p, fd);
    // Not predicted: connect() from a bound socket (the bind bucket moves
    // to the source address), or again after connect() returned an error.
    if (!s || !IsTcp(*s) || s->no_connect) return false;
    return !s->bound;
  }
  Expect Predict(Model& m) const override {
    Sock& s = *m.SockAt(p, fd);
    switch (s.phase) {
      case Phase::kListening:
        return {-EISCONN};
      case Phase::kStuck:
        return {-EALREADY};
      case Phase::kRefused: {
        // __inet_stream_connect's sock_error path: the error (or
        // ECONNABORTED once it was consumed), then tcp_disconnect makes the
        // socket fresh again (sk_shutdown 0, autobound port released).
        int e = s.err ? -s.err : -ECONNABORTED;
        Sock fresh;
        fresh.proc = s.proc;
        fresh.was_connection = true;
        fresh.bound = s.bound;
        fresh.addr = s.addr;
        fresh.port = s.port;
        fresh.was_connection = s.was_connection;
        fresh.was_listener = s.was_listener;
        s = fresh;
        return {e};
      }
      case Phase::kEnd: {
        Conn& c = m.conns[s.conn];
        End& end = c.end[s.side];
        if (s.side == 1 || s.reported) return {-EISCONN};
        if (end.closed) {  // as above: the end is given up
          int e = end.err ? -end.err : -ECONNABORTED;
          end.err = 0;
          end.orphan = true;
          end.sock = -1;
          Sock fresh;
          fresh.proc = s.proc;
          fresh.was_connection = s.was_connection;
          fresh.was_listener = s.was_listener;
          s = fresh;
          return {e};
        }
        s.reported = true;
        return {0};
      }
      case Phase::kEpoll:
        return {-ENOTSOCK};
      case Phase::kFresh:
        break;
    }
    if (s.was_listener) return {-EINVAL};
    int src_host = m.HostOf(p);
    bool cross = src_host != dst_host;
    Expect e{-EINPROGRESS, cross};
    s.was_connection = true;
    int lid = m.FindListener(dst_host, dst, port);
    if (lid < 0) {
      s.phase = Phase::kRefused;
      s.err = ECONNREFUSED;
    } else if (m.socks.at(lid).queue.size() >
               static_cast<size_t>(m.socks.at(lid).backlog)) {
      s.phase = Phase::kStuck;  // SYN silently dropped
      s.stuck_since = m.now;
    } else {
      Conn c;
      c.host[0] = src_host;
      c.host[1] = dst_host;
      c.cross = cross;
      c.port = port;
      c.server_addr = dst;
      c.end[0].sock = m.fds[p].at(fd);
      c.end[1].queued = true;
      int cid = static_cast<int>(m.conns.size());
      m.conns.push_back(c);
      m.socks.at(lid).queue.push_back(cid);
      s.phase = Phase::kEnd;
      s.conn = cid;
      s.side = 0;
      e.conn = cid;
    }
    s.autobound = true;
    return e;
  }
  long Exec(const Model&, const Expect& e, Sut& sut) const override {
    sim::Process& proc = *sut.procs[p];
    long r = Connect(proc, fd, DstIp(dst_host, dst), port);
    if (e.conn >= 0) {
      sockaddr_in a{};
      socklen_t len = sizeof a;
      proc.getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
      sut.client_addr[e.conn] = a;
    }
    return r;
  }
  void show(std::ostream& os) const override {
    os << "p" << p << ": connect(fd" << fd << ", "
       << (dst == AddrKind::kLo ? "127.0.0.1" : HostIpStr(dst_host)) << ":"
       << port << ")";
  }
};

// socket + bind(fixed port) + listen in one step (the usual server start),
// so that short sequences already have listeners. Returns bind's result
// (listen is only called when bind succeeded, and must return 0).
struct ServeCmd : ModelCmd {
  int p;
  AddrKind addr;
  uint16_t port;
  int backlog;
  explicit ServeCmd(const Model& m)
      : p(PickProc(m)),
        addr(*rc::gen::element(AddrKind::kAny, AddrKind::kLo, AddrKind::kHost)),
        port(*rc::gen::element(uint16_t{kPorts[0]}, uint16_t{kPorts[1]})),
        backlog(*rc::gen::inRange(0, 3)) {}
  bool Valid(const Model& m) const override { return p < m.procs(); }
  Expect Predict(Model& m) const override {
    int fd = m.LowestFree(p);
    Sock s;
    s.proc = p;
    Expect x{0, false};
    x.fd = fd;
    if (m.PortHeld(m.HostOf(p), addr, port)) {
      x.result = -EADDRINUSE;
    } else {
      s.bound = true;
      s.addr = addr;
      s.port = port;
      s.phase = Phase::kListening;
      s.backlog = backlog;
    }
    int id = m.next_sock++;
    m.socks[id] = s;
    m.fds[p][fd] = id;
    return x;
  }
  long Exec(const Model& m, const Expect& x, Sut& sut) const override {
    sim::Process& proc = *sut.procs[p];
    int fd = StreamSocket(proc);
    RC_ASSERT(fd == x.fd);
    int r = Bind(proc, fd, BindIp(m.HostOf(p), addr), port);
    if (r == 0) RC_ASSERT(proc.listen(fd, backlog) == 0);
    return r;
  }
  void show(std::ostream& os) const override {
    os << "p" << p << ": socket(); bind(" << KindName(addr) << ":" << port
       << "); listen(" << backlog << ")";
  }
};

// socket + connect to an existing listener in one step.
struct DialCmd : ModelCmd {
  int p = 0, dst_host = 0;
  AddrKind dst = AddrKind::kHost;
  uint16_t port = 0;
  explicit DialCmd(const Model& m) {
    std::vector<int> listeners;
    for (const auto& [id, s] : m.socks) {
      if (s.phase == Phase::kListening && s.bound && s.port != 0) {
        listeners.push_back(id);
      }
    }
    RC_PRE(!listeners.empty());
    const Sock& l = m.socks.at(*rc::gen::elementOf(listeners));
    dst_host = m.HostOf(l.proc);
    port = l.port;
    if (l.addr == AddrKind::kLo) {
      p = dst_host * m.procs_per_host + *rc::gen::inRange(0, m.procs_per_host);
      dst = AddrKind::kLo;
    } else {
      p = PickProc(m);
      dst = l.addr == AddrKind::kHost || m.HostOf(p) != dst_host
                ? AddrKind::kHost
                : *rc::gen::element(AddrKind::kLo, AddrKind::kHost);
    }
  }
  bool Valid(const Model& m) const override {
    if (p >= m.procs() || dst_host >= m.hosts) return false;
    return dst != AddrKind::kLo || dst_host == m.HostOf(p);
  }
  ConnectCmd AsConnect(int fd) const {
    ConnectCmd c = ConnectCmd::Fixed(p, fd, dst_host, dst, port);
    return c;
  }
  Expect Predict(Model& m) const override {
    int fd = m.LowestFree(p);
    Sock s;
    s.proc = p;
    m.socks[m.next_sock] = s;
    m.fds[p][fd] = m.next_sock++;
    Expect x = AsConnect(fd).Predict(m);
    x.fd = fd;
    return x;
  }
  long Exec(const Model& m, const Expect& x, Sut& sut) const override {
    int fd = StreamSocket(*sut.procs[p]);
    RC_ASSERT(fd == x.fd);
    return AsConnect(fd).Exec(m, x, sut);
  }
  void show(std::ostream& os) const override {
    os << "p" << p << ": socket(); connect("
       << (dst == AddrKind::kLo ? "127.0.0.1" : HostIpStr(dst_host)) << ":"
       << port << ")";
  }
};

struct AcceptCmd : ModelCmd {
  int p, fd;
  explicit AcceptCmd(const Model& m)
      : p(PickProc(m)), fd(PickFd(m, p, [](const Sock& s) {
          return s.phase == Phase::kListening || *rc::gen::inRange(0, 8) == 0;
        })) {}
  bool Valid(const Model& m) const override {
    return p < m.procs() && m.SockAt(p, fd) && IsTcp(*m.SockAt(p, fd));
  }
  Expect Predict(Model& m) const override {
    Sock& l = *m.SockAt(p, fd);
    if (l.phase != Phase::kListening) return {-EINVAL};
    if (l.queue.empty()) return {-EAGAIN};
    int cid = l.queue.front();
    l.queue.erase(l.queue.begin());
    int nfd = m.LowestFree(p);
    Sock s;
    s.proc = p;
    s.phase = Phase::kEnd;
    s.conn = cid;
    s.side = 1;
    s.was_connection = true;
    int id = m.next_sock++;
    m.socks[id] = s;
    m.fds[p][nfd] = id;
    m.conns[cid].end[1].queued = false;
    m.conns[cid].end[1].sock = id;
    return {nfd, false, cid};
  }
  long Exec(const Model&, const Expect& e, Sut& sut) const override {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    long r = sut.procs[p]->accept4(fd, reinterpret_cast<sockaddr*>(&a), &len,
                                   SOCK_NONBLOCK);
    if (r >= 0 && e.conn >= 0) {
      // Arrival order: the peer is the client the model expects.
      const sockaddr_in& want = sut.client_addr.at(e.conn);
      if (std::memcmp(&a.sin_addr, &want.sin_addr, 4) != 0 ||
          a.sin_port != want.sin_port) {
        RC_LOG() << "accept returned peer " << IpStr(ntohl(a.sin_addr.s_addr))
                 << ":" << ntohs(a.sin_port) << ", expected conn " << e.conn
                 << " from " << IpStr(ntohl(want.sin_addr.s_addr)) << ":"
                 << ntohs(want.sin_port) << "\n";
        RC_FAIL("accept did not return the oldest queued connection");
      }
    }
    return r;
  }
  void show(std::ostream& os) const override {
    os << "p" << p << ": accept4(fd" << fd << ", SOCK_NONBLOCK)";
  }
};

}  // namespace simsock::props::model
