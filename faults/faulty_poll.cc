// FaultySyscalls: poll, ppoll, select and pselect6. Only eintr applies to
// them: a signal that arrives as the call is about to sleep (do_poll and
// do_select check signal_pending only when nothing is ready). The other
// kinds are about sockets' data and fds, which these calls never move.
#include <cerrno>
#include <cstring>

#include "simsock/faults/faulty_syscalls.h"

namespace simsock::faults {

// The call is made without sleeping first: what is ready is returned as
// Linux returns it before any sleep; with nothing ready the signal ends
// the call with EINTR.
template <typename Wait>
int FaultySyscalls::SignalledWait(std::string_view call, bool blocking,
                                  Wait wait) {
  auto hit = DecideNoFd(call, blocking);
  if (!hit) return wait(false);
  const int n = wait(true);
  if (n != 0) return n;
  Report(*hit, call, "-EINTR");
  return -EINTR;
}

int FaultySyscalls::poll(pollfd* fds, nfds_t nfds, int timeout_ms) {
  return SignalledWait("poll", timeout_ms != 0, [&](bool zero) {
    return inner().poll(fds, nfds, zero ? 0 : timeout_ms);
  });
}

int FaultySyscalls::ppoll(pollfd* fds, nfds_t nfds, const timespec* timeout,
                          const sigset_t* sigmask) {
  const bool blocking =
      timeout == nullptr || timeout->tv_sec != 0 || timeout->tv_nsec != 0;
  return SignalledWait("ppoll", blocking, [&](bool zero) {
    const timespec none{0, 0};
    return inner().ppoll(fds, nfds, zero ? &none : timeout, sigmask);
  });
}

namespace {

// The three sets of a select, saved so that an interrupted call leaves
// them as they were (core_sys_select writes them only on success).
class SavedSets {
 public:
  SavedSets(fd_set* r, fd_set* w, fd_set* e) : sets_{r, w, e} {
    for (int i = 0; i < 3; ++i)
      if (sets_[i] != nullptr)
        std::memcpy(&saved_[i], sets_[i], sizeof(fd_set));
  }
  void Restore() const {
    for (int i = 0; i < 3; ++i)
      if (sets_[i] != nullptr)
        std::memcpy(sets_[i], &saved_[i], sizeof(fd_set));
  }

 private:
  fd_set* sets_[3];
  fd_set saved_[3]{};
};

}  // namespace

// Sets larger than an fd_set (nfds over FD_SETSIZE) are not restored
// beyond their first FD_SETSIZE bits.
int FaultySyscalls::select(int nfds, fd_set* readfds, fd_set* writefds,
                           fd_set* exceptfds, timeval* timeout) {
  const bool blocking =
      timeout == nullptr || timeout->tv_sec != 0 || timeout->tv_usec != 0;
  const SavedSets saved(readfds, writefds, exceptfds);
  return SignalledWait("select", blocking, [&](bool zero) {
    if (!zero)
      return inner().select(nfds, readfds, writefds, exceptfds, timeout);
    // The probe's timeout is a copy: the signal came at once, so the time
    // left is the whole timeout, as the caller's timeval already says.
    timeval none{0, 0};
    const int n = inner().select(nfds, readfds, writefds, exceptfds, &none);
    if (n == 0) saved.Restore();
    return n;
  });
}

int FaultySyscalls::pselect6(int nfds, fd_set* readfds, fd_set* writefds,
                             fd_set* exceptfds, const timespec* timeout,
                             const sigset_t* sigmask) {
  const bool blocking =
      timeout == nullptr || timeout->tv_sec != 0 || timeout->tv_nsec != 0;
  const SavedSets saved(readfds, writefds, exceptfds);
  return SignalledWait("pselect6", blocking, [&](bool zero) {
    const timespec none{0, 0};
    const int n = inner().pselect6(nfds, readfds, writefds, exceptfds,
                                   zero ? &none : timeout, sigmask);
    if (zero && n == 0) saved.Restore();
    return n;
  });
}

}  // namespace simsock::faults
