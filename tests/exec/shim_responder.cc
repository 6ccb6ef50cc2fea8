#include "tests/exec/shim_responder.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "simsock/exec/slot_wait.h"

namespace simsock::exec_test {
namespace {

std::string ReadFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string TempPath(const char *what) {
  std::string path = std::string("/tmp/simsock_shim_") + what + "_XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) throw std::runtime_error("mkstemp");
  close(fd);
  return path;
}

}  // namespace

Responder::Responder(uint64_t seed) {
  memfd_ = memfd_create("simsock_exec_test", 0);  // no CLOEXEC: inherited
  if (memfd_ < 0 || ftruncate(memfd_, sizeof(simsock_exec_region)) != 0)
    throw std::runtime_error("memfd");
  void *map = mmap(nullptr, sizeof(simsock_exec_region), PROT_READ | PROT_WRITE,
                   MAP_SHARED, memfd_, 0);
  if (map == MAP_FAILED) throw std::runtime_error("mmap");
  region_ = static_cast<simsock_exec_region *>(map);
  region_->magic = SIMSOCK_EXEC_MAGIC;
  region_->version = SIMSOCK_EXEC_VERSION;
  region_->virtual_pid = kVirtualPid;
  region_->monotonic_ns = kStartNs;
  region_->realtime_offset_ns = kRealtimeOffsetNs;
  region_->random_seed = seed;
  region_->spin_polls = exec::SpinPollsForThisMachine();
}

Responder::~Responder() {
  munmap(region_, sizeof(simsock_exec_region));
  close(memfd_);
}

void Responder::Handle(simsock_exec_slot &slot, FakeKernel &kernel) {
  int64_t ret = 0;
  switch (slot.kind) {
    case SIMSOCK_MSG_HELLO:
      hello_pid_ = slot.args[0];
      break;
    case SIMSOCK_MSG_EXIT:
      exit_message_ = slot.args[0];
      slot.state = SIMSOCK_SLOT_RUNNING;  // no reply: the process ends
      return;
    case SIMSOCK_MSG_FAIL:
      fail_reason_ = slot.args[0];
      fail_message_.assign(
          reinterpret_cast<const char *>(slot.data),
          strnlen(reinterpret_cast<const char *>(slot.data), slot.data_len));
      slot.state = SIMSOCK_SLOT_RUNNING;
      return;
    default: {
      SeenCall call;
      call.nr = slot.nr;
      std::memcpy(call.args, slot.args, sizeof call.args);
      call.ptr_mask = slot.ptr_mask;
      call.fd_hint[0] = slot.fd_hint[0];
      call.fd_hint[1] = slot.fd_hint[1];
      calls_.push_back(call);
      ret = kernel(slot);
    }
  }
  slot.ret = ret;
  exec::PostReply(slot);
}

void Responder::Run(const std::vector<std::string> &argv, FakeKernel kernel,
                    bool attach) {
  std::string out_path = TempPath("out"), err_path = TempPath("err");
  std::vector<char *> cargv;
  for (const std::string &a : argv)
    cargv.push_back(const_cast<char *>(a.c_str()));
  cargv.push_back(nullptr);
  std::string fd = std::to_string(memfd_);
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_TRUNC);
    int err = open(err_path.c_str(), O_WRONLY | O_TRUNC);
    int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    close(in);
    close(out);
    close(err);
    // The memfd on a high number, out of the way of the program's fds
    // (the shim closes it once mapped).
    dup2(memfd_, 900);
    // Nothing else inherited (the test runner's own fds): the program's
    // fd numbers are then the ones a fresh process gets.
    syscall(SYS_close_range, 3, 899, 0);
    syscall(SYS_close_range, 901, ~0U, 0);
    setenv("LD_PRELOAD", SIMSOCK_SHIM_PATH, 1);
    if (attach)
      setenv(SIMSOCK_EXEC_ENV_FD, "900", 1);
    else
      unsetenv(SIMSOCK_EXEC_ENV_FD);
    execv(cargv[0], cargv.data());
    _exit(126);
  }
  simsock_exec_slot &slot = region_->slots[0];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    if (exec::WaitForRequest(*region_, slot, std::chrono::milliseconds(20))) {
      Handle(slot, kernel);
      continue;
    }
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      wait_status_ = status;
      if (__atomic_load_n(&slot.state, __ATOMIC_ACQUIRE) ==
          SIMSOCK_SLOT_REQUEST)
        Handle(slot, kernel);  // the EXIT or FAIL sent just before the end
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &wait_status_, 0);
      break;
    }
  }
  out_ = ReadFile(out_path);
  err_ = ReadFile(err_path);
  unlink(out_path.c_str());
  unlink(err_path.c_str());
}

}  // namespace simsock::exec_test
