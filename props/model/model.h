// The reference model of ModelProp.SimKernelAgreesWithModel
// (props/model_prop.cc has the whole story): the TCP sockets, connections,
// epoll sets and timers of 1-3 hosts at the syscall level, as Linux keeps
// them (docs/semantics.md), and the readiness each socket has.
#pragma once

#include <netinet/tcp.h>
#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "props/model/flat_map.h"
#include "props/prop_util.h"
#include "simsock/sim/inet/port_table.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::props::model {

// Every stream socket the commands make. The model delivers each write at
// once; with Nagle, Linux's delayed ACK holds a small write behind an
// unacknowledged small one for up to 40 ms, which the model does not
// predict (the differential scenarios Data_SmallWritesSplitWhen... and
// Data_RequestResponse... check it against Linux). So every socket has
// TCP_NODELAY; accepted ones inherit it from their listener.
inline int StreamSocket(sim::Process& proc) {
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

inline const char* KindName(AddrKind k) {
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

inline bool Overlap(AddrKind a, AddrKind b) {
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
  // listener: conn ids in arrival order. A vector, not a deque: rapidcheck
  // copies the model for every command it generates, and an empty
  // std::deque allocates its map and a node when copied (a third of the
  // property's time went to such copies); the queue never holds more than
  // a backlog's few entries, so popping the front is cheap.
  std::vector<int> queue;
  int conn = -1;  // kEnd
  int side = 0;
  bool reported = false;    // client: connect() already returned 0
  bool no_connect = false;  // shutdown() of a closed client: SS_DISCONNECTING
  // Sticky roles (docs/semantics.md §2.14): once a connection (its connect()
  // sent a SYN, or it was accepted) it never listens; once a listener it
  // never connects. Kept when a failed connect makes the socket fresh.
  bool was_connection = false;
  bool was_listener = false;
  int err = 0;                      // kRefused: pending ECONNREFUSED
  Time stuck_since = 0;             // kStuck
  FlatMap<int, uint32_t> interest;  // kEpoll: fd -> events
};

struct Model {
  int hosts = 1;
  int procs_per_host = 1;
  Time now = 0;
  // Flat maps, not std::map: see flat_map.h (the model is copied for every
  // command rapidcheck generates).
  std::vector<FlatMap<int, int>> fds;  // per process: fd -> sock id
  FlatMap<int, Sock> socks;
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
inline void DropFd(Model& m, int proc, int fd) {
  int id = m.fds[proc].at(fd);
  m.fds[proc].erase(fd);
  for (auto& [sid, s] : m.socks) {
    if (s.phase == Phase::kEpoll && s.proc == proc) s.interest.erase(fd);
  }
  m.socks.erase(id);
}

// tcp_poll for a model socket (what epoll reports, IN|OUT|RDHUP asked).
inline uint32_t ModelMask(const Model& m, const Sock& s) {
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

}  // namespace simsock::props::model
