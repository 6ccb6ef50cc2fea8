/// \file
/// Go's context package for the tasks of one Runtime: cancellation and
/// deadlines that flow from a parent context to its children, with a Done
/// channel usable in Select.
///
/// \code
///   auto [ctx, cancel] = context::WithTimeout(context::Background(rt),
///                                             2 * kSecond);
///   auto c = Dialer{}.DialContext(ctx, "tcp", "example:80");
///   cancel();                                  // always: frees the timer
///   if (!c.ok() && c.error().Is(context::DeadlineExceeded)) ...
/// \endcode
///
/// Semantics (Go's context.go): cancelling a context closes its Done
/// channel, sets Err() (Canceled, or DeadlineExceeded when its deadline
/// passed) and cancels every child, then starts its AfterFunc functions,
/// each in a task of its own. A child of a done parent is done at once. A
/// child's deadline is the earlier of its own and its parent's.
/// Background() and TODO() are never done and have no deadline.
///
/// Differences from Go: contexts are made from a Runtime (Background(rt)),
/// since Done is a channel of that Runtime; Background's Done is a channel
/// that is never closed rather than a nil one. Value keys are strings.
/// As in Go, a WithCancel context stays linked to its parent until it is
/// cancelled: call cancel (it is cheap and idempotent) or it leaks.
/// Threading: the Runtime's thread. Contexts must not outlive the Runtime.
#pragma once

#include <any>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "simsock/net/error.h"
#include "simsock/net/runtime/chan.h"
#include "simsock/net/runtime/runtime.h"
#include "simsock/net/runtime/time.h"

namespace simsock::net::context {

/// context.Canceled: "context canceled".
inline const Error Canceled = Error::ContextCanceled();
/// context.DeadlineExceeded: "context deadline exceeded", Timeout() true.
inline const Error DeadlineExceeded = Error::ContextDeadlineExceeded();

namespace internal {
struct Node;
}

/// Go's context.Context: a handle, copies share the context.
class Context {
 public:
  /// A channel closed when the context is done (Go's <-chan struct{}):
  /// `Recv(ctx.Done())` is a Select case, `ctx.Done().Recv()` waits.
  Chan<std::monostate> Done() const;
  /// Why the context is done: Canceled or DeadlineExceeded; nullopt while
  /// it is not done (Go's nil).
  std::optional<Error> Err() const;
  /// The deadline, if the context or an ancestor has one.
  std::optional<Time> Deadline() const;
  /// The value stored under key by WithValue in this context or its
  /// ancestors, nearest first; an empty std::any if none.
  std::any Value(std::string_view key) const;
  /// The Runtime the context belongs to.
  Runtime& runtime() const;

 private:
  friend struct internal::Node;
  friend Context Background(Runtime& rt);
  friend std::optional<Error> Cause(const Context& ctx);
  friend std::function<bool()> AfterFunc(const Context& ctx,
                                         std::function<void()> f);
  friend struct Access;
  explicit Context(std::shared_ptr<internal::Node> n) : n_(std::move(n)) {}
  std::shared_ptr<internal::Node> n_;
};

/// Go's context.CancelFunc: cancels the context (and its children) with
/// Canceled; later calls do nothing.
using CancelFunc = std::function<void()>;
/// Go's context.CancelCauseFunc: as CancelFunc, recording cause (Cause).
using CancelCauseFunc = std::function<void(const Error& cause)>;

/// What WithCancel, WithTimeout and WithDeadline return:
/// `auto [ctx, cancel] = WithCancel(parent);`.
struct WithCancelResult {
  Context ctx;        ///< the child context
  CancelFunc cancel;  ///< cancels it
};

/// What WithCancelCause returns.
struct WithCancelCauseResult {
  Context ctx;             ///< the child context
  CancelCauseFunc cancel;  ///< cancels it with a cause
};

/// context.Background(): never done, no deadline, no values.
Context Background(Runtime& rt);
/// context.TODO(): the same as Background, for code not yet given a context.
Context TODO(Runtime& rt);
/// context.WithCancel: a child done when cancel is called or parent is done.
WithCancelResult WithCancel(const Context& parent);
/// context.WithCancelCause: cancel(cause) records cause for Cause().
WithCancelCauseResult WithCancelCause(const Context& parent);
/// context.WithDeadline: also done (DeadlineExceeded) at d. A d not after
/// now gives a context already done.
WithCancelResult WithDeadline(const Context& parent, Time d);
/// context.WithTimeout: WithDeadline(parent, now + timeout).
WithCancelResult WithTimeout(const Context& parent, Duration timeout);
/// context.WithValue: a child that carries value under key.
Context WithValue(const Context& parent, std::string key, std::any value);
/// context.Cause: the cause given to a CancelCauseFunc, else Err().
std::optional<Error> Cause(const Context& ctx);
/// context.AfterFunc: runs f in a task of its own once ctx is done (at once
/// if it already is). The returned stop() unregisters f: true if that
/// stopped f from being started, false if f was started or stopped already.
std::function<bool()> AfterFunc(const Context& ctx, std::function<void()> f);

namespace internal {

/// For the net layer: calls fn synchronously, on whatever task or timer
/// cancels ctx, the moment ctx is done (at once if it is); fn must not
/// block. Returns a function that unregisters fn (true if fn had not run).
/// Used to interrupt a connect (Go's SetWriteDeadline(aLongTimeAgo)).
std::function<bool()> OnDone(const Context& ctx, std::function<void()> fn);

}  // namespace internal

}  // namespace simsock::net::context
