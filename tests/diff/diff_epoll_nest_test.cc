// Differential scenarios: an epoll inside another (fs/eventpoll.c). The
// outer sees the inner as readable (EPOLLIN | EPOLLRDNORM, masked by what
// it asked) while an item on the inner's ready list is ready
// (__ep_eventpoll_poll, which drops stale items from that list); each
// wakeup of an inner item wakes the outer with key EPOLLIN
// (ep_poll_callback), so an edge-triggered outer reports again per event;
// ADD refuses the epoll itself (EINVAL), cycles and chains of more than
// EP_MAX_NESTS = 4 links (ELOOP, ep_loop_check), and EPOLLEXCLUSIVE on an
// epoll target (EINVAL). docs/semantics.md §2.13.
#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

struct Udp2 {
  int rx = -1;  // bound to <rx>
  int tx = -1;
  Ep dst;
};
Udp2 UdpPair(Script& s, const char* role = "rx") {
  Udp2 p;
  p.dst = Lo(s.Port(role));
  p.rx = s.Udp();
  s.Bind(p.rx, p.dst);
  p.tx = s.Udp();
  return p;
}

// Level-triggered at both levels: the outer reports IN (with RDNORM when it
// asked for it, never OUT, PRI or RDHUP) for as long as the inner has a
// ready item, whether or not the inner is waited on.
DIFF_SCENARIO(EpollNest_LevelTriggeredOuterSeesInOnly) {
  Udp2 p = UdpPair(s);
  int in = s.EpollCreate();
  int out = s.EpollCreate();
  int out2 = s.EpollCreate();
  s.EpollCtl(in, EPOLL_CTL_ADD, p.rx, EPOLLIN);
  s.EpollCtl(out, EPOLL_CTL_ADD, in,
             EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLPRI | EPOLLRDHUP);
  s.EpollCtl(out2, EPOLL_CTL_ADD, in, EPOLLIN);
  s.EpollWait(out);  // nothing
  Mask(s, in);       // none
  s.SendTo(p.tx, "a", 0, &p.dst);
  s.Settle();
  s.EpollWait(out);
  s.EpollWait(out2);
  s.EpollWait(in);
  s.EpollWait(out);  // still: the inner item is level-triggered
  Mask(s, in);
  s.Recv(p.rx, 8, 0);
  s.EpollWait(out);  // nothing
  s.EpollWait(out2);
  s.EpollWait(in);
}

// An edge-triggered outer reports once per wakeup of the inner: a second
// datagram wakes it again although the inner item was still on the inner's
// ready list; waiting on the (level-triggered) inner requeues its item
// without waking the outer.
DIFF_SCENARIO(EpollNest_EdgeTriggeredOuterRearmsOnEachInnerEvent) {
  Udp2 p = UdpPair(s);
  int in = s.EpollCreate();
  int out = s.EpollCreate();
  s.EpollCtl(in, EPOLL_CTL_ADD, p.rx, EPOLLIN);
  s.EpollCtl(out, EPOLL_CTL_ADD, in, EPOLLIN | EPOLLET);
  s.EpollWait(out);
  s.SendTo(p.tx, "a", 0, &p.dst);
  s.Settle();
  s.EpollWait(out);
  s.EpollWait(out);  // nothing until the next wakeup
  s.SendTo(p.tx, "b", 0, &p.dst);
  s.Settle();
  s.EpollWait(out);  // again
  s.EpollWait(out);
  s.EpollWait(in);
  s.EpollWait(out);  // the inner's own wait woke nobody
  s.Recv(p.rx, 8, 0);
  s.SendTo(p.tx, "c", 0, &p.dst);
  s.Settle();
  s.EpollWait(out);
  s.Recv(p.rx, 8, 0);
  s.Recv(p.rx, 8, 0);
  s.SendTo(p.tx, "d", 0, &p.dst);
  s.Recv(p.rx, 8, 0);  // read before anyone looked
  s.Settle();
  s.EpollWait(out);  // the wakeup happened, but the inner is not ready
  s.EpollWait(in);
}

