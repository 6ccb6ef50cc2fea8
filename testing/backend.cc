#include "simsock/testing/backend.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "simsock/testing/sockets.h"

namespace simsock::testing {

// --- Linux -------------------------------------------------------------------

LinuxBackend::LinuxBackend() {
  // Scenarios expect 0, 1 and 2 open, as in any process a shell starts; a
  // runner started with one of them closed (CI without a stdin, say) gets
  // /dev/null there, as a daemon would.
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0) continue;
    int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0 && null_fd != fd) {
      ::dup2(null_fd, fd);
      ::close(null_fd);
    }
  }
  // Start each process at a different place so that two suites running at
  // once rarely race for the same ports.
  next_port_ = static_cast<uint16_t>(20000 + (::getpid() % 500) * 20);
}

void LinuxBackend::Settle() {
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

void LinuxBackend::Advance(std::chrono::nanoseconds d) {
  std::this_thread::sleep_for(d);
}

namespace {

bool BindOk(sys::Syscalls& s, int type, uint16_t port) {
  int fd = s.socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = Bind(s, fd, kAnyAddr, port) == 0;
  s.close(fd);
  return ok;
}

}  // namespace

uint16_t LinuxBackend::FreePort() {
  for (int tries = 0; tries < 2000; ++tries) {
    uint16_t port = next_port_++;
    if (next_port_ >= 32000) next_port_ = 20000;
    if (BindOk(sys_, SOCK_STREAM, port) && BindOk(sys_, SOCK_DGRAM, port))
      return port;
  }
  return 0;
}

std::set<int> LinuxBackend::ForeignFds() const { return OpenFds(); }

bool LinuxBackend::RunInProcess(const std::function<void()>& body,
                                const std::string&) {
  body();
  return true;
}

std::set<int> OpenFds() {
  std::set<int> fds;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return fds;
  int self = ::dirfd(dir);
  while (dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') continue;
    if (fd != self) fds.insert(static_cast<int>(fd));
  }
  ::closedir(dir);
  return fds;
}

// --- simulator ---------------------------------------------------------------

SimBackend::SimBackend(uint64_t seed)
    : seed_(seed),
      world_(seed),
      host_(world_.AddHost("host", "10.0.0.1")),
      process_(host_.SpawnProcess()) {}

SimBackend::~SimBackend() { world_.scheduler().KillAll(); }

std::string SimBackend::Describe() const {
  return "sim(seed=" + std::to_string(seed_) + ")";
}

void SimBackend::Settle() { world_.RunFor(std::chrono::milliseconds(20)); }

void SimBackend::Advance(std::chrono::nanoseconds d) { world_.RunFor(d); }

bool SimBackend::RunInProcess(const std::function<void()>& body,
                              const std::string& name) {
  bool finished = false;
  process_.Spawn(
      [&] {
        body();
        finished = true;
      },
      name);
  RunWorldUntil(finished);
  if (!finished) {
    // Nothing can wake the body: unwind its thread before the test
    // destroys what it runs.
    ADD_FAILURE() << name << " stuck in the simulator; blocked: "
                  << world_.scheduler().Blocked().size();
    world_.scheduler().KillAll();
  }
  return finished;
}

void SimBackend::RunWorldUntil(const bool& finished) {
  // The body's thread starts now; then the world steps from event to event
  // (World::RunUntil: bounded by the driver's wait limit; the tests'
  // watchdogs stop their bodies within seconds of virtual time).
  world_.RunFor(sim::Duration::zero());
  world_.RunUntil([&finished] { return finished; });
}

}  // namespace simsock::testing
