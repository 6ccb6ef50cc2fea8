// The net layer's stream under injected syscall faults (issue 8 §3), on the
// real kernel over 127.0.0.1 and in a simulated world: the Runtime runs on
// a faults::FaultySyscalls over the backend, with random rules (EINTR,
// short reads and writes, spurious EAGAIN, spurious epoll wakeups, and the
// errors ECONNRESET, ECONNABORTED, EMFILE). In the simulator the same rules
// also come as a fault plan's `syscall` events, applied by sim::ApplyPlan
// to the simulated process itself (no decorator). A client writes a
// patterned byte stream and closes its write side; the server reads to the
// end.
//
// Property: the bytes that arrive are the stream's first bytes, in order
// (never corrupted); with no error fault injected they all arrive, nothing
// fails and nothing hangs; with one, the program hears of it (an error, or
// a deadline) instead of losing bytes in silence.
//
// Pinned by tools/trace_pins.sh (its _Sim properties).
//
// Replay: RC_PARAMS="seed=<rapidcheck seed>".
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "simsock/faults/fault_plan.h"
#include "simsock/faults/faulty_syscalls.h"
#include "simsock/net/net.h"
#include "simsock/sim/faults/apply_plan.h"
#include "simsock/testing/backend.h"
#include "simsock/testing/runtime.h"

namespace simsock::faults {
// How rapidcheck prints a rule in a counterexample: as the plan writes it.
inline void showValue(const SyscallFault& f, std::ostream& os) {
  os << SyscallFaultKindName(f.kind);
  if (f.nth > 0) {
    os << " nth " << f.nth;
  } else {
    os << " " << f.probability;
  }
}
}  // namespace simsock::faults

