// Model-based properties of the simulated kernel (rapidcheck rc::state).
//
// A small reference model of TCP sockets at the syscall level predicts every
// result of a random command sequence run on a simulated world of 1-3 hosts
// with 1-2 processes each, and after every command the model and the
// simulator must agree on:
//   - each result (fd number, byte count, errno) and each byte read;
//   - the set of open fds of every process (so fds are the lowest free);
//   - the epoll readiness of every open socket (so readiness agrees with what
//     the next read, write or accept does: the model predicts both);
//   - MSG_PEEK shows exactly the unread bytes the model expects.
// Accept order is checked against the peer address each client had when it
// connected; the accept queue of listen(n) admits exactly n+1. At the end
// every fd is closed, 61 s pass (TIME_WAIT is 60 s) and every host must have
// no connection and no bound port left.
//
// The model (Linux semantics, docs/semantics.md; tcp_poll, tcp_recvmsg,
// tcp_sendmsg, tcp_reset, __inet_stream_connect are followed step by step):
//   Sock   one open file: a TCP socket in a phase (fresh, listening, SYN_SENT
//          stuck on a full accept queue, refused, or one end of a
//          connection) or an epoll set with its interest list.
//   Conn   a connection: two ends (FIN sent/received, SHUT_RD, closed,
//          pending error, when the kernel forgets it) and two byte streams
//          (bytes written, bytes consumed per direction).
//
// Where the model refuses to predict (kept small on purpose), the command is
// not generated (preconditions), and the comment at the check says so:
//   - time never passes 900 ms beyond a SYN dropped by a full accept queue
//     (the SYN retransmission at 1 s would need the RTO schedule);
//   - connect() only from unbound sockets; listen() after a connect() and
//     connect() after a listen() are EINVAL (sticky roles, §2.14);
//   - shutdown() only on connection ends; at most 8 KiB per direction, so
//     default buffers never fill (windows: see StreamIntegrity below);
//   - traffic between hosts is settled inside the command that sends it
//     (50 ms of virtual time with 1 ms latency), so nothing is in flight when
//     the next command runs.
//
// Replay: every failure logs the simulator seed; RC_PARAMS="seed=N" replays
// the whole rapidcheck run.
#include <gtest/gtest.h>
#include <netinet/tcp.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "props/prop_util.h"
#include "simsock/sim/inet/port_table.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::props {
namespace {

// Every stream socket the commands make. The model delivers each write at
// once; with Nagle, Linux's delayed ACK holds a small write behind an
// unacknowledged small one for up to 40 ms, which the model does not
// predict (the differential scenarios Data_SmallWritesSplitWhen... and
// Data_RequestResponse... check it against Linux). So every socket has
// TCP_NODELAY; accepted ones inherit it from their listener.
int StreamSocket(sim::Process& proc) {
  int fd = proc.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd >= 0) {
    int one = 1;
    proc.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

using Time = int64_t;  // virtual nanoseconds, as the model counts them
constexpr Time kMs = 1'000'000;
constexpr Time kSec = 1000 * kMs;
constexpr Time kForever = INT64_MAX;
constexpr Time kTimeWait = 60 * kSec;    // TCP_TIMEWAIT_LEN
constexpr Time kFinTimeout = 60 * kSec;  // tcp_fin_timeout (orphans)
constexpr Time kSettle = 50 * kMs;       // cross-host steps run this long
constexpr Time kLatency = 1 * kMs;       // one way, between any two hosts
constexpr Time kStuckLimit = 900 * kMs;  // < the first SYN retransmission
constexpr int64_t kMaxPerDirection = 8192;
constexpr uint32_t kWatched = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
constexpr uint16_t kPorts[] = {7001, 7002};

enum class AddrKind { kAny, kLo, kHost };

const char* KindName(AddrKind k) {
  switch (k) {
    case AddrKind::kAny:
      return "0.0.0.0";
    case AddrKind::kLo:
      return "127.0.0.1";
    case AddrKind::kHost:
      return "<host ip>";
  }
  return "?";
}

bool Overlap(AddrKind a, AddrKind b) {
  return a == b || a == AddrKind::kAny || b == AddrKind::kAny;
}

// --- the model ---------------------------------------------------------------

struct End {
  int sock = -1;         // the model socket with an fd on this end, or -1
  bool queued = false;   // server end still in the accept queue
  bool orphan = false;   // its last fd was closed
  bool shut_rd = false;  // own shutdown(SHUT_RD)
  bool fin_sent = false;
  bool fin_rcvd = false;
  bool closed = false;  // TCP_CLOSE as the fd sees it (RST, LAST_ACK done,
                        // TIME_WAIT taken over by the timewait socket)
  int err = 0;          // pending socket error (positive errno)
  Time release_at = kForever;  // when the kernel forgets it (port freed)
};

struct Conn {
  int host[2] = {0, 0};  // client host, server host
  bool cross = false;
  uint16_t port = 0;  // server port
  AddrKind server_addr = AddrKind::kLo;
  End end[2];                    // 0 = client, 1 = server
  int64_t written[2] = {0, 0};   // bytes written by end d
  int64_t consumed[2] = {0, 0};  // of those, bytes read by the other end
  int64_t Unread(int to) const { return written[1 - to] - consumed[1 - to]; }
};

enum class Phase { kFresh, kListening, kStuck, kRefused, kEnd, kEpoll };

struct Sock {
  Phase phase = Phase::kFresh;
  int proc = 0;
  bool bound = false;  // explicitly, to a fixed port (or port 0)
  bool autobound = false;
  AddrKind addr = AddrKind::kAny;
  uint16_t port = 0;  // fixed port when bound explicitly; 0 = ephemeral
  int backlog = 0;
  std::deque<int> queue;  // listener: conn ids in arrival order
  int conn = -1;          // kEnd
  int side = 0;
  bool reported = false;    // client: connect() already returned 0
  bool no_connect = false;  // shutdown() of a closed client: SS_DISCONNECTING
  // Sticky roles (docs/semantics.md §2.14): once a connection (its connect()
  // sent a SYN, or it was accepted) it never listens; once a listener it
  // never connects. Kept when a failed connect makes the socket fresh.
  bool was_connection = false;
  bool was_listener = false;
  int err = 0;                       // kRefused: pending ECONNREFUSED
  Time stuck_since = 0;              // kStuck
  std::map<int, uint32_t> interest;  // kEpoll: fd -> events
};

struct Model {
  int hosts = 1;
  int procs_per_host = 1;
  Time now = 0;
  std::vector<std::map<int, int>> fds;  // per process: fd -> sock id
  std::map<int, Sock> socks;
  int next_sock = 0;
  std::vector<Conn> conns;

  int HostOf(int proc) const { return proc / procs_per_host; }
  int procs() const { return hosts * procs_per_host; }

  // A simulated process starts with 0, 1 and 2 open on the null device
  // (sim::Process); the model's commands never touch them, so its fds start
  // at 3.
  static constexpr int kStdFds = 3;

  int LowestFree(int proc) const {
    int fd = kStdFds;
    for (const auto& [n, id] : fds[proc]) {
      if (n != fd) break;
      ++fd;
    }
    return fd;
  }
  const Sock* SockAt(int proc, int fd) const {
    auto it = fds[proc].find(fd);
    return it == fds[proc].end() ? nullptr : &socks.at(it->second);
  }
  Sock* SockAt(int proc, int fd) {
    auto it = fds[proc].find(fd);
    return it == fds[proc].end() ? nullptr : &socks.at(it->second);
  }
  bool Released(const End& e) const { return e.release_at <= now; }

  // Is ip:port of host h held by anything (bind conflict without
  // SO_REUSEADDR: any overlapping holder)?
  bool PortHeld(int h, AddrKind addr, uint16_t port) const {
    for (const auto& [id, s] : socks) {
      if (s.phase != Phase::kFresh && s.phase != Phase::kListening &&
          s.phase != Phase::kRefused) {
        continue;
      }
      if (HostOf(s.proc) != h || !s.bound || s.port != port) continue;
      if (Overlap(s.addr, addr)) return true;
    }
    for (const Conn& c : conns) {
      if (c.host[1] != h || c.port != port || Released(c.end[1])) continue;
      if (Overlap(c.server_addr, addr)) return true;
    }
    return false;
  }

  // The listener that takes a SYN for (host h, dst kind, port), or -1.
  int FindListener(int h, AddrKind dst, uint16_t port) const {
    for (const auto& [id, s] : socks) {
      if (s.phase != Phase::kListening || HostOf(s.proc) != h) continue;
      if (!s.bound || s.port != port) continue;
      if (s.addr == AddrKind::kAny || s.addr == dst) return id;
    }
    return -1;
  }

  Time EarliestStuck() const {
    Time t = kForever;
    for (const auto& [id, s] : socks) {
      if (s.phase == Phase::kStuck) t = std::min(t, s.stuck_since);
    }
    return t;
  }
  bool TimeOk() const {
    Time t = EarliestStuck();
    return t == kForever || now < t + kStuckLimit;
  }

  // --- TCP reactions (all synchronous: loopback, or settled) -------------
  void Reset(Conn& c, int x) {  // an RST reaches end x
    End& e = c.end[x];
    if (e.closed) {
      if (!Released(e)) e.release_at = now;  // RST ends TIME_WAIT early
      return;
    }
    bool close_wait = e.fin_rcvd && !e.fin_sent;
    e.err = close_wait ? EPIPE : ECONNRESET;
    if (e.orphan) e.err = 0;
    e.closed = true;
    e.release_at = now;
  }
  void DeliverFin(Conn& c, int x) {  // end x's FIN reaches end 1-x
    End& s = c.end[x];
    End& r = c.end[1 - x];
    if (r.closed || Released(r)) {  // closed or forgotten: RST
      Reset(c, x);
      return;
    }
    r.fin_rcvd = true;
    if (r.fin_sent) {  // r was the active closer: TIME_WAIT
      r.closed = true;
      r.release_at = now + kTimeWait;
    }
    if (s.fin_rcvd) {  // s was passive: LAST_ACK, and now the ACK
      s.closed = true;
      s.release_at = now;
    }
  }
  void SendFin(Conn& c, int x) {
    End& e = c.end[x];
    if (e.fin_sent || e.closed) return;
    e.fin_sent = true;
    DeliverFin(c, x);
  }
  // end x sends len bytes; returns nothing (the write itself succeeds).
  void SendData(Conn& c, int x, int64_t len) {
    End& r = c.end[1 - x];
    if (len == 0) return;
    if (r.closed || Released(r)) {  // forgotten (or reset): RST back
      Reset(c, x);
      return;
    }
    if (r.fin_sent && (r.shut_rd || r.orphan)) {
      // tcp_rcv_state_process: data after RCV_SHUTDOWN in FIN_WAIT1/2.
      Reset(c, 1 - x);
      Reset(c, x);
      return;
    }
    c.written[x] += len;
  }
  void CloseEnd(Conn& c, int x) {
    End& e = c.end[x];
    e.orphan = true;
    e.sock = -1;
    if (e.closed) return;
    if (c.Unread(x) > 0) {  // unread data: RST instead of FIN
      e.closed = true;
      e.release_at = now;
      Reset(c, 1 - x);
      return;
    }
    SendFin(c, x);
    if (!e.closed) e.release_at = now + kFinTimeout;  // orphaned FIN_WAIT2
  }
};

// Removes fd from its process's table and from every epoll interest list.
void DropFd(Model& m, int proc, int fd) {
  int id = m.fds[proc].at(fd);
  m.fds[proc].erase(fd);
  for (auto& [sid, s] : m.socks) {
    if (s.phase == Phase::kEpoll && s.proc == proc) s.interest.erase(fd);
  }
  m.socks.erase(id);
}

// tcp_poll for a model socket (what epoll reports, IN|OUT|RDHUP asked).
uint32_t ModelMask(const Model& m, const Sock& s) {
  switch (s.phase) {
    case Phase::kFresh:
      return EPOLLOUT | EPOLLHUP;
    case Phase::kListening:
      return s.queue.empty() ? 0u : uint32_t{EPOLLIN};
    case Phase::kStuck:
      return 0;
    case Phase::kRefused:
      return EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP |
             (s.err ? uint32_t{EPOLLERR} : 0u);
    case Phase::kEpoll:
      return 0;
    case Phase::kEnd:
      break;
  }
  const Conn& c = m.conns[s.conn];
  const End& e = c.end[s.side];
  bool rcv_sd = e.shut_rd || e.fin_rcvd || e.closed;
  bool snd_sd = e.fin_sent || e.closed;
  uint32_t mask = EPOLLOUT;
  if ((rcv_sd && snd_sd) || e.closed) mask |= EPOLLHUP;
  if (rcv_sd) mask |= EPOLLIN | EPOLLRDHUP;
  if (c.Unread(s.side) > 0) mask |= EPOLLIN;
  if (e.err) mask |= EPOLLERR;
  return mask;
}

// --- the system under test
// -----------------------------------------------------

struct Sut {
  std::unique_ptr<sim::World> world;
  std::vector<sim::Host*> hosts;
  std::vector<sim::Process*> procs;
  std::map<int, sockaddr_in> client_addr;  // conn id -> client's local addr
  uint64_t seed = 0;
  int steps = 0;        // commands run (for the statistics tags)
  int connections = 0;  // connections accepted
};

uint32_t DstIp(int host, AddrKind k) {
  return k == AddrKind::kLo ? kLoopback : HostIp(host);
}
uint32_t BindIp(int host, AddrKind k) {
  return k == AddrKind::kAny ? kAnyAddr : DstIp(host, k);
}

// Checks that hold after every command: open fds, readiness, unread bytes.
void CheckInvariants(const Model& m, Sut& sut) {
  for (int p = 0; p < m.procs(); ++p) {
    sim::Process& proc = *sut.procs[p];
    std::vector<int> expected;
    for (int fd = 0; fd < Model::kStdFds; ++fd) expected.push_back(fd);
    for (const auto& [fd, id] : m.fds[p]) expected.push_back(fd);
    std::vector<int> open = proc.fds().OpenFds();
    RC_ASSERT(open == expected);
    for (const auto& [fd, id] : m.fds[p]) {
      const Sock& s = m.socks.at(id);
      if (s.phase == Phase::kEpoll) continue;
      int64_t got = ProbeMask(proc, fd);
      uint32_t want = ModelMask(m, s) & (kWatched | EPOLLERR | EPOLLHUP);
      if (got != static_cast<int64_t>(want)) {
        RC_LOG() << "readiness of p" << p << " fd" << fd << ": sim "
                 << (got < 0 ? ResultStr(got) : MaskStr(got)) << ", model "
                 << MaskStr(want) << "\n";
      }
      RC_ASSERT(got == static_cast<int64_t>(want));
      if (s.phase == Phase::kEnd) {
        const Conn& c = m.conns[s.conn];
        int64_t unread = c.Unread(s.side);
        if (unread > 0) {  // MSG_PEEK shows exactly the unread bytes
          std::vector<char> buf(kMaxPerDirection + 16);
          ssize_t r = proc.recvfrom(fd, buf.data(), buf.size(),
                                    MSG_PEEK | MSG_DONTWAIT, nullptr, nullptr);
          RC_ASSERT(r == unread);
          int from = 1 - s.side;
          for (ssize_t i = 0; i < r; ++i) {
            RC_ASSERT(buf[i] ==
                      PatternByte(s.conn, from, c.consumed[from] + i));
          }
        }
      }
    }
  }
}

using Cmd = rc::state::Command<Model, Sut>;

// Every command computes its expectation on a copy of the model (Predict),
// so apply() and run() share one piece of code.
struct Expect {
  long result = 0;
  bool settle = false;
  int conn = -1;  // connect: the new conn id; accept: the conn accepted
  int fd = -1;    // composite commands: the fd socket() must return
};

struct ModelCmd : Cmd {
  virtual Expect Predict(Model& m) const = 0;
  // Runs the call on the simulator; returns its raw result.
  virtual long Exec(const Model& before, const Expect& e, Sut& sut) const = 0;
  virtual bool Valid(const Model& m) const = 0;

  void checkPreconditions(const Model& m) const override {
    RC_PRE(Valid(m));
    Model copy = m;
    Predict(copy);
    RC_PRE(copy.TimeOk());
  }
  void apply(Model& m) const override { Predict(m); }
  void run(const Model& m, Sut& sut) const override {
    Model after = m;
    Expect e = Predict(after);
    ++sut.steps;
    long got = Exec(m, e, sut);
    if (got != e.result) {
      RC_LOG() << "expected " << ResultStr(e.result) << ", simulator returned "
               << ResultStr(got) << "\n";
    }
    RC_ASSERT(got == e.result);
    if (e.settle) sut.world->RunFor(std::chrono::nanoseconds(kSettle));
    CheckInvariants(after, sut);
  }
};

// Picks an fd of process p whose socket matches `pred`; RC_PRE otherwise.
template <typename Pred>
int PickFd(const Model& m, int p, Pred pred) {
  std::vector<int> fds;
  for (const auto& [fd, id] : m.fds[p]) {
    if (pred(m.socks.at(id))) fds.push_back(fd);
  }
  RC_PRE(!fds.empty());
  return *rc::gen::elementOf(fds);
}

int PickProc(const Model& m) { return *rc::gen::inRange(0, m.procs()); }

bool IsTcp(const Sock& s) { return s.phase != Phase::kEpoll; }

// --- commands
// ------------------------------------------------------------------

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
    return BindTo(*sut.procs[p], fd, BindIp(m.HostOf(p), addr), port);
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
    if (cross) m.now += kSettle;
    return e;
  }
  long Exec(const Model&, const Expect& e, Sut& sut) const override {
    sim::Process& proc = *sut.procs[p];
    long r = ConnectTo(proc, fd, DstIp(dst_host, dst), port);
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
    int r = BindTo(proc, fd, BindIp(m.HostOf(p), addr), port);
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
    l.queue.pop_front();
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
    if (c.cross) m.now += kSettle;
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
      if (c.cross) m.now += kSettle;
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
    if (x.settle) m.now += kSettle;
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

// --- the property
// ----------------------------------------------------------------

struct Config {
  int hosts;
  int procs_per_host;
  uint64_t seed;
};

std::unique_ptr<Sut> MakeSut(const Config& cfg) {
  auto sut = std::make_unique<Sut>();
  sut->seed = cfg.seed;
  sut->world = std::make_unique<sim::World>(cfg.seed);
  for (int h = 0; h < cfg.hosts; ++h) {
    sut->hosts.push_back(
        &sut->world->AddHost("h" + std::to_string(h), HostIpStr(h)));
  }
  for (int a = 0; a < cfg.hosts; ++a) {
    for (int b = a + 1; b < cfg.hosts; ++b) {
      sut->world->network().SetLatency(*sut->hosts[a], *sut->hosts[b],
                                       std::chrono::nanoseconds(kLatency));
    }
  }
  for (int h = 0; h < cfg.hosts; ++h) {
    for (int i = 0; i < cfg.procs_per_host; ++i) {
      sut->procs.push_back(&sut->hosts[h]->SpawnProcess());
    }
  }
  return sut;
}

// Closes every fd, lets TIME_WAIT pass, and checks that nothing is left.
void CheckNoLeaks(Sut& sut) {
  for (sim::Process* p : sut.procs) {
    for (int fd : p->fds().OpenFds()) RC_ASSERT(p->close(fd) == 0);
  }
  sut.world->RunFor(std::chrono::seconds(61));
  for (sim::Host* h : sut.hosts) {
    if (h->connection_count() != 0 || h->tcp_ports().size() != 0 ||
        h->udp_ports().size() != 0) {
      RC_LOG() << "host " << h->name() << " leaks: connections "
               << h->connection_count() << ", tcp ports "
               << h->tcp_ports().size() << ", udp ports "
               << h->udp_ports().size() << "\n";
    }
    RC_ASSERT(h->connection_count() == 0u);
    RC_ASSERT(h->tcp_ports().size() == 0u);
    RC_ASSERT(h->udp_ports().size() == 0u);
  }
}

RC_GTEST_PROP(ModelProp, SimKernelAgreesWithModel, ()) {
  Config cfg;
  cfg.hosts = *rc::gen::inRange(1, 4);
  cfg.procs_per_host = *rc::gen::inRange(1, 3);
  cfg.seed = *rc::gen::arbitrary<uint64_t>();
  RC_LOG() << ReplayHint(cfg.seed) << "; hosts " << cfg.hosts
           << ", processes per host " << cfg.procs_per_host << "\n";
  Model initial;
  initial.hosts = cfg.hosts;
  initial.procs_per_host = cfg.procs_per_host;
  initial.fds.resize(cfg.hosts * cfg.procs_per_host);
  auto sut = MakeSut(cfg);
  rc::state::check(
      initial, *sut,
      rc::state::gen::execOneOfWithArgs<
          SocketCmd, BindCmd, ListenCmd, ServeCmd, ConnectCmd, DialCmd, DialCmd,
          AcceptCmd, AcceptCmd, WriteCmd, WriteCmd, ReadCmd, ReadCmd,
          ShutdownCmd, CloseCmd, CloseCmd, EpollCreateCmd, EpollCtlCmd,
          EpollWaitCmd, AdvanceCmd>());
  RC_TAG(sut->steps < 10   ? "<10 steps"
         : sut->steps < 40 ? "10-39 steps"
                           : ">=40 steps");
  RC_TAG(sut->client_addr.size() == 0  ? "no connection"
         : sut->client_addr.size() < 4 ? "1-3 connections"
                                       : ">=4 connections");
  CheckNoLeaks(*sut);
}

// --- stream integrity across window edges
// -------------------------------------
//
// One connection (loopback, or between two hosts with latency) with small
// receive and send buffers, so that the receive window closes and reopens
// many times. Random nonblocking writes, reads of random sizes and random
// waits; every read must return exactly the next bytes written, and after
// the writer shuts down, the reader gets every accepted byte and then EOF.

struct StreamOp {
  enum Kind { kWrite, kRead, kAdvance } kind;
  int amount;  // bytes, or microseconds
};

[[maybe_unused]] void showValue(const StreamOp& op, std::ostream& os) {
  switch (op.kind) {
    case StreamOp::kWrite:
      os << "write " << op.amount;
      break;
    case StreamOp::kRead:
      os << "read " << op.amount;
      break;
    case StreamOp::kAdvance:
      os << "advance " << op.amount << "us";
      break;
  }
}

}  // namespace
}  // namespace simsock::props

