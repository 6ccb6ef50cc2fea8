// PipeEnd: Linux's pipe_read, pipe_write, pipe_poll, pipe_release and
// pipe_set_size over a ring of page-sized slots (sim/vfs/pipe.h).
#include "simsock/sim/vfs/pipe.h"

#include <fcntl.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "simsock/sim/base/io_span.h"  // kMaxRwCount
#include "simsock/sim/base/time.h"

namespace simsock::sim {

std::pair<std::shared_ptr<PipeEnd>, std::shared_ptr<PipeEnd>>
PipeEnd::MakePipe() {
  auto shared = std::make_shared<Shared>();
  std::shared_ptr<PipeEnd> r(new PipeEnd(shared, true));
  std::shared_ptr<PipeEnd> w(new PipeEnd(shared, false));
  shared->read_end = r.get();
  shared->write_end = w.get();
  return {std::move(r), std::move(w)};
}

PipeEnd::~PipeEnd() {
  (read_end_ ? shared_->read_end : shared_->write_end) = nullptr;
}

int PipeEnd::open_flags() const { return read_end_ ? O_RDONLY : O_WRONLY; }

void PipeEnd::WakeReaders(uint32_t key) {
  if (shared_->read_end != nullptr) shared_->read_end->Notify(key);
}

void PipeEnd::WakeWriters(uint32_t key) {
  if (shared_->write_end != nullptr) shared_->write_end->Notify(key);
}

uint32_t PipeEnd::Poll() {
  shared_->polled = true;
  uint32_t mask = 0;
  if (read_end_) {
    if (!shared_->slots.empty()) mask |= EPOLLIN | EPOLLRDNORM;
    // pipe_poll's f_version != w_counter holds for a pipe2 pipe: a pipe
    // that had a writer and has none now hangs up.
    if (!shared_->has_writer) mask |= EPOLLHUP;
  } else {
    if (!full()) mask |= EPOLLOUT | EPOLLWRNORM;
    if (!shared_->has_reader) mask |= EPOLLERR;
  }
  return mask;
}

void PipeEnd::OnLastClose() {
  (read_end_ ? shared_->has_reader : shared_->has_writer) = false;
  // pipe_release: wake_up_interruptible_all on both queues, no key.
  WakeReaders(0);
  WakeWriters(0);
}

size_t PipeEnd::queued() const {
  size_t n = 0;
  for (const auto& s : shared_->slots) n += s.bytes.size();
  return n;
}

int PipeEnd::capacity() const {
  return static_cast<int>(shared_->max_slots * kPageSize);
}

int PipeEnd::SetCapacity(unsigned int size) {
  // round_pipe_size: nothing above 2^31; at least a page; else the next
  // power of two.
  if (size > (1u << 31)) return -EINVAL;
  size_t bytes = kPageSize;
  while (bytes < size) bytes <<= 1;
  const size_t slots = bytes / kPageSize;
  // pipe_set_size's EPERM above fs.pipe-max-size needs a process without
  // CAP_SYS_RESOURCE; every simulated process is root (docs D9).
  // pipe_resize_ring: the slots in use must fit.
  if (slots < shared_->slots.size()) return -EBUSY;
  shared_->max_slots = slots;
  WakeWriters(0);  // wake_up_interruptible(&pipe->wr_wait)
  return capacity();
}

ssize_t PipeEnd::Read(Waiter& waiter, uint8_t* buf, size_t len) {
  if (!read_end_) return -EBADF;  // vfs_read: no FMODE_READ
  len = std::min(len, kMaxRwCount);
  if (len == 0) return 0;  // a null read succeeds
  auto& slots = shared_->slots;
  bool was_full = full();
  ssize_t ret = 0;
  for (;;) {
    while (!slots.empty() && len > 0) {
      auto& slot = slots.front();
      const size_t chars = std::min(slot.bytes.size(), len);
      // copy_page_to_iter fails: -EFAULT if nothing was copied yet, and
      // the slot keeps its bytes.
      if (buf == nullptr) return ret > 0 ? ret : -EFAULT;
      std::memcpy(buf + ret, slot.bytes.data(), chars);
      ret += static_cast<ssize_t>(chars);
      len -= chars;
      slot.bytes.erase(0, chars);
      slot.offset += chars;
      if (slot.packet) {
        // A packet is read once: the rest of it is dropped, and the read
        // ends with it.
        slots.pop_front();
        len = 0;
        break;
      }
      if (slot.bytes.empty()) slots.pop_front();
    }
    if (len == 0 || ret > 0 || !shared_->has_writer) break;
    if (nonblocking()) {
      ret = -EAGAIN;
      break;
    }
    if (was_full) WakeWriters(EPOLLOUT | EPOLLWRNORM);
    was_full = false;
    const Waiter::Result w = waiter.Wait(*this, kNever, "read");
    if (w == Waiter::Result::kInterrupted) return -EINTR;
    if (w == Waiter::Result::kTimedOut) return -EAGAIN;  // could not wait
    was_full = full();
  }
  if (was_full) WakeWriters(EPOLLOUT | EPOLLWRNORM);
  return ret;
}

ssize_t PipeEnd::Write(Waiter& waiter, const uint8_t* buf, size_t len) {
  if (read_end_) return -EBADF;  // vfs_write: no FMODE_WRITE
  len = std::min(len, kMaxRwCount);
  if (len == 0) return 0;  // a null write succeeds, even with no reader
  if (!shared_->has_reader) return -EPIPE;  // and SIGPIPE, not modelled
  auto& slots = shared_->slots;
  bool was_empty = slots.empty();
  size_t done = 0;
  ssize_t err = 0;
  // The part below a page goes into the last slot first, if its page has
  // room for it (PIPE_BUF_FLAG_CAN_MERGE): small writes share a page.
  const size_t chars = len & (kPageSize - 1);
  if (chars != 0 && !was_empty) {
    auto& last = slots.back();
    if (!last.packet && last.offset + last.bytes.size() + chars <= kPageSize) {
      if (buf == nullptr) {
        err = -EFAULT;
        len = 0;
      } else {
        last.bytes.append(reinterpret_cast<const char*>(buf), chars);
        done = chars;
      }
    }
  }
  while (done < len) {
    if (!shared_->has_reader) {
      if (done == 0) err = -EPIPE;
      break;
    }
    if (!full()) {
      const size_t n = std::min(kPageSize, len - done);
      if (buf == nullptr) {
        if (done == 0) err = -EFAULT;
        break;
      }
      slots.push_back(
          {0, std::string(reinterpret_cast<const char*>(buf + done), n),
           packetized()});
      done += n;
      continue;
    }
    if (nonblocking()) {
      if (done == 0) err = -EAGAIN;
      break;
    }
    // Wake the readers before sleeping if the pipe was empty when the
    // write began, then wait for a free slot.
    if (was_empty) WakeReaders(EPOLLIN | EPOLLRDNORM);
    const Waiter::Result w = waiter.Wait(*this, kNever, "write");
    if (w != Waiter::Result::kWoken) {
      // A signal (EINTR), or a wait that could not happen (EAGAIN): the
      // bytes already queued, if any.
      if (done == 0) err = w == Waiter::Result::kInterrupted ? -EINTR : -EAGAIN;
      break;
    }
    was_empty = slots.empty();
  }
  // pipe_write's end: wake the readers if the pipe was empty, and after
  // every write once the pipe has been polled (an edge-triggered epoll
  // hears each write).
  if (was_empty || shared_->polled) WakeReaders(EPOLLIN | EPOLLRDNORM);
  return done > 0 ? static_cast<ssize_t>(done) : err;
}

}  // namespace simsock::sim
