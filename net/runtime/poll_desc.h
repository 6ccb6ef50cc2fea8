/// \file
/// PollDesc: the netpoller's per-fd state, modelled on Go's runtime pollDesc
/// (runtime/netpoll.go) and internal/poll's pollDesc wrapper.
///
/// Each side (read, write) has: a "ready" bit set by an edge-triggered epoll
/// event that arrived while nobody waited (Go's pdReady); the tasks parked
/// waiting for the next event; and a deadline with its timer. Deadlines:
/// zero = none; a time not after Now() = expired at once (-1, as Go's rd < 0),
/// waking every waiter with a timeout; a later time arms a timer that expires
/// it. Changing a deadline while a task waits takes effect (the old timer is
/// stopped, the waiter stays parked until the new one).
///
/// Evict() (Close) marks the descriptor closing and wakes every waiter; a
/// woken waiter sees closing first and never touches the fd again, so the
/// owner may close the fd right after Evict().
///
/// Invariants: registered with the Runtime's epoll instance from Init() until
/// Close(); waiters are linked only while parked (a waiter unwound by task
/// cancellation unlinks itself).
/// Threading: the Runtime's thread.
#pragma once

#include <cstdint>

#include "simsock/net/runtime/runtime.h"
#include "simsock/net/runtime/time.h"
#include "simsock/net/runtime/timer_heap.h"

namespace simsock::net::internal {

class PollDesc {
 public:
  /// Results of Prepare*/Wait*.
  static constexpr int kOk = 0;
  static constexpr int kErrClosing = 1;  ///< "use of closed network connection"
  static constexpr int kErrTimeout = 2;  ///< "i/o timeout"

  PollDesc(Runtime& rt, int fd);
  ~PollDesc();
  PollDesc(const PollDesc&) = delete;
  PollDesc& operator=(const PollDesc&) = delete;

  /// Registers the fd with the runtime's epoll. 0 or -errno.
  int Init();
  /// Unregisters (epoll_ctl DEL); call before closing the fd.
  void Close();
  /// Marks closing and wakes every waiter (they return kErrClosing).
  void Evict();
  /// The Runtime is going away: it has closed the fd; forget it.
  void Detach();

  int PrepareRead() const { return Check(read_); }
  int PrepareWrite() const { return Check(write_); }
  /// Parks until the fd may be readable / writable, the deadline passes or
  /// the descriptor is evicted.
  int WaitRead() { return Wait(read_); }
  int WaitWrite() { return Wait(write_); }

  void SetReadDeadline(Time t) { SetDeadline(read_, t); }
  void SetWriteDeadline(Time t) { SetDeadline(write_, t); }

  /// An epoll event for this fd (called by the Runtime, on its scheduler).
  void OnEvents(uint32_t events);

  Runtime* runtime() const { return rt_; }
  int fd() const { return fd_; }
  /// The registration number and the epoll token (Runtime::Register).
  uint64_t id() const { return id_; }
  uint64_t token() const { return token_; }
  void set_registration(uint64_t id, uint64_t token) {
    id_ = id;
    token_ = token;
  }
  bool registered() const { return registered_; }
  bool closing() const { return closing_; }

 private:
  // A parked task, on its own stack; linked into its side's FIFO queue (an
  // intrusive list: parking and waking allocate nothing).
  struct Waiter {
    Task* task = nullptr;
    bool io = false;      // woken by an event (retry the syscall)
    bool linked = false;  // still on the side's queue
    Waiter* prev = nullptr;
    Waiter* next = nullptr;
  };
  struct Side {
    bool ready = false;
    int64_t deadline = 0;  // 0: none; -1: expired; else armed at this time
    Timer timer;
    Waiter* head = nullptr;  // the waiters, oldest first
    Waiter* tail = nullptr;
  };

  int Check(const Side& side) const;
  int Wait(Side& side);
  void Wake(Side& side, bool io);
  static void Link(Side& side, Waiter& w);
  static void Unlink(Side& side, Waiter& w);
  void SetDeadline(Side& side, Time t);

  Runtime* rt_;
  int fd_;
  uint64_t id_ = 0;
  uint64_t token_ = 0;
  bool registered_ = false;
  bool closing_ = false;
  Side read_;
  Side write_;
};

}  // namespace simsock::net::internal
