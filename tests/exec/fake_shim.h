// A fake shim for the exec tests: a thread of the test process that plays
// the shim's side of exec/protocol.h over a region (marshalling arguments
// into a slot's data area, as the real shim does), so that the proxy and
// the dispatcher are tested without a native program.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <string>
#include <thread>

#include "simsock/exec/protocol.h"

namespace simsock::exec::testing {

class FakeShim {
 public:
  // A marker result: the simulator never replied within the bound.
  static constexpr int64_t kNoReply = INT64_MIN;

  FakeShim(simsock_exec_region& region, int slot = 0)
      : region_(region), slot_(region.slots[slot]) {}
  ~FakeShim() { Join(); }

  // Runs program(*this) on a thread of its own.
  void Start(std::function<void(FakeShim&)> program) {
    thread_ =
        std::thread([this, program = std::move(program)] { program(*this); });
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }

  // Starts a new request's data area.
  void Clear() { used_ = 0; }
  // Copies bytes into the data area: their offset.
  int64_t Put(const void* p, size_t n) {
    const int64_t at = Room(n);
    std::memcpy(slot_.data + at, p, n);
    return at;
  }
  template <typename T>
  int64_t PutValue(const T& v) {
    return Put(&v, sizeof v);
  }
  // Reserves n bytes (8-aligned) of output room: their offset.
  int64_t Room(size_t n) {
    const size_t at = (used_ + 7) & ~size_t{7};
    used_ = at + n;
    return static_cast<int64_t>(at);
  }
  unsigned char* Data(int64_t off) { return slot_.data + off; }
  template <typename T>
  T Get(int64_t off) {
    T v;
    std::memcpy(&v, slot_.data + off, sizeof v);
    return v;
  }

  // One syscall; `mask` says which args are offsets, `hint` and `hint2`
  // the fd_hints (pipe2 takes two). Returns ret.
  int64_t Call(int64_t nr, std::initializer_list<int64_t> args,
               uint32_t mask = 0, int32_t hint = -1, int32_t hint2 = -1) {
    slot_.kind = SIMSOCK_MSG_SYSCALL;
    slot_.nr = nr;
    int i = 0;
    for (int64_t a : args) slot_.args[i++] = a;
    for (; i < 6; ++i) slot_.args[i] = 0;
    slot_.ptr_mask = mask;
    slot_.data_len = static_cast<uint32_t>(used_);
    slot_.fd_hint[0] = hint;
    slot_.fd_hint[1] = hint2;
    return Send(true);
  }
  int64_t Hello() {
    slot_.kind = SIMSOCK_MSG_HELLO;
    slot_.args[0] = ::getpid();
    return Send(true);
  }
  void Exit(int status) {
    slot_.kind = SIMSOCK_MSG_EXIT;
    slot_.args[0] = status;
    Send(false);
  }
  void Fail(int reason, const std::string& message) {
    Clear();
    slot_.kind = SIMSOCK_MSG_FAIL;
    slot_.args[0] = reason;
    Put(message.c_str(), message.size() + 1);
    slot_.data_len = static_cast<uint32_t>(used_);
    Send(false);
  }
  // One of the thread messages (SIMSOCK_MSG_THREAD_START: awaits the
  // reply; SIMSOCK_MSG_THREAD_EXIT: does not).
  int64_t Message(uint32_t kind, int64_t arg0) {
    Clear();
    slot_.kind = kind;
    slot_.args[0] = arg0;
    slot_.data_len = 0;
    return Send(kind != SIMSOCK_MSG_THREAD_EXIT);
  }
  // What SIGKILL is to the real program: a pending or later Send gives up.
  void Kill() { killed_ = true; }
  int64_t monotonic_ns() const {
    return std::atomic_ref<int64_t>(region_.monotonic_ns).load();
  }

 private:
  int64_t Send(bool await) {
    std::atomic_ref<uint32_t> state(slot_.state);
    state.store(SIMSOCK_SLOT_REQUEST, std::memory_order_seq_cst);
    ::syscall(SYS_futex, &slot_.state, FUTEX_WAKE, 1, nullptr, nullptr, 0);
    if (!await) return 0;
    const auto give_up =
        std::chrono::steady_clock::now() + std::chrono::seconds(20);
    // Announced as the shim does (protocol.h, "Waking only a sleeper"):
    // the proxy wakes a sleeper only.
    std::atomic_ref<uint32_t> sleeping(slot_.shim_sleeping);
    sleeping.store(1, std::memory_order_seq_cst);
    for (;;) {
      const uint32_t s = state.load(std::memory_order_seq_cst);
      if (s == SIMSOCK_SLOT_REPLY) break;
      if (killed_.load() || std::chrono::steady_clock::now() > give_up) {
        return kNoReply;
      }
      timespec ts{0, 20 * 1000 * 1000};
      ::syscall(SYS_futex, &slot_.state, FUTEX_WAIT, s, &ts, nullptr, 0);
    }
    sleeping.store(0, std::memory_order_relaxed);
    const int64_t ret = slot_.ret;
    state.store(SIMSOCK_SLOT_RUNNING, std::memory_order_release);
    return ret;
  }

  simsock_exec_region& region_;
  simsock_exec_slot& slot_;
  size_t used_ = 0;
  std::atomic<bool> killed_{false};
  std::thread thread_;
};

}  // namespace simsock::exec::testing
