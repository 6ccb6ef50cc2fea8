// Shared fixture of the net-layer and runtime tests: every test body runs on
// a backend given as the test parameter: the real kernel over 127.0.0.1
// ("Linux") and the simulator ("Sim": a world with one host, the Runtime run
// inside a simulated thread).
//
// Bounds: RunBody runs the body as a task with a watchdog; the watchdog
// fails the test and stops the Runtime if the body has not finished within
// the limit (backend time: wall time on Linux, virtual time in the sim).
// Threading: one thread per test.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "simsock/net/net.h"
#include "simsock/net/sys/linux_syscalls.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::net::testing {

class Backend {
 public:
  virtual ~Backend() = default;
  // The syscalls of the process the Runtime under test runs on.
  virtual sys::Syscalls& sys() = 0;
  // Runs rt (built on sys()) until it returns, as the backend requires: on
  // Linux rt.Run() on this thread; in the simulator inside a simulated
  // thread while the world runs.
  virtual RunStatus Run(Runtime& rt) = 0;
  // The loopback address the tests listen on.
  virtual std::string Loopback() const { return "127.0.0.1"; }
};

class LinuxBackend final : public Backend {
 public:
  sys::Syscalls& sys() override { return sys_; }
  RunStatus Run(Runtime& rt) override { return rt.Run(); }

 private:
  sys::LinuxSyscalls sys_;
};

// The simulator: one world, one host, one process; the Runtime runs inside
// a simulated thread of that process while the test drives the world.
class SimBackend final : public Backend {
 public:
  explicit SimBackend(uint64_t seed = 1)
      : world_(seed),
        host_(world_.AddHost("host", "10.0.0.1")),
        process_(host_.SpawnProcess()) {}
  ~SimBackend() override { world_.scheduler().KillAll(); }

  sys::Syscalls& sys() override { return process_; }
  RunStatus Run(Runtime& rt) override {
    bool finished = false;
    RunStatus status = RunStatus::kDeadlock;
    process_.Spawn(
        [&] {
          status = rt.Run();
          finished = true;
        },
        "runtime");
    // The runtime's thread starts now; then the world steps from event to
    // event (bounded: the tests' watchdogs stop the runtime within seconds
    // of virtual time, the driver's wait limit in any case).
    world_.RunFor(sim::Duration::zero());
    world_.RunUntil([&] { return finished; });
    if (!finished) {
      // Nothing can wake the runtime: unwind its thread before the test
      // destroys the Runtime it runs.
      ADD_FAILURE() << "runtime stuck in the simulator; blocked: "
                    << world_.scheduler().Blocked().size();
      world_.scheduler().KillAll();
    }
    return status;
  }
  std::string Loopback() const override { return "127.0.0.1"; }
  sim::World& world() { return world_; }
  sim::Process& process() { return process_; }

 private:
  sim::World world_;
  sim::Host& host_;
  sim::Process& process_;
};

struct BackendParam {
  std::string name;
  std::function<std::unique_ptr<Backend>()> make;
};

inline std::string BackendName(
    const ::testing::TestParamInfo<BackendParam>& info) {
  return info.param.name;
}

inline std::vector<BackendParam> AllBackends() {
  return {
      {"Linux", [] { return std::make_unique<LinuxBackend>(); }},
      {"Sim", [] { return std::make_unique<SimBackend>(); }},
  };
}

class NetTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    rt_ = std::make_unique<Runtime>(backend_->sys());
  }
  void TearDown() override {
    rt_.reset();
    backend_.reset();
  }

  Runtime& rt() { return *rt_; }
  sys::Syscalls& sys() { return backend_->sys(); }
  std::string Loopback() const { return backend_->Loopback(); }
  std::string LoopbackAddr(int port = 0) const {
    return JoinHostPort(Loopback(), std::to_string(port));
  }

  // Runs body as a task (with whatever it spawns) until it returns; fails
  // the test if it takes longer than limit. Returns true if body finished.
  bool RunBody(std::function<void()> body, Duration limit = 10 * kSecond) {
    bool done = false;
    bool timed_out = false;
    rt().Go([&, body] {
      body();
      done = true;
      rt().Stop();
    });
    rt().Go([&, limit] {
      rt().Sleep(limit);
      if (!done) {
        timed_out = true;
        rt().Stop();
      }
    });
    RunStatus status = backend_->Run(rt());
    EXPECT_FALSE(timed_out) << "test body ran out of time";
    EXPECT_EQ(status, RunStatus::kStopped) << ToString(status);
    return done;
  }

  // A listener on the loopback with an ephemeral port.
  TCPListener MustListen() {
    auto l = Listen(rt(), "tcp4", LoopbackAddr());
    EXPECT_TRUE(l.ok()) << (l.ok() ? "" : l.error().ToString());
    return l.ok() ? *l : TCPListener();
  }

  // A connected pair: client (dialed) and server (accepted) ends.
  struct Pair {
    TCPListener listener;
    TCPConn client;
    TCPConn server;
  };
  Pair MustPair() {
    Pair p;
    p.listener = MustListen();
    auto c = DialTCP(rt(), "tcp4", nullptr, p.listener.Addr().AsTCPAddr());
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().ToString());
    auto s = p.listener.Accept();
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().ToString());
    if (c.ok()) p.client = *c;
    if (s.ok()) p.server = *s;
    return p;
  }

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Runtime> rt_;
};

// Elapsed backend time since start, in milliseconds.
inline int64_t MillisSince(Runtime& rt, Time start) {
  return rt.Now().Sub(start).count() / kMillisecond.count();
}

}  // namespace simsock::net::testing
