// Shared fixture of the net-layer and runtime tests: every test body runs on
// a backend given as the test parameter (simsock/testing/backend.h): the
// real kernel over 127.0.0.1 ("Linux") and the simulator ("Sim": a world
// with one host, the Runtime run inside a simulated thread).
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
#include "simsock/testing/backend.h"
#include "simsock/testing/runtime.h"

namespace simsock::net::testing {

using ::simsock::testing::Backend;
using ::simsock::testing::LinuxBackend;
using ::simsock::testing::SimBackend;

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
  // Runs rt() on the backend until it returns.
  RunStatus RunRuntime() {
    return ::simsock::testing::RunRuntime(*backend_, rt());
  }
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
    RunStatus status = RunRuntime();
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