// An edge-triggered inner item: once the inner's own epoll_wait reported
// it, the inner has nothing ready and the outer (level-triggered) stops
// reporting; the next datagram makes both report again.
DIFF_SCENARIO(EpollNest_EdgeTriggeredInnerItemConsumedByInnerWait) {
  Udp2 p = UdpPair(s);
  int in = s.EpollCreate();
  int out = s.EpollCreate();
  s.EpollCtl(in, EPOLL_CTL_ADD, p.rx, EPOLLIN | EPOLLET);
  s.EpollCtl(out, EPOLL_CTL_ADD, in, EPOLLIN);
  s.SendTo(p.tx, "a", 0, &p.dst);
  s.Settle();
  s.EpollWait(out);
  s.EpollWait(out);  // polling the inner does not consume its ET event
  s.EpollWait(in);
  s.EpollWait(out);  // nothing
  s.EpollWait(in);
  s.SendTo(p.tx, "b", 0, &p.dst);
  s.Settle();
  s.EpollWait(out);
  s.EpollWait(out);
  s.EpollWait(in);
  s.EpollWait(out);
  s.Recv(p.rx, 8, 0);
  s.Recv(p.rx, 8, 0);
}

// Edge-triggered at both levels.
DIFF_SCENARIO(EpollNest_EdgeTriggeredAtBothLevels) {
  Udp2 p = UdpPair(s);
  int in = s.EpollCreate();
  int out = s.EpollCreate();
  s.EpollCtl(in, EPOLL_CTL_ADD, p.rx, EPOLLIN | EPOLLET);
  s.EpollCtl(out, EPOLL_CTL_ADD, in, EPOLLIN | EPOLLET);
  s.SendTo(p.tx, "a", 0, &p.dst);
  s.Settle();
  s.EpollWait(out);
  s.EpollWait(out);
  s.EpollWait(in);
  s.EpollWait(out);
  s.SendTo(p.tx, "b", 0, &p.dst);
  s.Settle();
  s.EpollWait(in);  // the inner first: the outer's event is then stale
  s.EpollWait(out);
  s.SendTo(p.tx, "c", 0, &p.dst);
  s.Settle();
  s.EpollWait(out);
  s.EpollWait(in);
  s.EpollWait(in);
  s.EpollWait(out);
}

// The inner wakes its watchers with key EPOLLIN only: an outer item that
// asked for EPOLLRDNORM alone is never woken, though a poll at ADD or MOD
// time finds the inner readable (and reports RDNORM).
DIFF_SCENARIO(EpollNest_OuterAskingRdnormOnlyIsNotWoken) {
  Udp2 p = UdpPair(s);
  int in = s.EpollCreate();
  int out = s.EpollCreate();
  s.EpollCtl(in, EPOLL_CTL_ADD, p.rx, EPOLLIN);
  s.EpollCtl(out, EPOLL_CTL_ADD, in, EPOLLRDNORM);
  s.SendTo(p.tx, "a", 0, &p.dst);
  s.Settle();
  s.EpollWait(out);  // nothing: the wakeup was filtered
  s.EpollCtl(out, EPOLL_CTL_MOD, in, EPOLLRDNORM);
  s.EpollWait(out);  // the MOD poll found it
  s.EpollWait(out);  // level-triggered: still there
  int out2 = s.EpollCreate();
  s.EpollCtl(out2, EPOLL_CTL_ADD, in, EPOLLRDNORM | EPOLLET);
  s.EpollWait(out2);
  s.SendTo(p.tx, "b", 0, &p.dst);
  s.Settle();
  s.EpollWait(out2);  // nothing
  s.EpollCtl(out2, EPOLL_CTL_MOD, in, EPOLLIN | EPOLLRDNORM | EPOLLET);
  s.EpollWait(out2);
  s.SendTo(p.tx, "c", 0, &p.dst);
  s.Settle();
  s.EpollWait(out2);
}

