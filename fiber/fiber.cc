#include "simsock/fiber/fiber.h"

#include <boost/context/fiber.hpp>
#include <boost/context/stack_context.hpp>
#include <cstdio>
#include <cstdlib>

#include "simsock/fiber/stack_pool.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIMSOCK_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SIMSOCK_ASAN 1
#endif

#ifdef SIMSOCK_ASAN
extern "C" {
void __sanitizer_start_switch_fiber(void** fake_stack_save, const void* bottom,
                                    size_t size);
void __sanitizer_finish_switch_fiber(void* fake_stack_save,
                                     const void** bottom_old, size_t* size_old);
}
#endif

namespace simsock::fiber {
namespace ctx = boost::context;

struct Fiber::Impl {
  std::function<void()> fn;
  size_t stack_size;
  ctx::fiber self;    // the fiber's own context while it is not running
  ctx::fiber caller;  // whoever resumed it, while it runs
  bool started = false;
  bool done = false;
  bool is_running = false;
  bool kill_requested = false;
  Fiber* outer = nullptr;  // the fiber that resumed this one, if any
  // ASan bookkeeping.
  void* fake_stack = nullptr;
  const void* stack_bottom = nullptr;   // this fiber's stack
  const void* caller_bottom = nullptr;  // the resumer's stack
  size_t caller_size = 0;
};

namespace {

// The StackAllocator concept Boost.Context expects; records the stack's
// bounds for ASan's switch annotations.
struct PooledStack {
  size_t size;
  Fiber::Impl* impl;
  ctx::stack_context allocate() {
    const StackPool::Stack stack = StackPool::Instance().Allocate(size);
    impl->stack_bottom = stack.base;
    ctx::stack_context sc;
    sc.size = stack.size;
    sc.sp = static_cast<char*>(stack.base) + stack.size;  // stacks grow down
    return sc;
  }
  void deallocate(ctx::stack_context& sc) noexcept {
    StackPool::Instance().Release(
        {static_cast<char*>(sc.sp) - sc.size, sc.size});
  }
};

thread_local Fiber* current_fiber = nullptr;

// Thrown from Suspend() into a fiber whose owner destroys it. Not derived
// from std::exception, so ordinary handlers do not catch it.
struct Killed {};

}  // namespace

Fiber::Fiber(std::function<void()> fn, size_t stack_size)
    : impl_(std::make_unique<Impl>()) {
  impl_->fn = std::move(fn);
  impl_->stack_size = stack_size;
  Impl* impl = impl_.get();
  impl_->self =
      ctx::fiber(std::allocator_arg, PooledStack{stack_size, impl},
                 [impl](ctx::fiber&& caller) {
                   impl->caller = std::move(caller);
#ifdef SIMSOCK_ASAN
                   __sanitizer_finish_switch_fiber(
                       nullptr, &impl->caller_bottom, &impl->caller_size);
#endif
                   if (!impl->kill_requested) {
                     try {
                       impl->fn();
                     } catch (const Killed&) {
                       // The owner is destroying an unfinished fiber: its stack
                       // has been unwound up to here.
                     }
                   }
                   impl->done = true;
#ifdef SIMSOCK_ASAN
                   // Leaving for good: no fake stack to keep.
                   __sanitizer_start_switch_fiber(nullptr, impl->caller_bottom,
                                                  impl->caller_size);
#endif
                   return std::move(impl->caller);
                 });
}

Fiber::~Fiber() {
  // Unwind an unfinished fiber with our own exception (rather than Boost's
  // forced unwind from its destructor) so that every switch is annotated
  // for ASan and the objects on its stack are destroyed.
  if (impl_ == nullptr || impl_->done) return;
  impl_->kill_requested = true;
  for (int tries = 0; tries < 16 && !impl_->done; ++tries) Resume();
  if (!impl_->done) {
    std::fprintf(stderr, "fiber: a fiber swallowed its kill request\n");
    std::abort();
  }
}

void Fiber::Resume() {
  Impl* impl = impl_.get();
  if (impl->done || impl->is_running) {
    std::fprintf(stderr, "fiber: Resume of a %s fiber\n",
                 impl->done ? "finished" : "running");
    std::abort();
  }
  impl->outer = current_fiber;
  current_fiber = this;
  impl->is_running = true;
#ifdef SIMSOCK_ASAN
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, impl->stack_bottom, impl->stack_size);
#endif
  impl->self = std::move(impl->self).resume();
#ifdef SIMSOCK_ASAN
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
  impl->is_running = false;
  current_fiber = impl->outer;
}

void Fiber::Suspend() {
  Impl* impl = impl_.get();
#ifdef SIMSOCK_ASAN
  __sanitizer_start_switch_fiber(&impl->fake_stack, impl->caller_bottom,
                                 impl->caller_size);
#endif
  impl->caller = std::move(impl->caller).resume();
#ifdef SIMSOCK_ASAN
  __sanitizer_finish_switch_fiber(impl->fake_stack, &impl->caller_bottom,
                                  &impl->caller_size);
#endif
  if (impl->kill_requested) throw Killed{};
}

bool Fiber::finished() const { return impl_->done; }
bool Fiber::running() const { return impl_->is_running; }
Fiber* Fiber::Current() { return current_fiber; }

}  // namespace simsock::fiber
