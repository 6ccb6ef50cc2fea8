// Differential scenarios: epoll items belong to a (file, fd number) pair,
// not to the number alone (fs/eventpoll.c: epi->ffd, ep_find). When an fd is
// closed while its file lives on through a dup, the item stays; a new file
// that takes the freed number is a different item; epoll_ctl on the number
// resolves it to the file it names now and finds only that file's item; the
// last close of a file removes its items and nobody else's.
// docs/semantics.md §2.9, §2.13.
//
// The harness's EpollCtl uses the fd number as the event data and sorts what
// epoll_wait returns, which cannot tell two items under one number apart.
// These scenarios give each registration a tag as data and log the events
// in the order epoll_wait returned them (the ready list's order).
#include <fcntl.h>

#include <map>
#include <string>

#include "simsock/net/sys/names.h"
#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

class Tags {
 public:
  // epoll_ctl with `tag` as the event data (DEL passes no event).
  int Ctl(Script& s, int ep, int op, int fd, uint32_t events,
          const std::string& tag = "") {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = Id(tag);
    int r = s.sys().epoll_ctl(ep, op, fd, op == EPOLL_CTL_DEL ? nullptr : &ev);
    std::string line =
        "epoll_ctl(" + s.Fd(ep) + ", " + sys::EpollOpName(op) + ", " + s.Fd(fd);
    if (op != EPOLL_CTL_DEL)
      line += ", " + EpollMaskName(events) + ", data " + tag;
    s.Line(line + ") = " + s.Result(r));
    return r;
  }

  // epoll_wait with timeout 0; events in the order they were returned.
  int Wait(Script& s, int ep, int maxevents = 16) {
    epoll_event evs[16];
    int r = s.sys().epoll_wait(ep, evs, std::min(maxevents, 16), 0);
    std::string line =
        "epoll_wait(" + s.Fd(ep) +
        (maxevents != 16 ? ", max " + std::to_string(maxevents) : "") + ") = ";
    if (r < 0) {
      line += s.Result(r);
    } else {
      line += "[";
      for (int i = 0; i < r; ++i) {
        if (i) line += ", ";
        // epoll_event is packed: copy the field before binding it.
        const uint64_t tag = evs[i].data.u64;
        auto it = names_.find(tag);
        line += (it != names_.end() ? it->second : std::string("?")) + ": " +
                EpollMaskName(evs[i].events);
      }
      line += "]";
    }
    s.Line(line);
    return r;
  }

 private:
  uint64_t Id(const std::string& tag) {
    for (const auto& [id, name] : names_)
      if (name == tag) return id;
    uint64_t id = 0x5eed0000 + names_.size();
    names_[id] = tag;
    return id;
  }
  std::map<uint64_t, std::string> names_;
};

// File A (an accepted TCP socket) registered under its number N with tag
// "A", kept open by a dup D, N closed, and a new UDP socket B that takes N,
// bound to <udp>; `sender` is a UDP socket that can send to it.
struct Reused {
  Conn c;
  int ep = -1;
  int dup = -1;     // D: A's remaining fd
  int number = -1;  // N: A's old number, now B's
  int sender = -1;
  Ep udp;
};

Reused SetUp(Script& s, Tags& t) {
  Reused r;
  r.c = Establish(s);
  r.ep = s.EpollCreate(0);
  t.Ctl(s, r.ep, EPOLL_CTL_ADD, r.c.server, EPOLLIN, "A");
  r.dup = s.Fcntl(r.c.server, F_DUPFD, 0);
  r.sender = s.Udp();
  r.number = r.c.server;
  s.Close(r.c.server);
  int b = s.Udp();
  s.Check("the new socket took the closed number", b == r.number);
  r.udp = Lo(s.Port("udp"));
  s.Bind(b, r.udp);
  return r;
}

// EPOLL_CTL_ADD under the reused number is a new item (the old file's item
// is (A, N), the new one (B, N)); both report, each with its own data, in
// ready-list order; closing B removes only B's item, and the last close of
// A (its dup) removes A's.
DIFF_SCENARIO(EpollReuse_AddUnderAReusedNumberIsASecondItem) {
  Tags t;
  Reused r = SetUp(s, t);
  t.Ctl(s, r.ep, EPOLL_CTL_ADD, r.number, EPOLLIN, "B");  // 0, not EEXIST
  t.Wait(s, r.ep);                                        // nothing ready
  s.Write(r.c.client, "ping");
  s.Settle();
  t.Wait(s, r.ep);  // [A: IN]
  s.SendTo(r.sender, "dgram", 0, &r.udp);
  s.Settle();
  t.Wait(s, r.ep);  // [A: IN, B: IN]
  // Level-triggered items go back to the tail: one at a time they alternate.
  t.Wait(s, r.ep, 1);
  t.Wait(s, r.ep, 1);
  t.Wait(s, r.ep, 1);
  s.Close(r.number);  // B's last fd: only B's item goes
  t.Wait(s, r.ep);    // [A: IN]
  s.Close(r.dup);     // A's last fd
  t.Wait(s, r.ep);    // []
}