namespace rc {
template <>
struct Arbitrary<simsock::props::StreamOp> {
  static Gen<simsock::props::StreamOp> arbitrary() {
    using simsock::props::StreamOp;
    return gen::oneOf(gen::construct<StreamOp>(gen::just(StreamOp::kWrite),
                                               gen::inRange(1, 20000)),
                      gen::construct<StreamOp>(gen::just(StreamOp::kRead),
                                               gen::inRange(1, 20000)),
                      gen::construct<StreamOp>(gen::just(StreamOp::kAdvance),
                                               gen::inRange(0, 50000)));
  }
};
}  // namespace rc

namespace simsock::props {
namespace {

RC_GTEST_PROP(ModelProp, StreamIntegrityAcrossWindowEdges,
              (const std::vector<StreamOp>& ops)) {
  uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  bool cross = *rc::gen::arbitrary<bool>();
  int rcvbuf = *rc::gen::inRange(1, 20000);  // doubled, floored at 2304
  int sndbuf = *rc::gen::inRange(1, 20000);  // doubled, floored at 4608
  RC_LOG() << ReplayHint(seed) << "; " << (cross ? "two hosts" : "loopback")
           << ", SO_RCVBUF " << rcvbuf << ", SO_SNDBUF " << sndbuf << "\n";
  sim::World world(seed);
  sim::Host& a = world.AddHost("a", "10.0.0.1");
  sim::Host& b = cross ? world.AddHost("b", "10.0.0.2") : a;
  if (cross) world.network().SetLatency(a, b, std::chrono::milliseconds(1));
  sim::Process& server = a.SpawnProcess();
  sim::Process& client = b.SpawnProcess();
  int l = server.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  RC_ASSERT(
      server.setsockopt(l, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) == 0);
  RC_ASSERT(BindTo(server, l, kAnyAddr, 7001) == 0);
  RC_ASSERT(server.listen(l, 4) == 0);
  int c = client.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  RC_ASSERT(
      client.setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) == 0);
  RC_ASSERT(ConnectTo(client, c, cross ? HostIp(0) : kLoopback, 7001) ==
            -EINPROGRESS);
  world.RunFor(std::chrono::milliseconds(10));
  int s = server.accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
  RC_ASSERT(s >= 0);

