/// \file
/// EventFd: an eventfd of the simulated kernel, as Linux's fs/eventfd.c
/// makes it (eventfd2(2)): a 64-bit counter behind an O_RDWR file
/// (docs/semantics.md, "Pipes and eventfds").
///
/// - A read needs at least 8 bytes (EINVAL); it returns the counter and
///   zeroes it, or in semaphore mode (EFD_SEMAPHORE) returns 1 and
///   decrements it; at 0 it waits (EAGAIN nonblocking).
/// - A write needs exactly 8 bytes (EINVAL; kernels before 6.9 took 8 or
///   more, the recorded kernel checks count != 8) and adds the value;
///   0xffffffffffffffff is EINVAL; a write that would take the counter
///   past 0xfffffffffffffffe waits (EAGAIN nonblocking).
/// - Readiness (eventfd_poll): EPOLLIN while the counter is above 0,
///   EPOLLOUT while a write of 1 would not wait, EPOLLERR at the counter's
///   overflow value (only the kernel's eventfd_signal can reach it).
#pragma once

#include <fcntl.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "simsock/sim/vfs/file.h"
#include "simsock/sim/vfs/waiter.h"

namespace simsock::sim {

/// An eventfd (see the file comment). Not thread-safe.
class EventFd final : public File {
 public:
  /// An eventfd whose counter starts at initval; `semaphore` is
  /// EFD_SEMAPHORE.
  EventFd(uint64_t initval, bool semaphore)
      : count_(initval), semaphore_(semaphore) {}

  Kind kind() const override { return Kind::kEventFd; }
  /// eventfd_poll: EPOLLIN, EPOLLOUT and EPOLLERR as the file comment says
  /// (no EPOLLRDNORM / EPOLLWRNORM).
  uint32_t Poll() override;
  /// O_RDWR (F_GETFL shows no O_CLOEXEC: it is the fd's FD_CLOEXEC).
  int open_flags() const override { return O_RDWR; }

  /// read(2) (eventfd_read): 8 with the value in buf's first 8 bytes, or
  /// -EINVAL (len < 8), -EAGAIN (0, nonblocking, or a wait that could not
  /// happen), -EINTR (a signal while waiting), -EFAULT (buf null; the
  /// counter is left as it was).
  ssize_t Read(Waiter& waiter, uint8_t* buf, size_t len);
  /// write(2) (eventfd_write): 8, or -EINVAL (len not 8, the value
  /// 0xffffffffffffffff), -EFAULT (buf null), -EAGAIN (it would overflow,
  /// nonblocking), -EINTR.
  ssize_t Write(Waiter& waiter, const uint8_t* buf, size_t len);

  /// The counter (tests).
  uint64_t count() const { return count_; }

 private:
  uint64_t count_;
  bool semaphore_;
};

}  // namespace simsock::sim