// Polling the inner (here through the outer's epoll_wait) drops the items
// it finds not ready from the inner's ready list, up to the first ready
// one; a later event puts such an item back at the tail. Seen in the
// order the inner reports with maxevents 1.
DIFF_SCENARIO(EpollNest_PollingTheInnerDropsStaleItems) {
  Udp2 a = UdpPair(s, "a");
  Udp2 b = UdpPair(s, "b");
  int in = s.EpollCreate();
  int out = s.EpollCreate();
  s.EpollCtl(in, EPOLL_CTL_ADD, a.rx, EPOLLIN);
  s.EpollCtl(in, EPOLL_CTL_ADD, b.rx, EPOLLIN);
  s.EpollCtl(out, EPOLL_CTL_ADD, in, EPOLLIN);
  s.SendTo(a.tx, "1", 0, &a.dst);
  s.SendTo(b.tx, "2", 0, &b.dst);
  s.Settle();
  s.Recv(a.rx, 8, 0);  // a is stale at the head of the inner's list
  s.EpollWait(out);    // the poll drops a
  s.SendTo(a.tx, "3", 0, &a.dst);
  s.Settle();
  s.EpollWait(in, 1);  // b first, a behind it
  s.EpollWait(in, 1);
  s.Recv(a.rx, 8, 0);
  s.Recv(b.rx, 8, 0);
  // Without a poll of the inner, a stale item keeps its place: the list is
  // [b, a] (the order the level-triggered requeue left), a is read and
  // gets new data, b stays first.
  s.SendTo(a.tx, "4", 0, &a.dst);
  s.SendTo(b.tx, "5", 0, &b.dst);
  s.Settle();
  s.Recv(a.rx, 8, 0);
  s.SendTo(a.tx, "6", 0, &a.dst);
  s.Settle();
  s.EpollWait(in, 1);
  s.EpollWait(in, 1);
  s.Recv(a.rx, 8, 0);
  s.Recv(b.rx, 8, 0);
}

// ADD of an epoll into itself is EINVAL, a cycle of any length ELOOP, and
// so is a chain of more than 4 links, whichever end it grows from.
DIFF_SCENARIO(EpollNest_SelfCyclesAndChainLength) {
  int e[7];
  for (int& fd : e) fd = s.EpollCreate();
  s.EpollCtl(e[0], EPOLL_CTL_ADD, e[0], EPOLLIN);  // EINVAL
  // e[i+1] watches e[i]: the chain grows upwards.
  for (int i = 0; i < 5; ++i)
    s.EpollCtl(e[i + 1], EPOLL_CTL_ADD, e[i], EPOLLIN);
  s.EpollCtl(e[6], EPOLL_CTL_ADD, e[5], EPOLLIN);  // a separate pair
  s.EpollCtl(e[0], EPOLL_CTL_ADD, e[1], EPOLLIN);  // a 2-cycle: ELOOP
  s.EpollCtl(e[0], EPOLL_CTL_ADD, e[3], EPOLLIN);  // a 4-cycle: ELOOP
  s.EpollCtl(e[1], EPOLL_CTL_ADD, e[0], EPOLLIN);  // already there: EEXIST
  s.EpollCtl(e[1], EPOLL_CTL_MOD, e[0], EPOLLIN | EPOLLET);
  s.EpollCtl(e[1], EPOLL_CTL_ADD, e[0], EPOLLIN | EPOLLEXCLUSIVE);  // EINVAL
  s.EpollCtl(e[6], EPOLL_CTL_ADD, e[4], EPOLLIN | EPOLLEXCLUSIVE);  // EINVAL
  for (int& fd : e) s.Close(fd);
  for (int& fd : e) fd = s.EpollCreate();
  // e[i] watches e[i+1]: the chain grows downwards.
  for (int i = 5; i >= 0; --i)
    s.EpollCtl(e[i], EPOLL_CTL_ADD, e[i + 1], EPOLLIN);
  for (int& fd : e) s.Close(fd);
}

