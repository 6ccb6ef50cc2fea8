// Differential scenarios: eventfd2(2) — eventfd_read, eventfd_write and
// eventfd_poll (sim/vfs/eventfd.h; docs/semantics.md, "Pipes and
// eventfds"). Nonblocking: nothing here may wait.
#include <fcntl.h>
#include <sys/epoll.h>

#include <cstdint>

#include "simsock/testing/diff/harness.h"

namespace simsock::diff {
namespace {

constexpr int kSemaphore = 1;  // EFD_SEMAPHORE
constexpr uint64_t kMaxCount = 0xfffffffffffffffeULL;

DIFF_SCENARIO(EventFd_Counter) {
  const int e = s.EventFd(3, O_NONBLOCK);
  s.Fcntl(e, F_GETFL);
  s.Fcntl(e, F_GETFD);
  s.ReadU64(e);  // 3, and 0 after
  s.ReadU64(e);  // EAGAIN
  s.WriteU64(e, 5);
  s.WriteU64(e, 7);
  s.ReadU64(e, 64);  // a larger buffer: still 8 bytes
  s.WriteU64(e, 0);  // adds nothing
  s.ReadU64(e);      // EAGAIN
  s.Read(e, 4);      // too short: EINVAL
  s.WriteU64(e, 1, 4);
  s.ReadU64(e, 0);
  s.WriteU64(e, 1, 16);  // 16 bytes offered: 8 taken
  s.ReadU64(e);
  s.Recv(e, 8, 0);  // not a socket
}

DIFF_SCENARIO(EventFd_Semaphore) {
  const int e = s.EventFd(2, O_NONBLOCK | kSemaphore);
  s.ReadU64(e);
  s.ReadU64(e);
  s.ReadU64(e);  // EAGAIN
  s.WriteU64(e, 3);
  s.ReadU64(e);
  s.ReadU64(e);
  s.ReadU64(e);
  s.ReadU64(e);
}

DIFF_SCENARIO(EventFd_LimitsAndFlags) {
  s.EventFd(0, 0x2);  // an unknown flag
  s.EventFd(0, O_NONBLOCK | O_DIRECT);
  const int c = s.EventFd(0, O_NONBLOCK | O_CLOEXEC);
  s.Fcntl(c, F_GETFL);  // eventfd keeps O_CLOEXEC in its flags
  s.Fcntl(c, F_GETFD);
  s.Fcntl(c, F_SETFL, 0);
  s.Fcntl(c, F_GETFL);
  s.Fcntl(c, F_GETPIPE_SZ);  // not a pipe
  const int e = s.EventFd(0, O_NONBLOCK);
  s.WriteU64(e, UINT64_MAX);  // EINVAL
  s.WriteU64(e, kMaxCount);   // the most it holds
  s.WriteU64(e, 1);           // EAGAIN: it would overflow
  s.WriteU64(e, 0);           // fits
  s.ReadU64(e);
  s.WriteU64(e, kMaxCount - 1);
  s.WriteU64(e, 1);
  s.WriteU64(e, 1);  // EAGAIN
  s.ReadU64(e);
}

DIFF_SCENARIO(EventFd_Epoll) {
  const int e = s.EventFd(0, O_NONBLOCK);
  const int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLOUT);
  s.EpollWait(ep);  // OUT
  s.WriteU64(e, 1);
  s.EpollWait(ep);  // IN|OUT
  s.WriteU64(e, kMaxCount - 1);
  s.EpollWait(ep);  // IN: full
  s.ReadU64(e);
  s.EpollWait(ep);  // OUT
  const int et = s.EpollCreate();
  s.EpollCtl(et, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET);
  s.EpollWait(et);
  s.WriteU64(e, 1);
  s.EpollWait(et);
  s.EpollWait(et);
  s.WriteU64(e, 0);  // still a wakeup: an edge
  s.EpollWait(et);
  s.Close(e);
  s.EpollWait(ep);  // gone from the set
}

}  // namespace
}  // namespace simsock::diff
