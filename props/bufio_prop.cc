// A line protocol read with bufio (issue 12 §3): a client writes lines
// (empty ones, long ones, "\n" and "\r\n" ends, a last line with no end)
// through a bufio::Writer in random pieces; the server reads them with
// bufio::Reader::ReadString, ReadLine (a small buffer: lines come in
// is_prefix pieces) or a bufio::Scanner.
//
// Property: under faults that a correct program hides, the server reads
// exactly the lines of a clean run (which are the lines written), and
// nothing fails:
//   - _Sim: two simulated hosts; a fault plan with packet loss on the link
//     and syscall faults (EINTR, short reads and writes, spurious EAGAIN
//     and epoll wakeups) on both hosts' processes, against the same world
//     without the plan;
//   - _Linux: the real kernel over 127.0.0.1, the same syscall faults
//     through faults::FaultySyscalls.
//
// Pinned by tools/trace_pins.sh (its _Sim property).
//
// Replay: RC_PARAMS="seed=<rapidcheck seed>".
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "simsock/faults/fault_plan.h"
#include "simsock/faults/faulty_syscalls.h"
#include "simsock/net/net.h"
#include "simsock/sim/faults/apply_plan.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/backend.h"
#include "simsock/testing/runtime.h"

namespace simsock::net {
namespace {

enum class Mode { kReadString, kReadLine, kScanner };

const char* ModeName(Mode m) {
  switch (m) {
    case Mode::kReadString:
      return "ReadString";
    case Mode::kReadLine:
      return "ReadLine";
    case Mode::kScanner:
      return "Scanner";
  }
  return "?";
}

struct LineCase {
  uint64_t seed = 1;
  std::vector<std::string> lines;  // without their ends
  std::string wire;                // what the client writes
  std::vector<size_t> pieces;      // the client's write sizes, cycled
  size_t writer_size = 16;         // the client's bufio::Writer
  size_t reader_size = 16;         // the server's bufio::Reader
  Mode mode = Mode::kScanner;
  // Fault rates, in percent.
  int loss = 0;
  int eintr = 0;
  int short_io = 0;
  int eagain = 0;
  int spurious = 0;
};

LineCase GenCase() {
  LineCase c;
  c.seed = *rc::gen::inRange<uint64_t>(1, 1'000'000);
  const size_t n = *rc::gen::inRange<size_t>(1, 30);
  for (size_t i = 0; i < n; ++i) {
    // Mostly short lines, some empty, some longer than every buffer.
    const size_t len = *rc::gen::weightedElement<size_t>(
        {{2, 0},
         {6, *rc::gen::inRange<size_t>(1, 20)},
         {2, *rc::gen::inRange<size_t>(20, 600)}});
    std::string line(len, 'a');
    for (size_t k = 0; k < len; ++k) {
      line[k] = " abcxyz019,.:\t"[*rc::gen::inRange(0, 14)];
    }
    c.lines.push_back(line);
    const bool last = i + 1 == n;
    // The last line may have no end (if it is not empty: an empty line
    // with no end is no line).
    if (last && !line.empty() && *rc::gen::inRange(0, 3) == 0) {
      c.wire += line;
    } else {
      c.wire += line + (*rc::gen::inRange(0, 2) == 0 ? "\r\n" : "\n");
    }
  }
  c.pieces = *rc::gen::container<std::vector<size_t>>(
      *rc::gen::inRange<size_t>(1, 6), rc::gen::inRange<size_t>(1, 700));
  c.writer_size = *rc::gen::inRange<size_t>(1, 300);
  c.reader_size = *rc::gen::inRange<size_t>(16, 100);
  c.mode =
      *rc::gen::element(Mode::kReadString, Mode::kReadLine, Mode::kScanner);
  c.loss = *rc::gen::inRange(0, 21);
  c.eintr = *rc::gen::inRange(0, 40);
  c.short_io = *rc::gen::inRange(0, 40);
  c.eagain = *rc::gen::inRange(0, 30);
  c.spurious = *rc::gen::inRange(0, 30);
  return c;
}

// What the server read, and the first error anyone heard of.
struct LineResult {
  std::vector<std::string> lines;
  std::string failure;
  int syscall_faults = 0;  // injected (the simulator's trace)
  int drops = 0;           // packets the network dropped
  bool server_done = false;
  bool client_done = false;
};

// The client: the wire through a bufio::Writer, in the case's pieces.
void RunClient(Runtime& rt, const std::string& addr, const LineCase& c,
               LineResult& out) {
  auto note = [&](const std::string& what) {
    if (out.failure.empty()) out.failure = "client: " + what;
  };
  auto conn = Dial(rt, "tcp4", addr);
  if (!conn.ok()) {
    note(conn.error().ToString());
    return;
  }
  (void)conn->SetDeadline(rt.Now().Add(10 * kMinute));
  bufio::Writer w(*conn, c.writer_size);
  size_t off = 0;
  for (size_t i = 0; off < c.wire.size(); ++i) {
    const size_t n =
        std::min(c.pieces[i % c.pieces.size()], c.wire.size() - off);
    auto r = w.Write(c.wire.data() + off, n);
    if (!r.ok()) {
      note(r.error().ToString());
      break;
    }
    off += n;
  }
  if (auto f = w.Flush(); !f.ok()) note(f.error().ToString());
  (void)TCPConn(*conn).CloseWrite();
  // Wait for the server's close, so that no RST cuts the lines short.
  char b;
  (void)conn->Read(&b, 1);
  (void)conn->Close();
}

// The server: one connection, its lines read as the case's mode says.
void RunServer(Runtime& rt, TCPListener& l, const LineCase& c,
               LineResult& out) {
  auto note = [&](const std::string& what) {
    if (out.failure.empty()) out.failure = "server: " + what;
  };
  (void)l.SetDeadline(rt.Now().Add(10 * kMinute));
  auto conn = l.Accept();
  if (!conn.ok()) {
    note(conn.error().ToString());
    return;
  }
  (void)conn->SetDeadline(rt.Now().Add(10 * kMinute));
  bufio::Reader r(*conn, c.reader_size);
  // Bounded: every round consumes at least one byte or ends.
  const size_t bound = c.wire.size() + 2;
  if (c.mode == Mode::kScanner) {
    bufio::Scanner sc(r);
    for (size_t i = 0; i < bound && sc.Scan(); ++i)
      out.lines.push_back(sc.Text());
    if (auto err = sc.Err()) note(err->ToString());
  } else if (c.mode == Mode::kReadString) {
    for (size_t i = 0; i < bound; ++i) {
      auto s = r.ReadString('\n');
      std::string line = s.value;
      if (!line.empty() && line.back() == '\n') line.pop_back();
      if (!line.empty() && line.back() == '\r' && s.ok()) line.pop_back();
      if (!s.value.empty()) out.lines.push_back(line);
      if (!s.ok()) {
        if (!s.err->IsEOF()) note(s.err->ToString());
        break;
      }
    }
  } else {
    std::string line;
    for (size_t i = 0; i < bound; ++i) {
      bufio::LineResult l = r.ReadLine();
      if (l.err) {
        // A last line with no end that filled the buffer exactly came
        // whole as prefixes: the EOF closes it.
        if (!line.empty()) out.lines.push_back(line);
        if (!l.err->IsEOF()) note(l.err->ToString());
        break;
      }
      line += l.line;
      if (!l.is_prefix) {
        out.lines.push_back(line);
        line.clear();
      }
    }
  }
  (void)conn->Close();
}

std::string PlanText(const LineCase& c) {
  std::string text;
  if (c.loss > 0) {
    text += "from 0s loss " + std::to_string(c.loss) + "% client <-> server\n";
  }
  for (const char* host : {"client", "server"}) {
    for (auto [kind, pct] :
         {std::pair{"eintr", c.eintr}, std::pair{"short", c.short_io},
          std::pair{"eagain", c.eagain}, std::pair{"spurious", c.spurious}}) {
      if (pct == 0) continue;
      text += "from 0s syscall " + std::string(kind) + " " +
              std::to_string(pct / 100.0) + " on " + host + "\n";
    }
  }
  return text;
}

// Server and client on two simulated hosts; the plan applied if faulty.
LineResult RunSim(const LineCase& c, bool faulty) {
  LineResult out;
  sim::World world(c.seed);
  sim::Host& server_host = world.AddHost("server", "10.0.0.1");
  sim::Host& client_host = world.AddHost("client", "10.0.0.2");
  world.network().SetLatency(server_host, client_host,
                             std::chrono::milliseconds(2));
  world.trace().SetEnabled(true);
  world.trace().KeepLines(true);
  if (faulty) {
    faults::ParsedPlan parsed = faults::ParsePlan(PlanText(c));
    if (!parsed.ok()) {
      out.failure = "plan: " + parsed.error.ToString();
      return out;
    }
    sim::AppliedPlan applied = sim::ApplyPlan(world, *parsed.plan);
    if (!applied.ok()) {
      out.failure = "plan: " + applied.error->ToString();
      return out;
    }
  }
  sim::Process& sp = server_host.SpawnProcess();
  sim::Process& cp = client_host.SpawnProcess();
  sp.Spawn(
      [&] {
        Runtime rt(sp);
        rt.Go([&] {
          auto l =
              ListenTCP(rt, "tcp4", TCPAddr{ParseIP("10.0.0.1"), 7000, ""});
          if (!l.ok()) {
            out.failure = "server: " + l.error().ToString();
          } else {
            RunServer(rt, *l, c, out);
            (void)l->Close();
          }
          out.server_done = true;
        });
        rt.Run();
      },
      "server");
  cp.Spawn(
      [&] {
        Runtime rt(cp);
        rt.Go([&] {
          rt.Sleep(10 * kMillisecond);  // the server listens first
          RunClient(rt, "10.0.0.1:7000", c, out);
          out.client_done = true;
        });
        rt.Run();
      },
      "client");
  world.RunUntil([&] { return out.server_done && out.client_done; },
                 world.Now() + std::chrono::minutes(15));
  world.scheduler().KillAll();
  out.drops = static_cast<int>(world.network().packets_dropped());
  for (const std::string& line : world.trace().lines()) {
    out.syscall_faults += line.find(" fault: ") != line.npos;
  }
  return out;
}

// Both on the real kernel, one Runtime, through FaultySyscalls.
LineResult RunLinux(const LineCase& c) {
  LineResult out;
  ::simsock::testing::LinuxBackend backend;
  faults::SplitMix64 rng(c.seed);
  faults::SyscallInjector injector(rng, "linux");
  for (auto [kind, pct] :
       {std::pair{faults::SyscallFaultKind::kEintr, c.eintr},
        std::pair{faults::SyscallFaultKind::kShortIo, c.short_io},
        std::pair{faults::SyscallFaultKind::kEagain, c.eagain},
        std::pair{faults::SyscallFaultKind::kSpuriousWake, c.spurious}}) {
    if (pct == 0) continue;
    faults::SyscallFault f;
    f.kind = kind;
    f.probability = pct / 100.0;
    injector.Add(f, std::string(faults::SyscallFaultKindName(kind)));
  }
  faults::FaultySyscalls sys(backend.sys(), injector);
  Runtime rt(sys);
  rt.Go([&] {
    auto l = Listen(rt, "tcp4", "127.0.0.1:0");
    if (!l.ok()) {
      out.failure = "server: " + l.error().ToString();
      rt.Stop();
      return;
    }
    TCPListener listener = *l;
    rt.Go([&, addr = listener.Addr().String()] {
      RunClient(rt, addr, c, out);
      out.client_done = true;
    });
    RunServer(rt, listener, c, out);
    (void)listener.Close();
    out.server_done = true;
    for (int i = 0; i < 1000 && !out.client_done; ++i) rt.Sleep(kMillisecond);
    rt.Stop();
  });
  rt.Go([&] {
    rt.Sleep(30 * kSecond);
    rt.Stop();
  });
  ::simsock::testing::RunRuntime(backend, rt);
  return out;
}

void Check(const LineCase& c, const LineResult& r, const char* what) {
  RC_LOG() << what << ": mode " << ModeName(c.mode) << ", " << r.lines.size()
           << " lines of " << c.lines.size() << ", failure: " << r.failure
           << "\n";
  RC_ASSERT(r.server_done);
  RC_ASSERT(r.client_done);
  RC_ASSERT(r.failure.empty());
  RC_ASSERT(r.lines == c.lines);
}

RC_GTEST_PROP(BufioProp, LinesUnderLossAndSyscallFaults_Sim, ()) {
  const LineCase c = GenCase();
  RC_LOG() << PlanText(c);
  RC_CLASSIFY(c.mode == Mode::kReadString, "ReadString");
  RC_CLASSIFY(c.mode == Mode::kReadLine, "ReadLine");
  RC_CLASSIFY(c.mode == Mode::kScanner, "Scanner");
  RC_CLASSIFY(c.loss > 0, "loss");
  const LineResult clean = RunSim(c, false);
  Check(c, clean, "clean");
  const LineResult faulty = RunSim(c, true);
  Check(c, faulty, "faulty");
  RC_CLASSIFY(faulty.drops > 0, "packets lost");
  RC_CLASSIFY(faulty.syscall_faults >= 10, "10 syscall faults or more");
  RC_ASSERT(clean.drops + clean.syscall_faults == 0);
  RC_ASSERT(faulty.lines == clean.lines);
}

RC_GTEST_PROP(BufioProp, LinesUnderSyscallFaults_Linux, ()) {
  const LineCase c = GenCase();
  RC_CLASSIFY(c.mode == Mode::kReadLine, "ReadLine");
  Check(c, RunLinux(c), "linux");
}

}  // namespace
}  // namespace simsock::net
