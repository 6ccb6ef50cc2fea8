/// \file
/// Chan<T>: Go's channel for the tasks of one Runtime.
///
/// A Chan is a handle (copy it into the lambdas you pass to Go(), as Go code
/// passes a chan); copies share one channel. Capacity 0 is unbuffered: Send
/// parks until a receiver takes the value. Recv returns {value, ok}; ok is
/// false once the channel is closed and drained (value is T{}). Sending on a
/// closed channel, and closing it twice, are programming errors and abort
/// (Go panics). TrySend / TryRecv are `select` with a default case; Select
/// (select.h) waits on several channels at once.
///
/// Semantics follow runtime/chan.go: a sender finding a parked receiver hands
/// the value over directly; a receiver finding a parked sender on a full
/// buffer takes the head and moves the sender's value to the tail; waiters
/// are served FIFO.
///
/// Threading: the owning Runtime's thread. Blocking calls must come from one
/// of its tasks; non-blocking ones (a Send with buffer room) may come from
/// anywhere on that thread, e.g. before Run().
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <utility>

#include "simsock/net/runtime/check.h"
#include "simsock/net/runtime/runtime.h"

namespace simsock::net {

namespace internal {

/// One parked Select call: shared by the waiters it queued on every
/// channel. The first peer (or Close) that takes one of them sets `fired`;
/// the others are stale from then on and peers skip them.
struct SelectState {
  Task* task = nullptr;
  int fired = -1;  ///< the case that completed, or -1 while parked
};

template <typename T, typename F>
class RecvCase;
template <typename T, typename F>
class SendCase;

}  // namespace internal

/// What Chan::Recv returns: Go's `v, ok := <-ch`.
template <typename T>
struct RecvResult {
  T value{};        ///< The value received; T{} when ok is false.
  bool ok = false;  ///< False once the channel is closed and drained.
};

/// A channel of T values between the tasks of one Runtime (Go's chan T), as a
/// handle: copies share one channel. Costs one allocation when made; a value
/// is moved into the buffer or straight to a parked receiver.
template <typename T>
class Chan {
 public:
  /// make(chan T, capacity) on rt; capacity 0 makes an unbuffered channel
  /// (Send parks until a receiver takes the value).
  explicit Chan(Runtime& rt, size_t capacity = 0)
      : s_(std::make_shared<State>(rt, capacity)) {}

  /// ch <- value: hands value to a parked receiver, or buffers it, or parks
  /// the task until a receiver takes it. Aborts if the channel is closed
  /// (before or while parked: Go's "send on closed channel" panic) and if it
  /// must park outside a task.
  void Send(T value) {
    State& s = *s_;
    SIMSOCK_NET_CHECK(!s.closed, "send on closed channel");
    if (TryHandOff(value)) return;
    if (s.buf.size() < s.cap) {
      s.buf.push_back(std::move(value));
      return;
    }
    Waiter w;
    w.task = s.rt->CurrentTask();
    SIMSOCK_NET_CHECK(w.task != nullptr,
                      "blocking channel send outside a task");
    w.value = &value;
    Park(s.sendq, w, "chan send");
    SIMSOCK_NET_CHECK(!w.closed, "send on closed channel");
  }

  /// v, ok := <-ch: takes the oldest buffered value (or a parked sender's),
  /// parking the task while there is none. {T{}, false} once the channel is
  /// closed and drained. Aborts if it must park outside a task.
  RecvResult<T> Recv() {
    State& s = *s_;
    if (auto r = TryRecvImpl(); r.has_value()) return std::move(*r);
    if (s.closed) return RecvResult<T>{};
    Waiter w;
    w.task = s.rt->CurrentTask();
    SIMSOCK_NET_CHECK(w.task != nullptr,
                      "blocking channel receive outside a task");
    std::optional<T> slot;
    w.slot = &slot;
    Park(s.recvq, w, "chan receive");
    if (!w.ok) return RecvResult<T>{};
    return RecvResult<T>{std::move(*slot), true};
  }

  /// Sends without blocking; false if it would block. Aborts if closed.
  bool TrySend(T value) {
    State& s = *s_;
    SIMSOCK_NET_CHECK(!s.closed, "send on closed channel");
    if (TryHandOff(value)) return true;
    if (s.buf.size() < s.cap) {
      s.buf.push_back(std::move(value));
      return true;
    }
    return false;
  }

  /// Receives without blocking: nullopt if it would block; {T{}, false} if
  /// closed and drained.
  std::optional<RecvResult<T>> TryRecv() {
    if (auto r = TryRecvImpl(); r.has_value()) return r;
    if (s_->closed) return RecvResult<T>{};
    return std::nullopt;
  }

