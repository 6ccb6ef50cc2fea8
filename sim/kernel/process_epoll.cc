// Process: the epoll calls. The syscall layer's checks, in the order of
// do_epoll_create, do_epoll_ctl and do_epoll_wait; the interest lists and
// the wait are the Epoll's.
#include <cerrno>

#include "simsock/net/sys/names.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/vfs/epoll.h"

namespace simsock::sim {
namespace {

// epoll_ctl's event: "{EPOLLIN|EPOLLET}".
std::string EventsArg(int64_t events, int64_t) {
  return "{" + sys::EpollEventsName(static_cast<uint32_t>(events)) + "}";
}

}  // namespace

int Process::epoll_create1(int flags) {
  const TraceArgs args = TraceArgs().Int(flags);
  return Syscall<int>("epoll_create1", args, [&](CallFiles&) {
    if (dead_) return -ESRCH;
    if (flags & ~EPOLL_CLOEXEC) return -EINVAL;
    if (auto hit = StartFault("epoll_create1", nullptr, 0, 0))
      return NewFdFault(*hit, "epoll_create1");
    return fds_.Install(std::make_shared<Epoll>(), flags & EPOLL_CLOEXEC);
  });
}

// do_epoll_ctl.
int Process::epoll_ctl(int epfd, int op, int fd, epoll_event* event) {
  TraceArgs args;
  args.Int(epfd).Named<sys::EpollOpName>(op).Int(fd);
  if (event != nullptr) {
    args.With(EventsArg, event->events);
  } else {
    args.Null();
  }
  return Syscall<int>("epoll_ctl", args, [&](CallFiles&) {
    epoll_event ev{};
    if (op != EPOLL_CTL_DEL) {
      if (event == nullptr) return -EFAULT;
      ev = *event;
    }
    std::shared_ptr<File> ep = fds_.GetShared(epfd);
    if (!ep) return -EBADF;
    std::shared_ptr<File> target = fds_.GetShared(fd);
    if (!target) return -EBADF;
    // The target must support poll (the null device does not): EPERM,
    // before epfd is checked to be an epoll, and for every op.
    if (!target->CanPoll()) return -EPERM;
    if (ep == target || ep->kind() != File::Kind::kEpoll) return -EINVAL;
    auto* epoll = static_cast<Epoll*>(ep.get());
    return epoll->Ctl(op, fd, target, op == EPOLL_CTL_DEL ? nullptr : &ev);
  });
}

// do_epoll_wait: the fd first (EBADF), then ep_check_params: maxevents
// (EINVAL), the buffer (access_ok: EFAULT; a NULL buffer passes it, see
// Collect), and that the file is an epoll (EINVAL). So a closed fd with
// maxevents 0 is EBADF.
int Process::EpollWait(int epfd, epoll_event* events, int maxevents,
                       Duration timeout, const char* call,
                       const TraceArgs& args) {
  return Syscall<int>(call, args, [&](CallFiles& files) {
    constexpr int kMaxEvents =
        INT32_MAX / static_cast<int>(sizeof(epoll_event));
    std::shared_ptr<File> f = fds_.GetShared(epfd);
    if (!f) return -EBADF;
    if (maxevents <= 0 || maxevents > kMaxEvents) return -EINVAL;
    if (f->kind() != File::Kind::kEpoll) return -EINVAL;
    files.Hold(f);
    return static_cast<Epoll*>(f.get())->Wait(*this, events, maxevents, timeout,
                                              call);
  });
}

int Process::epoll_wait(int epfd, epoll_event* events, int maxevents,
                        int timeout_ms) {
  return EpollWait(
      epfd, events, maxevents,
      timeout_ms < 0 ? Duration(-1)
                     : Duration(std::chrono::milliseconds(timeout_ms)),
      "epoll_wait", TraceArgs().Int(epfd).Int(maxevents).Int(timeout_ms));
}

int Process::epoll_pwait2(int epfd, epoll_event* events, int maxevents,
                          const timespec* timeout,
                          const sigset_t* /*sigmask*/) {
  TraceArgs args;
  args.Int(epfd).Int(maxevents).Timespec(timeout);
  Duration d(-1);
  if (timeout != nullptr) {
    if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
        timeout->tv_nsec >= 1'000'000'000)
      return Syscall<int>("epoll_pwait2", args,
                          [](CallFiles&) { return -EINVAL; });
    d = TimeoutDuration(timeout->tv_sec, timeout->tv_nsec);
  }
  return EpollWait(epfd, events, maxevents, d, "epoll_pwait2", args);
}

}  // namespace simsock::sim
