// The model's commands that move data and time, end connections and watch
// readiness: write, read, shutdown, close, epoll_create1/epoll_ctl/
// epoll_wait, and advancing virtual time.
#pragma once

#include "props/model/sut.h"

namespace simsock::props::model {

struct WriteCmd : ModelCmd {
  int p, fd, len;
  explicit WriteCmd(const Model& m)
      : p(PickProc(m)),
        fd(PickFd(m, p, IsTcp)),
        len(*rc::gen::oneOf(rc::gen::inRange(0, 64),
                            rc::gen::inRange(0, 2049))) {}
  bool Valid(const Model& m) const override {
    if (p >= m.procs()) return false;
    const Sock* s = m.SockAt(p, fd);
    if (!s || !IsTcp(*s)) return false;
    if (s->phase == Phase::kEnd) {  // keep below every buffer (see top)
      return m.conns[s->conn].written[s->side] + len <= kMaxPerDirection;
    }
    return true;
  }
  Expect Predict(Model& m) const override {
    Sock& s = *m.SockAt(p, fd);
    switch (s.phase) {
      case Phase::kFresh:
      case Phase::kListening:
        return {-EPIPE};
      case Phase::kStuck:
        return {-EAGAIN};
      case Phase::kRefused: {
        int e = s.err ? -s.err : -EPIPE;
        s.err = 0;
        return {e};
      }
      case Phase::kEpoll:
        return {-ENOTSOCK};
      case Phase::kEnd:
        break;
    }
    Conn& c = m.conns[s.conn];
    End& e = c.end[s.side];
    Expect x{len, c.cross, s.conn};
    if (e.err) {
      x.result = -e.err;
      e.err = 0;
      return x;
    }
    if (e.closed || e.fin_sent) {
      x.result = -EPIPE;
      return x;
    }
    m.SendData(c, s.side, len);
    return x;
  }
  long Exec(const Model& m, const Expect&, Sut& sut) const override {
    const Sock& s = *m.SockAt(p, fd);
    std::vector<char> buf(len);
    if (s.phase == Phase::kEnd) {
      const Conn& c = m.conns[s.conn];
      for (int i = 0; i < len; ++i) {
        buf[i] = PatternByte(s.conn, s.side, c.written[s.side] + i);
      }
    }
    return sut.procs[p]->write(fd, buf.data(), len);
  }
  void show(std::ostream& os) const override {
    os << "p" << p << ": write(fd" << fd << ", " << len << " bytes)";
  }
};

struct ReadCmd : ModelCmd {
  int p, fd, len;
  explicit ReadCmd(const Model& m)
      : p(PickProc(m)),
        fd(PickFd(m, p, IsTcp)),
        len(*rc::gen::oneOf(rc::gen::inRange(0, 16),
                            rc::gen::inRange(1, 9000))) {}
  bool Valid(const Model& m) const override {
    return p < m.procs() && m.SockAt(p, fd) && IsTcp(*m.SockAt(p, fd));
  }
  Expect Predict(Model& m) const override {
    Sock& s = *m.SockAt(p, fd);
    if (len == 0) return {0};
    switch (s.phase) {
      case Phase::kFresh:
      case Phase::kListening:
        return {-ENOTCONN};
      case Phase::kStuck:
        return {-EAGAIN};
      case Phase::kRefused: {
        int e = s.err ? -s.err : 0;
        s.err = 0;
        return {e};
      }
      case Phase::kEpoll:
        return {-ENOTSOCK};
      case Phase::kEnd:
        break;
    }
    // tcp_recvmsg: data first; then SOCK_DONE (FIN), the error, shutdown.
    Conn& c = m.conns[s.conn];
    End& e = c.end[s.side];
    int64_t avail = c.Unread(s.side);
    if (avail > 0) {
      int64_t n = std::min<int64_t>(avail, len);
      c.consumed[1 - s.side] += n;
      return {static_cast<long>(n), false, s.conn};
    }
    if (e.fin_rcvd) return {0};
    if (e.err) {
      int r = -e.err;
      e.err = 0;
      return {r};
    }
    if (e.shut_rd || e.closed) return {0};
    return {-EAGAIN};
  }
  long Exec(const Model& m, const Expect& x, Sut& sut) const override {
    std::vector<char> buf(len + 1);
    long r = sut.procs[p]->read(fd, buf.data(), len);
    const Sock& s = *m.SockAt(p, fd);
    if (r > 0 && s.phase == Phase::kEnd && x.result > 0) {
      // Bytes read are exactly the next bytes written by the peer.
      const Conn& c = m.conns[s.conn];
      int from = 1 - s.side;
      for (long i = 0; i < std::min(r, x.result); ++i) {
        if (buf[i] != PatternByte(s.conn, from, c.consumed[from] + i)) {
          RC_LOG() << "byte " << c.consumed[from] + i << " of conn " << s.conn
                   << " dir " << from << " differs\n";
          RC_FAIL("read returned bytes that are not the stream's prefix");
        }
      }
    }
    return r;
  }
  void show(std::ostream& os) const override {
    os << "p" << p << ": read(fd" << fd << ", " << len << ")";
  }
};

struct ShutdownCmd : ModelCmd {
  int p, fd, how;
  explicit ShutdownCmd(const Model& m)
      : p(PickProc(m)),
        fd(PickFd(m, p, [](const Sock& s) { return s.phase == Phase::kEnd; })),
        how(*rc::gen::element<int>(SHUT_RD, SHUT_WR, SHUT_RDWR)) {}
  bool Valid(const Model& m) const override {
    // Not predicted: shutdown() of listeners and unconnected sockets.
    return p < m.procs() && m.SockAt(p, fd) &&
           m.SockAt(p, fd)->phase == Phase::kEnd;
  }
  Expect Predict(Model& m) const override {
    Sock& s = *m.SockAt(p, fd);
    Conn& c = m.conns[s.conn];
    End& e = c.end[s.side];
    if (s.side == 0) s.reported = true;  // inet_shutdown: SS_CONNECTED
    if (e.closed) {
      if (s.side == 0) s.no_connect = true;  // SS_DISCONNECTING
      return {-ENOTCONN};
    }
    Expect x{0, false};
    if (how == SHUT_RD || how == SHUT_RDWR) e.shut_rd = true;
    if (how == SHUT_WR || how == SHUT_RDWR) {
      x.settle = c.cross;
      m.SendFin(c, s.side);
    }
    return x;
  }
  long Exec(const Model&, const Expect&, Sut& sut) const override {
    return sut.procs[p]->shutdown(fd, how);
  }
  void show(std::ostream& os) const override {
    os << "p" << p << ": shutdown(fd" << fd << ", "
       << (how == SHUT_RD   ? "SHUT_RD"
           : how == SHUT_WR ? "SHUT_WR"
                            : "SHUT_RDWR")
       << ")";
  }
};

struct CloseCmd : ModelCmd {
  int p, fd;
  explicit CloseCmd(const Model& m) : p(PickProc(m)) {
    // Mostly open fds, sometimes a number that is not open (EBADF).
    std::vector<int> fds;
    for (const auto& [n, id] : m.fds[p]) fds.push_back(n);
    fds.push_back(m.LowestFree(p));
    fd = *rc::gen::elementOf(fds);
  }
  bool Valid(const Model& m) const override { return p < m.procs(); }
  Expect Predict(Model& m) const override {
    Sock* sp = m.SockAt(p, fd);
    if (!sp) return {-EBADF};
    Sock s = *sp;
    Expect x{0, false};
    if (s.phase == Phase::kListening) {
      for (int cid : s.queue) {  // queued connections are reset
        Conn& c = m.conns[cid];
        c.end[1].queued = false;
        c.end[1].orphan = true;
        if (!c.end[1].closed) {
          c.end[1].closed = true;
          c.end[1].release_at = m.now;
          m.Reset(c, 0);
        }
        x.settle = x.settle || c.cross;
      }
    } else if (s.phase == Phase::kEnd) {
      Conn& c = m.conns[s.conn];
      x.settle = c.cross;
      m.CloseEnd(c, s.side);
    }
    DropFd(m, p, fd);
    return x;
  }
  long Exec(const Model&, const Expect&, Sut& sut) const override {
    return sut.procs[p]->close(fd);
  }
  void show(std::ostream& os) const override {
    os << "p" << p << ": close(fd" << fd << ")";
  }
};

struct EpollCreateCmd : ModelCmd {
  int p;
  explicit EpollCreateCmd(const Model& m) : p(PickProc(m)) {}
  bool Valid(const Model& m) const override { return p < m.procs(); }
  Expect Predict(Model& m) const override {
    int fd = m.LowestFree(p);
    Sock s;
    s.proc = p;
    s.phase = Phase::kEpoll;
    int id = m.next_sock++;
    m.socks[id] = s;
    m.fds[p][fd] = id;
    return {fd};
  }
  long Exec(const Model&, const Expect&, Sut& sut) const override {
    return sut.procs[p]->epoll_create1(0);
  }
  void show(std::ostream& os) const override {
    os << "p" << p << ": epoll_create1(0)";
  }
};

struct EpollCtlCmd : ModelCmd {
  int p, epfd, fd, op;
  explicit EpollCtlCmd(const Model& m)
      : p(PickProc(m)),
        epfd(PickFd(m, p,
                    [](const Sock& s) { return s.phase == Phase::kEpoll; })),
        fd(PickFd(m, p, IsTcp)),
        op(*rc::gen::element(EPOLL_CTL_ADD, EPOLL_CTL_ADD, EPOLL_CTL_MOD,
                             EPOLL_CTL_DEL)) {}
  bool Valid(const Model& m) const override {
    if (p >= m.procs()) return false;
    const Sock* e = m.SockAt(p, epfd);
    const Sock* s = m.SockAt(p, fd);
    return e && s && e->phase == Phase::kEpoll && IsTcp(*s);
  }
  Expect Predict(Model& m) const override {
    Sock& e = *m.SockAt(p, epfd);
    bool has = e.interest.count(fd) > 0;
    if (op == EPOLL_CTL_ADD) {
      if (has) return {-EEXIST};
      e.interest[fd] = kWatched;
    } else if (!has) {
      return {-ENOENT};
    } else if (op == EPOLL_CTL_DEL) {
      e.interest.erase(fd);
    }
    return {0};
  }
  long Exec(const Model&, const Expect&, Sut& sut) const override {
    epoll_event ev{};
    ev.events = kWatched;
    ev.data.fd = fd;
    return sut.procs[p]->epoll_ctl(epfd, op, fd, &ev);
  }
  void show(std::ostream& os) const override {
    os << "p" << p << ": epoll_ctl(fd" << epfd << ", "
       << (op == EPOLL_CTL_ADD   ? "ADD"
           : op == EPOLL_CTL_MOD ? "MOD"
                                 : "DEL")
       << ", fd" << fd << ", IN|OUT|RDHUP)";
  }
};

struct EpollWaitCmd : ModelCmd {
  int p, epfd;
  explicit EpollWaitCmd(const Model& m)
      : p(PickProc(m)), epfd(PickFd(m, p, [](const Sock& s) {
          return s.phase == Phase::kEpoll;
        })) {}
  bool Valid(const Model& m) const override {
    return p < m.procs() && m.SockAt(p, epfd) &&
           m.SockAt(p, epfd)->phase == Phase::kEpoll;
  }
  std::vector<std::pair<int, uint32_t>> Ready(const Model& m) const {
    std::vector<std::pair<int, uint32_t>> ready;
    for (const auto& [fd, events] : m.SockAt(p, epfd)->interest) {
      uint32_t mask =
          ModelMask(m, *m.SockAt(p, fd)) & (events | EPOLLERR | EPOLLHUP);
      if (mask) ready.emplace_back(fd, mask);
    }
    return ready;
  }
  Expect Predict(Model& m) const override {
    return {static_cast<long>(Ready(m).size())};
  }
  long Exec(const Model& m, const Expect&, Sut& sut) const override {
    epoll_event evs[16];
    int r = sut.procs[p]->epoll_wait(epfd, evs, 16, 0);
    if (r >= 0) {
      std::vector<std::pair<int, uint32_t>> got;
      for (int i = 0; i < r; ++i) {
        int f = evs[i].data.fd;
        uint32_t ev = evs[i].events;
        got.emplace_back(f, ev);
      }
      std::sort(got.begin(), got.end());
      auto want = Ready(m);
      if (got != want) {
        std::ostringstream os;
        for (auto& [f, ev] : got) os << " fd" << f << ":" << MaskStr(ev);
        os << " vs model";
        for (auto& [f, ev] : want) os << " fd" << f << ":" << MaskStr(ev);
        RC_LOG() << "epoll_wait:" << os.str() << "\n";
      }
      RC_ASSERT(got == want);
    }
    return r;
  }
  void show(std::ostream& os) const override {
    os << "p" << p << ": epoll_wait(fd" << epfd << ", 16, 0)";
  }
};

struct AdvanceCmd : ModelCmd {
  Time d;
  explicit AdvanceCmd(const Model&)
      : d(*rc::gen::element(1 * kMs, 10 * kMs, 61 * kSec)) {}
  bool Valid(const Model&) const override { return true; }
  Expect Predict(Model& m) const override {
    m.now += d;
    return {0};
  }
  long Exec(const Model&, const Expect&, Sut& sut) const override {
    sut.world->RunFor(std::chrono::nanoseconds(d));
    return 0;
  }
  void show(std::ostream& os) const override {
    os << "advance " << d / kMs << "ms";
  }
};

}  // namespace simsock::props::model
