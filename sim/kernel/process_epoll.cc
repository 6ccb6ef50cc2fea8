// Process: the epoll calls. The syscall layer's checks, in the order of
// do_epoll_create, do_epoll_ctl and do_epoll_wait; the interest lists and
// the wait are the Epoll's.
#include <cerrno>

#include "simsock/net/sys/names.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/vfs/epoll.h"

namespace simsock::sim {
namespace {

std::string I(long v) { return std::to_string(v); }

}  // namespace

int Process::epoll_create1(int flags) {
  auto args = [&] { return I(flags); };
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
  auto args = [&] {
    return I(epfd) + ", " + sys::EpollOpName(op) + ", " + I(fd) + ", " +
           (event ? "{" + sys::EpollEventsName(event->events) + "}"
                  : std::string("NULL"));
  };
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
                       const std::function<std::string()>& args) {
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
      "epoll_wait",
      [&] { return I(epfd) + ", " + I(maxevents) + ", " + I(timeout_ms); });
}

int Process::epoll_pwait2(int epfd, epoll_event* events, int maxevents,
                          const timespec* timeout,
                          const sigset_t* /*sigmask*/) {
  auto args = [&] {
    return I(epfd) + ", " + I(maxevents) + ", " +
           (timeout ? I(timeout->tv_sec) + "s+" + I(timeout->tv_nsec) + "ns"
                    : std::string("NULL"));
  };
  Duration d(-1);
  if (timeout != nullptr) {
    if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
        timeout->tv_nsec >= 1'000'000'000)
      return Syscall<int>("epoll_pwait2", args,
                          [](CallFiles&) { return -EINVAL; });
    // Saturates: tv_sec may exceed what int64 nanoseconds hold (Linux
    // accepts any valid timespec and caps the deadline).
    constexpr int64_t kMaxSec = Duration::max().count() / 1'000'000'000 - 1;
    d = timeout->tv_sec > kMaxSec
            ? Duration::max()
            : std::chrono::seconds(timeout->tv_sec) +
                  std::chrono::nanoseconds(timeout->tv_nsec);
  }
  return EpollWait(epfd, events, maxevents, d, "epoll_pwait2", args);
}

}  // namespace simsock::sim
