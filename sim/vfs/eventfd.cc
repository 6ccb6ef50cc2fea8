// EventFd: Linux's eventfd_read, eventfd_write and eventfd_poll
// (sim/vfs/eventfd.h).
#include "simsock/sim/vfs/eventfd.h"

#include <sys/epoll.h>

#include <cerrno>
#include <cstring>

#include "simsock/sim/base/time.h"

namespace simsock::sim {
namespace {

constexpr uint64_t kMax = UINT64_MAX;  // ULLONG_MAX

}  // namespace

uint32_t EventFd::Poll() {
  uint32_t mask = 0;
  if (count_ > 0) mask |= EPOLLIN;
  if (count_ == kMax) mask |= EPOLLERR;
  if (kMax - 1 > count_) mask |= EPOLLOUT;
  return mask;
}

ssize_t EventFd::Read(Waiter& waiter, uint8_t* buf, size_t len) {
  if (len < sizeof(uint64_t)) return -EINVAL;
  while (count_ == 0) {
    if (nonblocking()) return -EAGAIN;
    const Waiter::Result w = waiter.Wait(*this, kNever, "read");
    if (w == Waiter::Result::kInterrupted) return -EINTR;
    if (w == Waiter::Result::kTimedOut) return -EAGAIN;  // could not wait
  }
  const uint64_t value = semaphore_ ? 1 : count_;
  // eventfd_read takes the value off the counter, then copies it out: a
  // bad buffer loses it. (Linux: copy_to_iter after
  // eventfd_ctx_do_read.)
  count_ -= value;
  Notify(EPOLLOUT);
  if (buf == nullptr) return -EFAULT;
  std::memcpy(buf, &value, sizeof value);
  return sizeof value;
}

ssize_t EventFd::Write(Waiter& waiter, const uint8_t* buf, size_t len) {
  // Exactly one 64-bit value (eventfd_write checks count != 8 since 6.9;
  // the recorded kernel's rule).
  if (len != sizeof(uint64_t)) return -EINVAL;
  if (buf == nullptr) return -EFAULT;
  uint64_t value;
  std::memcpy(&value, buf, sizeof value);
  if (value == kMax) return -EINVAL;
  // Room while ULLONG_MAX - count > value.
  while (kMax - count_ <= value) {
    if (nonblocking()) return -EAGAIN;
    const Waiter::Result w = waiter.Wait(*this, kNever, "write");
    if (w == Waiter::Result::kInterrupted) return -EINTR;
    if (w == Waiter::Result::kTimedOut) return -EAGAIN;  // could not wait
  }
  count_ += value;
  Notify(EPOLLIN);  // also for a value of 0, as eventfd_write
  return sizeof value;
}

}  // namespace simsock::sim
