// A stand-in for the simulator's side of the exec channel
// (exec/protocol.h), for the shim's own tests: it makes the region (a
// memfd), starts a test program with libsimsock_shim.so preloaded, and
// answers each request with a scripted fake kernel. One party runs at a
// time, as with the real simulator.
#ifndef SIMSOCK_TESTS_EXEC_SHIM_RESPONDER_H_
#define SIMSOCK_TESTS_EXEC_SHIM_RESPONDER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "exec/protocol.h"

namespace simsock::exec_test {

/// One forwarded syscall as the responder saw it.
struct SeenCall {
  int64_t nr = 0;
  int64_t args[6] = {};
  uint32_t ptr_mask = 0;
  int32_t fd_hint[2] = {-1, -1};
};

/// The fake kernel: answers one SIMSOCK_MSG_SYSCALL request in the slot
/// (reads its inputs, writes its outputs into the data area) and returns
/// the result (>= 0 or a negated errno).
using FakeKernel = std::function<int64_t(simsock_exec_slot &)>;

class Responder {
 public:
  /// Virtual values the region starts with.
  static constexpr int32_t kVirtualPid = 4242;
  static constexpr int64_t kStartNs = 5'000'000'123;
  static constexpr int64_t kRealtimeOffsetNs = 1'700'000'000'000'000'000;

  explicit Responder(uint64_t seed = 1);
  ~Responder();
  Responder(const Responder &) = delete;
  Responder &operator=(const Responder &) = delete;

  /// Runs `program args...` with the shim preloaded (and SIMSOCK_EXEC_FD
  /// unless `attach` is false) until it ends, answering requests with
  /// `kernel`; bounded by a 30 s deadline (then SIGKILL).
  void Run(const std::vector<std::string> &argv, FakeKernel kernel,
           bool attach = true);

  simsock_exec_region &region() { return *region_; }
  const std::vector<SeenCall> &calls() const { return calls_; }
  /// The program's stdout and stderr.
  const std::string &out() const { return out_; }
  const std::string &err() const { return err_; }
  /// HELLO's real pid (0: no HELLO came).
  int64_t hello_pid() const { return hello_pid_; }
  /// EXIT's status (-1: none), FAIL's reason (0: none) and message.
  int64_t exit_message() const { return exit_message_; }
  int64_t fail_reason() const { return fail_reason_; }
  const std::string &fail_message() const { return fail_message_; }
  /// The wait status of the program (waitpid's).
  int wait_status() const { return wait_status_; }

 private:
  void Handle(simsock_exec_slot &slot, FakeKernel &kernel);

  int memfd_ = -1;
  simsock_exec_region *region_ = nullptr;
  std::vector<SeenCall> calls_;
  std::string out_, err_, fail_message_;
  int64_t hello_pid_ = 0, exit_message_ = -1, fail_reason_ = 0;
  int wait_status_ = -1;
};

}  // namespace simsock::exec_test

#endif  // SIMSOCK_TESTS_EXEC_SHIM_RESPONDER_H_