namespace simsock::net {
namespace {

using faults::SyscallFault;
using faults::SyscallFaultKind;
using K = SyscallFaultKind;

uint8_t PatternByte(size_t i) {
  return static_cast<uint8_t>((i * 131 + 7) % 251);
}

bool IsError(K kind) {
  return kind == K::kEconnreset || kind == K::kEconnaborted ||
         kind == K::kEmfile || kind == K::kEnfile;
}

rc::Gen<SyscallFault> GenFault() {
  return rc::gen::exec([] {
    SyscallFault f;
    // The faults a correct program hides, more often than the errors.
    f.kind = *rc::gen::weightedElement<K>({{4, K::kEintr},
                                           {4, K::kShortIo},
                                           {4, K::kEagain},
                                           {3, K::kSpuriousWake},
                                           {1, K::kEconnreset},
                                           {1, K::kEconnaborted},
                                           {1, K::kEmfile}});
    if (*rc::gen::inRange(0, 4) == 0) {
      f.nth = *rc::gen::inRange<uint64_t>(1, 20);
    } else {
      f.probability = *rc::gen::inRange(1, 60) / 100.0;
    }
    return f;
  });
}

// A case: the rules, and the stream's writes and read size.
struct StreamCase {
  uint64_t seed;
  std::vector<SyscallFault> rules;
  std::vector<size_t> writes;
  size_t read_size;
  size_t total = 0;
};

StreamCase GenCase() {
  StreamCase c;
  c.seed = *rc::gen::inRange<uint64_t>(1, 1'000'000);
  c.rules = *rc::gen::container<std::vector<SyscallFault>>(
      *rc::gen::inRange<size_t>(1, 4), GenFault());
  c.writes = *rc::gen::container<std::vector<size_t>>(
      *rc::gen::inRange<size_t>(1, 9), rc::gen::inRange<size_t>(1, 20000));
  c.read_size = *rc::gen::inRange<size_t>(1, 9000);
  for (size_t w : c.writes) c.total += w;
  return c;
}

// What the program saw.
struct StreamResult {
  std::vector<uint8_t> got;
  std::string failure;  // the first error the program heard of
  bool eof = false;
  bool done = false;
};

// The stream over `sys` (the backend's own, or a decorator over it).
StreamResult RunStream(::simsock::testing::Backend& backend, sys::Syscalls& sys,
                       const StreamCase& kase) {
  StreamResult r;
  std::vector<uint8_t>& got = r.got;
  std::string& failure = r.failure;
  bool& eof = r.eof;
  bool& done = r.done;
  const auto& writes = kase.writes;
  const size_t read_size = kase.read_size;
  const size_t total = kase.total;
  {
    Runtime rt(sys);
    rt.Go([&] {
      auto note = [&](const std::string& what) {
        if (failure.empty()) failure = what;
      };
      const Time deadline = rt.Now().Add(5 * kSecond);
      auto l = Listen(rt, "tcp4", "127.0.0.1:0");
      if (!l.ok()) {
        note("listen: " + l.error().ToString());
        done = true;
        rt.Stop();
        return;
      }
      TCPListener listener = *l;
      (void)listener.SetDeadline(deadline);
      WaitGroup wg(rt);
      wg.Add(1);
      rt.Go([&] {
        auto c = DialTCP(rt, "tcp4", nullptr, listener.Addr().AsTCPAddr());
        if (!c.ok()) {
          note("dial: " + c.error().ToString());
          wg.Done();
          return;
        }
        TCPConn client = *c;
        (void)client.SetDeadline(deadline);
        size_t off = 0;
        for (size_t w : writes) {
          std::vector<uint8_t> chunk(w);
          for (size_t i = 0; i < w; ++i) chunk[i] = PatternByte(off + i);
          off += w;
          auto n = client.Write(chunk.data(), chunk.size());
          if (!n.ok()) {
            note("write: " + n.error().ToString());
            break;
          }
        }
        (void)client.CloseWrite();
        (void)client.Close();
        wg.Done();
      });
      auto s = listener.Accept();
      if (s.ok()) {
        TCPConn server = *s;
        (void)server.SetDeadline(deadline);
        std::vector<uint8_t> buf(read_size);
        for (int i = 0; got.size() <= total && i < 100000; ++i) {
          auto n = server.Read(buf.data(), read_size);
          if (!n.ok()) {
            eof = n.error().IsEOF();
            if (!eof) note("read: " + n.error().ToString());
            break;
          }
          got.insert(got.end(), buf.begin(),
                     buf.begin() + static_cast<long>(*n));
        }
        // Closed before waiting for the writer: a writer blocked on a
        // full window then hears a RST instead of waiting forever.
        (void)server.Close();
      } else {
        note("accept: " + s.error().ToString());
      }
      (void)listener.Close();
      wg.Wait();
      done = true;
      rt.Stop();
    });
    rt.Go([&] {
      rt.Sleep(20 * kSecond);
      rt.Stop();
    });
    ::simsock::testing::RunRuntime(backend, rt);
  }
  return r;
}

// The property, once the faults that showed are known.
void CheckStream(const StreamCase& c, const StreamResult& r,
                 const std::vector<std::string>& injected,
                 bool error_injected) {
  for (const auto& line : injected) RC_LOG() << line << "\n";
  RC_LOG() << "failure: " << r.failure << "\n";
  RC_CLASSIFY(error_injected, "an error fault");
  RC_CLASSIFY(injected.empty(), "no fault showed");
  RC_CLASSIFY(injected.size() >= 10, "10 faults or more");
  RC_ASSERT(r.done);
  RC_ASSERT(r.got.size() <= c.total);
  for (size_t i = 0; i < r.got.size(); ++i)
    RC_ASSERT(r.got[i] == PatternByte(i));
  if (!error_injected) {
    RC_ASSERT(r.failure.empty());
    RC_ASSERT(r.eof);
    RC_ASSERT(r.got.size() == c.total);
  } else if (r.got.size() < c.total) {
    RC_ASSERT(!r.failure.empty());  // told, not lost in silence
  }
}

// The rules through faults::FaultySyscalls over the backend.
void StreamUnderFaults(bool sim) {
  const StreamCase c = GenCase();
  std::unique_ptr<::simsock::testing::Backend> backend;
  if (sim) {
    backend = std::make_unique<::simsock::testing::SimBackend>(c.seed);
  } else {
    backend = std::make_unique<::simsock::testing::LinuxBackend>();
  }
  faults::SplitMix64 rng(c.seed);
  faults::SyscallInjector injector(rng, sim ? "sim" : "linux");
  std::vector<std::string> injected;
  bool error_injected = false;
  injector.SetTrace([&](const faults::Injection& i) {
    injected.push_back(i.ToString());
    error_injected |= IsError(i.kind);
  });
  for (size_t i = 0; i < c.rules.size(); ++i)
    injector.Add(c.rules[i], "rule " + std::to_string(i + 1));
  faults::FaultySyscalls sys(backend->sys(), injector);
  const StreamResult r = RunStream(*backend, sys, c);
  CheckStream(c, r, injected, error_injected);
}

// The rules as a plan's syscall events on the simulated host, applied by
// sim::ApplyPlan to its process: the process injects them itself, drawing
// from the world's "fault.syscall" stream, and traces each one.
void StreamUnderPlan() {
  const StreamCase c = GenCase();
  ::simsock::testing::SimBackend backend(c.seed);
  sim::World& world = backend.world();
  world.trace().SetEnabled(true);
  world.trace().KeepLines(true);
  std::string text;
  for (const SyscallFault& f : c.rules) {
    text += "from 0s syscall " + std::string(SyscallFaultKindName(f.kind));
    text += f.nth > 0 ? " nth " + std::to_string(f.nth)
                      : " " + std::to_string(f.probability);
    text += " on " + backend.host().name() + "\n";
  }
  RC_LOG() << text;
  faults::ParsedPlan parsed = faults::ParsePlan(text);
  RC_ASSERT(parsed.ok());
  sim::AppliedPlan applied = sim::ApplyPlan(world, *parsed.plan);
  RC_ASSERT(applied.ok());
  const StreamResult r = RunStream(backend, backend.sys(), c);
  std::vector<std::string> injected;
  bool error_injected = false;
  for (const std::string& line : world.trace().lines()) {
    const size_t at = line.find(" fault: ");
    if (at == std::string::npos || line.find("(plan line") == line.npos)
      continue;
    injected.push_back(line);
    for (K kind : {K::kEconnreset, K::kEconnaborted, K::kEmfile, K::kEnfile})
      error_injected |= line.compare(at + 8, SyscallFaultKindName(kind).size(),
                                     SyscallFaultKindName(kind)) == 0;
  }
  CheckStream(c, r, injected, error_injected);
}

RC_GTEST_PROP(SyscallFaultsProp, StreamUnderFaults_Sim, ()) {
  StreamUnderFaults(true);
}
RC_GTEST_PROP(SyscallFaultsProp, StreamUnderFaults_Linux, ()) {
  StreamUnderFaults(false);
}
RC_GTEST_PROP(SyscallFaultsProp, StreamUnderPlan_Sim, ()) { StreamUnderPlan(); }

}  // namespace
}  // namespace simsock::net