// The limit counts the links below the added epoll plus the new link plus
// the links above the epoll it is added to, along the longest paths; two
// chains that are each short may not be joined into a long one.
DIFF_SCENARIO(EpollNest_DepthCountsLinksAboveAndBelow) {
  int e[8];
  for (int& fd : e) fd = s.EpollCreate();
  s.EpollCtl(e[0], EPOLL_CTL_ADD, e[1], EPOLLIN);
  s.EpollCtl(e[1], EPOLL_CTL_ADD, e[2], EPOLLIN);
  s.EpollCtl(e[3], EPOLL_CTL_ADD, e[4], EPOLLIN);
  s.EpollCtl(e[4], EPOLL_CTL_ADD, e[5], EPOLLIN);
  s.EpollCtl(e[2], EPOLL_CTL_ADD, e[3], EPOLLIN);  // 2 + 1 + 2 = 5: ELOOP
  s.EpollCtl(e[2], EPOLL_CTL_ADD, e[4], EPOLLIN);  // 1 + 1 + 2 = 4
  s.EpollCtl(e[3], EPOLL_CTL_ADD, e[1], EPOLLIN);  // no cycle: 3 + 1 + 0
  s.EpollCtl(e[1], EPOLL_CTL_ADD, e[0], EPOLLIN);  // cycle: ELOOP
  s.EpollCtl(e[6], EPOLL_CTL_ADD, e[3], EPOLLIN);  // e3 has 4 below: ELOOP
  // e5 has 4 above (e0 > e1 > e2 > e4 > e5), so nothing may go under it.
  s.EpollCtl(e[5], EPOLL_CTL_ADD, e[6], EPOLLIN);  // 0 + 1 + 4: ELOOP
  s.EpollCtl(e[6], EPOLL_CTL_ADD, e[7], EPOLLIN);
  s.EpollCtl(e[7], EPOLL_CTL_ADD, e[0], EPOLLIN);  // 4 + 1 + 1: ELOOP
  s.EpollCtl(e[6], EPOLL_CTL_ADD, e[0], EPOLLIN);  // 4 + 1 + 0: ELOOP
  s.EpollCtl(e[6], EPOLL_CTL_ADD, e[2], EPOLLIN);  // 2 + 1 + 0 = 3
  s.EpollCtl(e[7], EPOLL_CTL_ADD, e[2], EPOLLIN);  // 2 + 1 + 1 = 4
  s.EpollCtl(e[7], EPOLL_CTL_ADD, e[1], EPOLLIN);  // 3 + 1 + 1 = 5: ELOOP
}