// MOD and DEL on the reused number resolve it to B: before B is added they
// are ENOENT (A's item is not touched), after it they act on B's item only.
DIFF_SCENARIO(EpollReuse_ModAndDelActOnTheFileTheNumberNamesNow) {
  Tags t;
  Reused r = SetUp(s, t);
  t.Ctl(s, r.ep, EPOLL_CTL_MOD, r.number, EPOLLOUT, "B");  // ENOENT
  t.Ctl(s, r.ep, EPOLL_CTL_DEL, r.number, 0);              // ENOENT
  s.Write(r.c.client, "ping");
  s.Settle();
  t.Wait(s, r.ep);  // [A: IN]: still registered, data unchanged
  t.Ctl(s, r.ep, EPOLL_CTL_ADD, r.number, EPOLLIN, "B");
  t.Ctl(s, r.ep, EPOLL_CTL_ADD, r.number, EPOLLIN, "B2");  // EEXIST
  t.Ctl(s, r.ep, EPOLL_CTL_MOD, r.number, EPOLLOUT, "B-out");
  t.Wait(s, r.ep);  // [A: IN, B-out: OUT]
  t.Ctl(s, r.ep, EPOLL_CTL_DEL, r.number, 0);
  t.Wait(s, r.ep);                                         // [A: IN]
  t.Ctl(s, r.ep, EPOLL_CTL_DEL, r.number, 0);              // ENOENT
  t.Ctl(s, r.ep, EPOLL_CTL_MOD, r.number, EPOLLIN, "B3");  // ENOENT
  // A's remaining fd has no item of its own either.
  t.Ctl(s, r.ep, EPOLL_CTL_MOD, r.dup, EPOLLIN, "D");  // ENOENT
  s.Close(r.dup);
  t.Wait(s, r.ep);  // []
}

// Closing the dup first (A's last fd) removes A's item and leaves B's.
DIFF_SCENARIO(EpollReuse_ClosingTheOldFileRemovesOnlyItsItem) {
  Tags t;
  Reused r = SetUp(s, t);
  t.Ctl(s, r.ep, EPOLL_CTL_ADD, r.number, EPOLLIN, "B");
  s.Write(r.c.client, "ping");
  s.Settle();
  s.SendTo(r.sender, "dgram", 0, &r.udp);
  s.Settle();
  t.Wait(s, r.ep);  // [A: IN, B: IN]
  s.Close(r.dup);
  t.Wait(s, r.ep);                                         // [B: IN]
  t.Ctl(s, r.ep, EPOLL_CTL_MOD, r.number, EPOLLIN, "B2");  // still B's item
  t.Wait(s, r.ep);                                         // [B2: IN]
  s.Settle();
  // A really closed: with "ping" unread, its close reset the connection.
  s.Read(r.c.client, 16);  // ECONNRESET
  s.Close(r.number);
  t.Wait(s, r.ep);  // []
}

// The same file back under its old number (a dup that lands on it) finds
// the old item: ADD is EEXIST, MOD changes it. Another number of the same
// file is an item of its own; closing one number of a file that lives on
// keeps that number's item.
DIFF_SCENARIO(EpollReuse_SameFileBackUnderItsOldNumberIsTheOldItem) {
  Tags t;
  Conn c = Establish(s);
  int ep = s.EpollCreate(0);
  t.Ctl(s, ep, EPOLL_CTL_ADD, c.server, EPOLLIN, "A");
  int d = s.Fcntl(c.server, F_DUPFD, 0);
  int n = c.server;
  s.Close(c.server);
  int e = s.Fcntl(d, F_DUPFD, 0);
  s.Check("the dup took the closed number", e == n);
  t.Ctl(s, ep, EPOLL_CTL_ADD, e, EPOLLIN, "A2");     // EEXIST
  t.Ctl(s, ep, EPOLL_CTL_MOD, e, EPOLLIN, "A-mod");  // 0: the old item
  s.Write(c.client, "ping");
  s.Settle();
  t.Wait(s, ep);  // [A-mod: IN]
  t.Ctl(s, ep, EPOLL_CTL_ADD, d, EPOLLIN, "A-dup");
  t.Wait(s, ep);  // [A-mod: IN, A-dup: IN]
  s.Close(e);
  t.Wait(s, ep);  // both: the file is still open through d
  t.Ctl(s, ep, EPOLL_CTL_DEL, d, 0);
  t.Wait(s, ep);  // [A-mod: IN]
  s.Close(d);
  t.Wait(s, ep);  // []
}

// One-shot and edge-triggered items under one number keep their own state:
// disarming B (one-shot, reported once) leaves A reporting, and re-arming B
// with MOD does not touch A.
DIFF_SCENARIO(EpollReuse_TwoItemsUnderOneNumberKeepTheirOwnState) {
  Tags t;
  Reused r = SetUp(s, t);
  t.Ctl(s, r.ep, EPOLL_CTL_ADD, r.number, EPOLLIN | EPOLLONESHOT, "B");
  s.Write(r.c.client, "ping");
  s.Settle();
  s.SendTo(r.sender, "dgram", 0, &r.udp);
  s.Settle();
  t.Wait(s, r.ep);  // [A: IN, B: IN]
  t.Wait(s, r.ep);  // [A: IN]: B is disarmed
  t.Ctl(s, r.ep, EPOLL_CTL_MOD, r.number, EPOLLIN | EPOLLET, "B-et");
  t.Wait(s, r.ep);  // [A: IN, B-et: IN]
  t.Wait(s, r.ep);  // [A: IN]: B is edge-triggered now
  s.SendTo(r.sender, "more", 0, &r.udp);
  s.Settle();
  t.Wait(s, r.ep);  // [A: IN, B-et: IN]
}

}  // namespace
}  // namespace simsock::diff
