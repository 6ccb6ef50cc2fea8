// Shared by the net-layer properties (props/net_prop.cc and
// props/stream/net_stream_prop.cc): a backend by name, a body run as a task
// of a fresh Runtime with a watchdog, a connected pair, and the byte
// pattern the streams carry.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "simsock/net/net.h"
#include "simsock/testing/backend.h"
#include "simsock/testing/runtime.h"

namespace simsock::net::prop {

using testing::Backend;
using testing::LinuxBackend;
using testing::SimBackend;

inline std::unique_ptr<Backend> MakeBackend(bool sim, uint64_t seed) {
  if (sim) return std::make_unique<SimBackend>(seed);
  return std::make_unique<LinuxBackend>();
}

// Runs body as a task of a fresh Runtime on the backend, with a watchdog of
// `limit` backend time. Returns false if the body did not finish.
inline bool RunOn(Backend& backend, Duration limit,
                  const std::function<void(Runtime&)>& body) {
  Runtime rt(backend.sys());
  bool done = false;
  rt.Go([&] {
    body(rt);
    done = true;
    rt.Stop();
  });
  rt.Go([&] {
    rt.Sleep(limit);
    rt.Stop();
  });
  testing::RunRuntime(backend, rt);
  return done;
}

struct Pair {
  TCPListener listener;
  TCPConn client;
  TCPConn server;
  bool ok = false;
};

inline Pair MakePair(Runtime& rt) {
  Pair p;
  auto l = Listen(rt, "tcp4", "127.0.0.1:0");
  if (!l.ok()) return p;
  p.listener = *l;
  auto c = DialTCP(rt, "tcp4", nullptr, p.listener.Addr().AsTCPAddr());
  if (!c.ok()) return p;
  p.client = *c;
  auto s = p.listener.Accept();
  if (!s.ok()) return p;
  p.server = *s;
  p.ok = true;
  return p;
}

inline uint8_t PatternByte(size_t i) {
  return static_cast<uint8_t>((i * 131 + 7) % 251);
}

}  // namespace simsock::net::prop