// A link leaves the count when it goes: by DEL, or when the inner's last fd
// is closed (its items in other epolls are removed) or the outer's (its own
// items go). The freed depth can then be used.
DIFF_SCENARIO(EpollNest_RemovedLinksFreeTheDepth) {
  int e[6];
  for (int& fd : e) fd = s.EpollCreate();
  for (int i = 0; i < 4; ++i)
    s.EpollCtl(e[i], EPOLL_CTL_ADD, e[i + 1], EPOLLIN);
  s.EpollCtl(e[4], EPOLL_CTL_ADD, e[5], EPOLLIN);  // ELOOP
  s.EpollCtl(e[0], EPOLL_CTL_DEL, e[1], 0);
  s.EpollCtl(e[4], EPOLL_CTL_ADD, e[5], EPOLLIN);  // 4 links now
  s.EpollCtl(e[0], EPOLL_CTL_ADD, e[1], EPOLLIN);  // ELOOP
  s.Close(e[3]);  // e2 -> e3 and e3 -> e4 go with it
  s.EpollCtl(e[0], EPOLL_CTL_ADD, e[1], EPOLLIN);
  s.EpollCtl(e[2], EPOLL_CTL_ADD, e[4], EPOLLIN);             // 1 + 1 + 2 = 4
  s.EpollCtl(e[5], EPOLL_CTL_ADD, Script::kHugeFd, EPOLLIN);  // EBADF
  int x = s.EpollCreate();
  s.EpollCtl(e[5], EPOLL_CTL_ADD, x, EPOLLIN);  // ELOOP: 5 links
  s.Close(e[0]);  // its items go: e1 has nothing above
  s.EpollCtl(e[5], EPOLL_CTL_ADD, x, EPOLLIN);
  // The chain still carries readiness from the bottom to the top.
  Udp2 p = UdpPair(s);
  s.EpollCtl(x, EPOLL_CTL_ADD, p.rx, EPOLLIN);
  s.SendTo(p.tx, "a", 0, &p.dst);
  s.Settle();
  s.EpollWait(e[1]);
  s.EpollWait(e[2]);
  s.EpollWait(e[5]);
  s.EpollWait(x);
}

// Other item kinds around a nested epoll: a one-shot outer item reports the
// inner once until EPOLL_CTL_MOD; a disabled one-shot inner item does not
// make the inner readable; DEL of the inner's item, and closing the inner,
// leave the outer nothing to report; a ready item added to the inner wakes
// an edge-triggered outer (ep_insert), a MOD of an item already on the
// inner's ready list does not.
DIFF_SCENARIO(EpollNest_OneshotDelCloseAndCtlWakeups) {
  Udp2 p = UdpPair(s);
  Udp2 q = UdpPair(s, "rx2");
  int in = s.EpollCreate();
  int out = s.EpollCreate();
  s.EpollCtl(in, EPOLL_CTL_ADD, p.rx, EPOLLIN);
  s.EpollCtl(out, EPOLL_CTL_ADD, in, EPOLLIN | EPOLLONESHOT);
  s.SendTo(p.tx, "a", 0, &p.dst);
  s.Settle();
  s.EpollWait(out);
  s.EpollWait(out);  // one-shot: disabled
  s.EpollCtl(out, EPOLL_CTL_MOD, in, EPOLLIN | EPOLLONESHOT);
  s.EpollWait(out);
  s.EpollCtl(out, EPOLL_CTL_MOD, in, EPOLLIN);
  s.EpollCtl(in, EPOLL_CTL_MOD, p.rx, EPOLLIN | EPOLLONESHOT);
  s.EpollWait(in);   // reported, then disabled
  s.EpollWait(out);  // the inner has nothing ready
  Mask(s, in);
  s.EpollCtl(in, EPOLL_CTL_DEL, p.rx, 0);
  s.EpollWait(out);
  int et = s.EpollCreate();
  s.EpollCtl(et, EPOLL_CTL_ADD, in, EPOLLIN | EPOLLET);
  s.EpollWait(et);
  s.EpollCtl(in, EPOLL_CTL_ADD, p.rx, EPOLLIN);  // ready at once: wakes
  s.EpollWait(et);
  s.EpollCtl(in, EPOLL_CTL_MOD, p.rx, EPOLLIN | EPOLLRDNORM);  // linked
  s.EpollWait(et);                                             // no new wakeup
  s.SendTo(q.tx, "b", 0, &q.dst);
  s.Settle();
  s.EpollCtl(in, EPOLL_CTL_ADD, q.rx, EPOLLIN);
  s.EpollWait(et);
  s.EpollWait(in);
  s.Close(in);
  s.EpollWait(out);  // the inner's items in out and et are gone
  s.EpollWait(et);
  s.EpollCtl(out, EPOLL_CTL_ADD, et, EPOLLIN);
  s.EpollWait(out);
}

}  // namespace
}  // namespace simsock::diff
