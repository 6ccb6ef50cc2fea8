/// \file
/// Fiber: a stackful coroutine on Boost.Context, shared by the simulator's
/// threads (sim/kernel/scheduler.*) and the net runtime's tasks (net/runtime/).
///
/// A fiber runs `fn` on its own stack. Resume() (from the owner) runs it
/// until it calls Suspend() (from inside) or returns. Stacks come from a
/// per-thread pool (malloc'd, reused), because creating a guard-page stack
/// costs about 10 µs while a pooled one costs tens of nanoseconds.
///
/// AddressSanitizer: every switch is announced with
/// __sanitizer_start_switch_fiber / __sanitizer_finish_switch_fiber, so ASan
/// follows the stack changes (Debian's Boost.Context is built without that
/// support and would otherwise report false positives).
///
/// Threading: a fiber is created, resumed and destroyed on one OS thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

/// Stackful fibers, shared by the simulator's threads and the net runtime's
/// tasks.
namespace simsock::fiber {

/// A stackful coroutine: fn on its own stack, run by Resume() until it
/// Suspend()s or returns. A switch costs a Boost.Context jump (tens of
/// nanoseconds); making one takes a pooled stack.
class Fiber {
 public:
  /// The stack size when none is given: 256 KiB, no guard page.
  static constexpr size_t kDefaultStackSize = 256 * 1024;

  /// A fiber that will run fn on a stack of stack_size bytes from the
  /// process's pool (StackPool); fn does not start until the first Resume(). fn
  /// must not let an exception escape (the program terminates: no frame above
  /// the fiber's stack can catch it).
  explicit Fiber(std::function<void()> fn,
                 size_t stack_size = kDefaultStackSize);
  /// Destroying an unfinished fiber unwinds its stack: Suspend() throws an
  /// internal exception inside it that ends its function (code that parks
  /// must not swallow unknown exceptions with catch (...)).
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  /// Runs the fiber until it suspends or finishes. Must not be called from
  /// inside the fiber itself, nor after it finished.
  void Resume();
  /// From inside the running fiber: returns control to whoever resumed it.
  void Suspend();

  /// True once fn has returned.
  bool finished() const;
  /// True while the fiber is running (between Resume and Suspend).
  bool running() const;

  /// The fiber currently running on this OS thread, or null.
  static Fiber* Current();

  struct Impl;  ///< The implementation (fiber.cc); not API.

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace simsock::fiber