  int64_t written = 0, read = 0;
  std::vector<char> buf;
  auto check_read = [&](const std::vector<char>& data, ssize_t r) {
    for (ssize_t i = 0; i < r; ++i) {
      if (data[i] != PatternByte(0, 0, read + i)) {
        RC_LOG() << "byte " << read + i << " is wrong (read of " << r
                 << " bytes at offset " << read << ", " << written
                 << " written)\n";
        RC_FAIL("bytes read are not a prefix of the bytes written");
      }
    }
    read += r;
  };
  for (const StreamOp& op : ops) {
    if (op.kind == StreamOp::kWrite) {
      buf.resize(op.amount);
      for (int i = 0; i < op.amount; ++i)
        buf[i] = PatternByte(0, 0, written + i);
      ssize_t r = client.write(c, buf.data(), buf.size());
      RC_ASSERT(r == -EAGAIN || (r > 0 && r <= op.amount));
      if (r > 0) written += r;
    } else if (op.kind == StreamOp::kRead) {
      buf.assign(op.amount, 0);
      ssize_t r = server.read(s, buf.data(), buf.size());
      RC_ASSERT(r == -EAGAIN || (r > 0 && r <= op.amount));
      if (r > 0) check_read(buf, r);
      RC_ASSERT(read <= written);
    } else {
      world.RunFor(std::chrono::microseconds(op.amount));
    }
  }
  RC_ASSERT(client.shutdown(c, SHUT_WR) == 0);
  buf.assign(65536, 0);
  ssize_t last = -EAGAIN;
  for (int round = 0; round < 2000 && last != 0; ++round) {
    last = server.read(s, buf.data(), buf.size());
    if (last > 0) {
      check_read(buf, last);
    } else if (last == -EAGAIN) {
      world.RunFor(std::chrono::milliseconds(5));
    } else {
      RC_ASSERT(last == 0);
    }
  }
  if (read != written) {
    RC_LOG() << "reader got " << read << " of " << written << " bytes before "
             << ResultStr(last) << "\n";
  }
  RC_ASSERT(last == 0);  // EOF only after every byte
  RC_ASSERT(read == written);
}

}  // namespace
}  // namespace simsock::props