  /// close(ch): wakes every parked receiver with {T{}, false}; buffered values
  /// are still received first. Aborts if already closed; a sender parked on
  /// the channel aborts when woken (Go's panic in the sender).
  void Close() {
    State& s = *s_;
    SIMSOCK_NET_CHECK(!s.closed, "close of closed channel");
    s.closed = true;
    std::deque<Waiter*> receivers;
    receivers.swap(s.recvq);
    for (Waiter* w : receivers) {
      w->linked = false;
      if (!Claim(w)) continue;
      w->ok = false;
      s.rt->Ready(w->task);
    }
    std::deque<Waiter*> senders;
    senders.swap(s.sendq);
    for (Waiter* w : senders) {
      w->linked = false;
      if (!Claim(w)) continue;
      w->closed = true;
      s.rt->Ready(w->task);
    }
  }

  /// len(ch): the buffered values.
  size_t Len() const { return s_->buf.size(); }
  /// cap(ch): the buffer's capacity.
  size_t Cap() const { return s_->cap; }
  /// True once Close() was called.
  bool closed() const { return s_->closed; }

 private:
  template <typename U, typename F>
  friend class internal::RecvCase;
  template <typename U, typename F>
  friend class internal::SendCase;

  struct Waiter {
    internal::Task* task = nullptr;
    internal::SelectState* sel = nullptr;  // set for a Select's waiter
    int case_index = 0;                    // its case in that Select
    T* value = nullptr;                    // a sender's value
    std::optional<T>* slot = nullptr;      // a receiver's destination
    bool linked = false;
    bool ok = false;      // a receiver got a value
    bool closed = false;  // a sender was woken by Close
  };
  struct State {
    State(Runtime& r, size_t c) : rt(&r), cap(c) {}
    Runtime* rt;
    size_t cap;
    std::deque<T> buf;
    bool closed = false;
    std::deque<Waiter*> recvq;
    std::deque<Waiter*> sendq;
  };

  // Takes w for a peer: false if w is a Select's waiter whose Select has
  // already completed another case (stale: skip it).
  static bool Claim(Waiter* w) {
    if (w->sel == nullptr) return true;
    if (w->sel->fired >= 0) return false;
    w->sel->fired = w->case_index;
    return true;
  }
  // Unlinks and claims the first live waiter of q, dropping stale ones.
  static Waiter* PopLive(std::deque<Waiter*>& q) {
    while (!q.empty()) {
      Waiter* w = q.front();
      q.pop_front();
      w->linked = false;
      if (Claim(w)) return w;
    }
    return nullptr;
  }
  static bool HasLive(const std::deque<Waiter*>& q) {
    for (const Waiter* w : q) {
      if (w->sel == nullptr || w->sel->fired < 0) return true;
    }
    return false;
  }
  // Select's readiness tests (no side effects). A closed channel is ready
  // both ways: a receive gets {T{}, false}, a send aborts when chosen.
  bool RecvReady() const {
    const State& s = *s_;
    return s.closed || !s.buf.empty() || HasLive(s.sendq);
  }
  bool SendReady() const {
    const State& s = *s_;
    return s.closed || s.buf.size() < s.cap || HasLive(s.recvq);
  }
  // Queues a Select's waiter (the Select parks itself).
  void Enqueue(bool send, Waiter& w) {
    w.linked = true;
    (send ? s_->sendq : s_->recvq).push_back(&w);
  }
  void Dequeue(bool send, Waiter& w) {
    if (!w.linked) return;
    auto& q = send ? s_->sendq : s_->recvq;
    for (auto it = q.begin(); it != q.end(); ++it) {
      if (*it == &w) {
        q.erase(it);
        break;
      }
    }
    w.linked = false;
  }

  // Gives value straight to a parked receiver, if there is one.
  bool TryHandOff(T& value) {
    State& s = *s_;
    Waiter* w = PopLive(s.recvq);
    if (w == nullptr) return false;
    w->slot->emplace(std::move(value));
    w->ok = true;
    s.rt->Ready(w->task);
    return true;
  }

  std::optional<RecvResult<T>> TryRecvImpl() {
    State& s = *s_;
    if (Waiter* w = PopLive(s.sendq)) {
      RecvResult<T> r;
      r.ok = true;
      if (s.buf.empty()) {
        r.value = std::move(*w->value);
      } else {
        r.value = std::move(s.buf.front());
        s.buf.pop_front();
        s.buf.push_back(std::move(*w->value));
      }
      s.rt->Ready(w->task);
      return r;
    }
    if (!s.buf.empty()) {
      RecvResult<T> r{std::move(s.buf.front()), true};
      s.buf.pop_front();
      return r;
    }
    return std::nullopt;
  }

  // Parks the current task on q until a peer (or Close) unlinks w.
  void Park(std::deque<Waiter*>& q, Waiter& w, const char* what) {
    w.linked = true;
    q.push_back(&w);
    struct Guard {
      std::deque<Waiter*>& q;
      Waiter& w;
      ~Guard() {
        if (!w.linked) return;
        for (auto it = q.begin(); it != q.end(); ++it) {
          if (*it == &w) {
            q.erase(it);
            break;
          }
        }
      }
    } guard{q, w};
    // Keep the shared state alive while parked.
    std::shared_ptr<State> keep = s_;
    while (w.linked) keep->rt->Park(what, keep.get());
  }

  std::shared_ptr<State> s_;
};

}  // namespace simsock::net
