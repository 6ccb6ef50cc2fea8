/// \file
/// Select: Go's `select` statement over the channels of one Runtime.
///
/// \code
///   int chosen = Select(rt,
///       Recv(jobs, [&](Job j, bool ok) { ... }),   // case j, ok := <-jobs:
///       Send(results, r, [&] { ... }),             // case results <- r:
///       Recv(ctx.Done()),                          // case <-ctx.Done():
///       Default([&] { ... }));                     // default:
/// \endcode
///
/// Select returns the index of the case it ran (its position among the
/// arguments) and calls that case's body, if it has one; so both the Go
/// shape (bodies) and a `switch (Select(...))` shape read naturally.
///
/// Semantics (Go's runtime/select.go):
///   - If some cases are ready, one of them is chosen uniformly at random
///     (Runtime::RandomN: seeded, so a simulated run and its replay choose
///     alike; see RuntimeOptions::seed). A receive is ready when a value is
///     buffered, a sender waits, or the channel is closed (it then gets
///     T{} and ok = false); a send is ready when a receiver waits, the
///     buffer has room, or the channel is closed: a chosen send on a closed
///     channel aborts ("send on closed channel"), as Go panics.
///   - Otherwise, with a Default case, its body runs at once.
///   - Otherwise the task parks on every channel at once; the first peer
///     (a send, a receive or a Close) on any of them completes that case and
///     wakes the task; the waiters on the other channels are withdrawn.
///   - Select(rt) with no case parks forever (Go's `select {}`): Run()
///     reports it as a deadlock unless something else can still run.
///
/// A Recv body may take (T value, bool ok), (T value) or nothing; Send and
/// Default bodies take nothing. A Send's value is moved into the channel
/// only if that case is chosen.
///
/// Cost: no allocation; O(cases) to test readiness and to park/unpark.
/// Threading: the Runtime's thread; a Select that may park must run in one
/// of its tasks (aborts otherwise, as every blocking call does).
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "simsock/net/runtime/chan.h"
#include "simsock/net/runtime/runtime.h"

namespace simsock::net {

namespace internal {

/// One case of a Select, type-erased (the cases live on the caller's stack
/// for the whole Select call).
class SelectCase {
 public:
  virtual ~SelectCase() = default;
  /// The default case?
  virtual bool IsDefault() const { return false; }
  /// Could complete now without parking (see select.h for "ready").
  virtual bool Ready() const = 0;
  /// Completes now (Ready() was true) and runs the body.
  virtual void RunNow() = 0;
  /// Queues this case's waiter on its channel for a parked Select.
  virtual void Enqueue(SelectState* sel, int index) = 0;
  /// Withdraws the waiter if it is still queued.
  virtual void Dequeue() = 0;
  /// This case completed while the Select was parked: runs the body.
  virtual void RunWoken() = 0;
};

/// The body of a case that has none.
struct NoBody {
  template <typename... A>
  void operator()(A&&...) const {}
};

/// Select over cases[0..n); returns the index of the case that ran.
int SelectCases(Runtime& rt, SelectCase* const* cases, size_t n);

template <typename T, typename F>
class RecvCase final : public SelectCase {
 public:
  RecvCase(Chan<T> ch, F body) : ch_(std::move(ch)), body_(std::move(body)) {}

  bool Ready() const override { return ch_.RecvReady(); }
  void RunNow() override {
    auto r = ch_.TryRecv();
    SIMSOCK_NET_CHECK(r.has_value(), "select: a ready receive would block");
    Call(std::move(r->value), r->ok);
  }
  void Enqueue(SelectState* sel, int index) override {
    w_.task = sel->task;
    w_.sel = sel;
    w_.case_index = index;
    w_.slot = &slot_;
    ch_.Enqueue(false, w_);
  }
  void Dequeue() override { ch_.Dequeue(false, w_); }
  void RunWoken() override {
    if (w_.ok) {
      Call(std::move(*slot_), true);
    } else {
      Call(T{}, false);
    }
  }

 private:
  void Call(T value, bool ok) {
    if constexpr (std::is_invocable_v<F&, T, bool>) {
      body_(std::move(value), ok);
    } else if constexpr (std::is_invocable_v<F&, T>) {
      body_(std::move(value));
    } else {
      static_assert(std::is_invocable_v<F&>,
                    "a Recv body takes (T, bool), (T) or nothing");
      body_();
    }
  }

  Chan<T> ch_;
  F body_;
  typename Chan<T>::Waiter w_;
  std::optional<T> slot_;
};

template <typename T, typename F>
class SendCase final : public SelectCase {
 public:
  SendCase(Chan<T> ch, T value, F body)
      : ch_(std::move(ch)), value_(std::move(value)), body_(std::move(body)) {}

  bool Ready() const override { return ch_.SendReady(); }
  void RunNow() override {
    SIMSOCK_NET_CHECK(!ch_.closed(), "send on closed channel");
    const bool sent = ch_.TrySend(std::move(value_));
    SIMSOCK_NET_CHECK(sent, "select: a ready send would block");
    body_();
  }
  void Enqueue(SelectState* sel, int index) override {
    w_.task = sel->task;
    w_.sel = sel;
    w_.case_index = index;
    w_.value = &value_;
    ch_.Enqueue(true, w_);
  }
  void Dequeue() override { ch_.Dequeue(true, w_); }
  void RunWoken() override {
    SIMSOCK_NET_CHECK(!w_.closed, "send on closed channel");
    body_();
  }

 private:
  Chan<T> ch_;
  T value_;
  F body_;
  typename Chan<T>::Waiter w_;
};

template <typename F>
class DefaultCase final : public SelectCase {
 public:
  explicit DefaultCase(F body) : body_(std::move(body)) {}
  bool IsDefault() const override { return true; }
  bool Ready() const override { return false; }
  void RunNow() override { body_(); }
  void Enqueue(SelectState*, int) override {}
  void Dequeue() override {}
  void RunWoken() override {}

 private:
  F body_;
};

}  // namespace internal

/// A receive case: `case v, ok := <-ch:`. body takes (T, bool), (T) or
/// nothing.
template <typename T, typename F = internal::NoBody>
internal::RecvCase<T, F> Recv(Chan<T> ch, F body = {}) {
  return internal::RecvCase<T, F>(std::move(ch), std::move(body));
}

/// A send case: `case ch <- value:`. body takes nothing.
template <typename T, typename V, typename F = internal::NoBody>
internal::SendCase<T, F> Send(Chan<T> ch, V&& value, F body = {}) {
  return internal::SendCase<T, F>(std::move(ch), T(std::forward<V>(value)),
                                  std::move(body));
}

/// The default case: runs when no other case is ready. At most one.
template <typename F = internal::NoBody>
internal::DefaultCase<F> Default(F body = {}) {
  return internal::DefaultCase<F>(std::move(body));
}

/// Go's select statement over the given cases (see the file comment);
/// returns the index of the case that ran. Aborts with two Default cases,
/// or if it must park outside a task.
template <typename... Cases>
int Select(Runtime& rt, Cases&&... cases) {
  if constexpr (sizeof...(Cases) == 0) {
    return internal::SelectCases(rt, nullptr, 0);
  } else {
    internal::SelectCase* const list[] = {&cases...};
    return internal::SelectCases(rt, list, sizeof...(Cases));
  }
}

}  // namespace simsock::net
