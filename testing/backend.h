/// \file
/// Backends: the kernels a test runs against. One family serves both ways
/// tests use a kernel:
///   - "the syscalls of a process on each side": sys(), Settle(), Advance(),
///     FreePort(), ForeignFds() (the differential scenarios,
///     simsock/testing/diff/harness.h);
///   - "run this code as the process's main thread": RunInProcess() (the
///     net layer's Runtime, simsock/testing/runtime.h).
/// LinuxBackend is the real kernel over 127.0.0.1; SimBackend a simulated
/// world with one host ("host", 10.0.0.1 and its loopback) and one process.
///
/// Threading: a backend is used from the one thread that made it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "simsock/net/sys/linux_syscalls.h"
#include "simsock/net/sys/syscalls.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

/// The testing library (docs/testing.md): backends, matchers, socket
/// helpers and trace-event matchers for GoogleTest.
namespace simsock::testing {

/// Where a test's syscalls go: the real kernel (LinuxBackend) or a process of
/// a simulated world (SimBackend), so one test body runs on both.
class Backend {
 public:
  virtual ~Backend() = default;
  /// The syscalls of the process under test.
  virtual sys::Syscalls& sys() = 0;
  /// True for the simulator.
  virtual bool is_sim() const = 0;
  /// "linux" or "sim(seed=N)".
  virtual std::string Describe() const = 0;
  /// The loopback address tests listen on.
  virtual std::string Loopback() const { return "127.0.0.1"; }

  /// Lets in-flight work finish (Linux: a short sleep; sim: a few ms of
  /// virtual time).
  virtual void Settle() = 0;
  /// Lets d pass (Linux: sleeps d; sim: RunFor(d)).
  virtual void Advance(std::chrono::nanoseconds d) = 0;
  /// A port that is currently free for TCP and UDP on every address, outside
  /// the ephemeral range. Deterministic on the sim.
  virtual uint16_t FreePort() = 0;
  /// fds already open before a test starts (held by the test process or
  /// inherited from its parent; the simulated process's 0, 1 and 2).
  virtual std::set<int> ForeignFds() const = 0;

  /// Runs `body` as the process's main thread until it returns: on Linux on
  /// this thread; in the simulator in a simulated thread named `name` while
  /// the world runs. Returns false (and fails the test) if the body can no
  /// longer be woken.
  virtual bool RunInProcess(const std::function<void()>& body,
                            const std::string& name) = 0;
};

/// The real kernel, on loopback.
class LinuxBackend final : public Backend {
 public:
  /// Opens /dev/null on any of fds 0, 1, 2 that is closed, so that no answer
  /// depends on how the test binary was started.
  LinuxBackend();
  sys::Syscalls& sys() override { return sys_; }
  bool is_sim() const override { return false; }
  std::string Describe() const override { return "linux"; }
  void Settle() override;
  void Advance(std::chrono::nanoseconds d) override;
  uint16_t FreePort() override;
  std::set<int> ForeignFds() const override;
  bool RunInProcess(const std::function<void()>& body,
                    const std::string& name) override;

 private:
  sys::LinuxSyscalls sys_;
  uint16_t next_port_;
};

/// One host and one process of a fresh simulated world.
class SimBackend final : public Backend {
 public:
  /// A world seeded with seed, with one host and one process in it.
  explicit SimBackend(uint64_t seed = 1);
  ~SimBackend() override;
  sys::Syscalls& sys() override { return process_; }
  bool is_sim() const override { return true; }
  std::string Describe() const override;
  void Settle() override;
  void Advance(std::chrono::nanoseconds d) override;
  uint16_t FreePort() override { return next_port_++; }
  /// The simulated process starts with 0, 1 and 2 open on the null device
  /// (sim::Process), as a Linux test process has its standard fds.
  std::set<int> ForeignFds() const override { return {0, 1, 2}; }
  bool RunInProcess(const std::function<void()>& body,
                    const std::string& name) override;

  /// The simulated world.
  sim::World& world() { return world_; }
  /// The host the process runs on.
  sim::Host& host() { return host_; }
  /// The process under test (what sys() returns).
  sim::Process& process() { return process_; }

 private:
  // Drives the world until *finished or nothing is left that could set it.
  void RunWorldUntil(const bool& finished);

  uint64_t seed_;
  sim::World world_;
  sim::Host& host_;
  sim::Process& process_;
  uint16_t next_port_ = 20000;
};

/// The fds this process has open (from /proc/self/fd).
std::set<int> OpenFds();

}  // namespace simsock::testing
