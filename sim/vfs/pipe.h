/// \file
/// PipeEnd: the two ends of a pipe of the simulated kernel, as Linux's
/// fs/pipe.c makes them (pipe2(2)). The ends are two open files sharing one
/// buffer: a ring of page-sized slots (pipe_inode_info's bufs), 16 of them
/// by default (PIPE_DEF_BUFFERS, 65536 bytes). The rules are pipe_read's,
/// pipe_write's, pipe_poll's, pipe_release's and pipe_set_size's
/// (docs/semantics.md, "Pipes and eventfds"):
///
/// - A write first tops up the last slot with the part of the request
///   below a page (len % 4096) when it fits in that slot's page (and the
///   pipe was not empty), then fills free slots a page at a time. So a write
///   of at most PIPE_BUF (4096) bytes is atomic: it fits whole, or waits (or
///   fails with EAGAIN, nonblocking) with nothing written; a larger
///   nonblocking write takes what fits.
/// - A read takes what is queued, up to its length, across slots; it waits
///   only while the pipe is empty and a writer remains (EAGAIN
///   nonblocking); with no writer an empty pipe reads 0.
/// - A write with no reader is EPIPE (Linux also sends SIGPIPE; signals are
///   not modelled yet, so only the error is returned).
/// - Packet mode (O_DIRECT on the write end, from pipe2 or F_SETFL): each
///   write is its own packets of at most a page, never merged; a read
///   takes one packet and drops what of it did not fit.
/// - Readiness: the read end is EPOLLIN while data is queued and EPOLLHUP
///   once no writer remains; the write end EPOLLOUT while a slot is free
///   (room for PIPE_BUF) and EPOLLERR once no reader remains.
#pragma once

#include <fcntl.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "simsock/sim/vfs/file.h"
#include "simsock/sim/vfs/waiter.h"

namespace simsock::sim {

/// One end of a pipe (see the file comment): the read end is O_RDONLY, the
/// write end O_WRONLY; reading a write end or writing a read end is EBADF
/// (vfs_read, vfs_write). Made in pairs by MakePipe; not thread-safe.
class PipeEnd final : public File {
 public:
  /// PAGE_SIZE: a slot's capacity.
  static constexpr size_t kPageSize = 4096;
  /// PIPE_BUF: the largest write that is atomic.
  static constexpr size_t kPipeBuf = 4096;
  /// PIPE_DEF_BUFFERS: a new pipe's slots (65536 bytes).
  static constexpr size_t kDefaultSlots = 16;

  /// A new pipe: its read end and its write end, both blocking.
  static std::pair<std::shared_ptr<PipeEnd>, std::shared_ptr<PipeEnd>>
  MakePipe();

  /// Not copyable (an end is one open file).
  PipeEnd(const PipeEnd&) = delete;
  /// Not copyable.
  PipeEnd& operator=(const PipeEnd&) = delete;
  /// Detaches the end from the shared buffer.
  ~PipeEnd() override;

  Kind kind() const override { return Kind::kPipe; }
  /// pipe_poll: EPOLLIN | EPOLLRDNORM (data) and EPOLLHUP (no writer) on
  /// the read end; EPOLLOUT | EPOLLWRNORM (a free slot) and EPOLLERR (no
  /// reader) on the write end. Like pipe_poll it marks the pipe as polled
  /// (poll_usage): from then on every write wakes the readers, so that an
  /// edge-triggered epoll hears each write.
  uint32_t Poll() override;
  /// O_RDONLY for the read end, O_WRONLY for the write end.
  int open_flags() const override;
  /// pipe_release: the pipe loses its reader or its writer; both ends'
  /// waiters are woken.
  void OnLastClose() override;

  /// This is the read end.
  bool is_read_end() const { return read_end_; }

  /// read(2) on this end (pipe_read): the bytes copied into buf, 0 at the
  /// end (no writer, nothing queued), or -EBADF (the write end), -EAGAIN
  /// (empty, nonblocking, or a wait that could not happen), -EINTR (a
  /// signal before any byte), -EFAULT (buf null while data is queued; the
  /// data stays). Blocking waits have no timeout.
  ssize_t Read(Waiter& waiter, uint8_t* buf, size_t len);
  /// write(2) on this end (pipe_write): the bytes queued, or -EBADF (the
  /// read end), -EPIPE (no reader), -EAGAIN (nonblocking and no room: for
  /// len <= PIPE_BUF, room for all of it), -EINTR (a signal before any
  /// byte), -EFAULT (buf null; nothing is queued).
  ssize_t Write(Waiter& waiter, const uint8_t* buf, size_t len);

  /// F_GETPIPE_SZ: the capacity in bytes (slots * PAGE_SIZE).
  int capacity() const;
  /// F_SETPIPE_SZ (pipe_set_size): `size` rounded up to a power-of-two
  /// number of pages (at least one); returns the new capacity, or -EINVAL
  /// (above 2^31), -EBUSY (fewer slots than are in use). A larger pipe
  /// wakes its writers.
  int SetCapacity(unsigned int size);
  /// The bytes queued (what FIONREAD would say).
  size_t queued() const;

 private:
  // The buffer both ends share (pipe_inode_info).
  struct Shared {
    /// A slot: a page holding `bytes` at [offset, offset + bytes.size()).
    struct Slot {
      size_t offset = 0;  ///< where the unread bytes start in the page
      std::string bytes;  ///< the page's bytes from `offset` on
      /// PIPE_BUF_FLAG_PACKET: read whole or not at all.
      bool packet = false;
    };
    std::deque<Slot> slots;
    size_t max_slots = kDefaultSlots;  // max_usage
    bool has_reader = true;
    bool has_writer = true;
    bool polled = false;  // poll_usage
    PipeEnd* read_end = nullptr;
    PipeEnd* write_end = nullptr;
  };

  PipeEnd(std::shared_ptr<Shared> shared, bool read_end)
      : shared_(std::move(shared)), read_end_(read_end) {}
  bool full() const { return shared_->slots.size() >= shared_->max_slots; }
  // is_packetized: O_DIRECT on this (write) end.
  bool packetized() const { return (extra_status_flags() & O_DIRECT) != 0; }
  // Wakes the waiters of the read end / the write end, if it is open.
  void WakeReaders(uint32_t key);
  void WakeWriters(uint32_t key);

  std::shared_ptr<Shared> shared_;
  bool read_end_;
};

}  // namespace simsock::sim
