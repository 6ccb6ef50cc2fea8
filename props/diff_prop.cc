// Differential properties: random command sequences on nonblocking TCP
// sockets over 127.0.0.1, applied in lockstep to the real kernel
// (sys::LinuxSyscalls) and to a simulated process, through the differential
// tests' Script (testing/diff/harness.h), which logs every call normalised:
// fds relative to the first, ports by role (<p0>, <p1>, <closed>), ephemeral
// ports as <ephemeral>, errnos by name. The two logs must be equal line by
// line. The simulator's seed is drawn by rapidcheck, so shrinking and replay
// cover it.
//
// A counterexample is printed as a DIFF_SCENARIO body that can be pasted
// into tests/diff/ as it stands, next to the two logs side by side.
//
// Bounded: at most 40 commands per case, a settle (Linux: 20 ms sleep; sim:
// 50 ms of virtual time) only after connect, shutdown and close, and a
// modest number of cases in CI (RC_PARAMS max_success, see CMakeLists.txt).
#include <gtest/gtest.h>
#include <netinet/tcp.h>
#include <rapidcheck.h>

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <memory>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "props/prop_util.h"
#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/recording.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::props {
namespace {

using diff::Backend;
using diff::Lo;
using diff::Script;

// One command. Sockets are named by slot: slot i is the i-th socket the
// sequence created (socket() or a successful accept4()); a command naming a
// slot that does not exist yet is skipped on both sides.
struct DiffOp {
  enum Kind {
    kSocket,
    kBind,        // slot, port role (0, 1)
    kListen,      // slot, backlog
    kConnect,     // slot, port role (0, 1, 2 = never bound)
    kAccept,      // slot
    kWrite,       // slot, bytes
    kRead,        // slot, bytes
    kShutdown,    // slot, how
    kClose,       // slot
    kMask,        // slot: epoll readiness through a throwaway set
    kSoError,     // slot: getsockopt(SO_ERROR), which clears it
    kSendOob,     // slot, bytes: send(MSG_OOB), the last byte urgent
    kRecvOob,     // slot: recv(MSG_OOB)
    kPeek,        // slot, bytes: recv(MSG_PEEK)
    kReuseAddr,   // slot: SO_REUSEADDR 1
    kLingerZero,  // slot: SO_LINGER {1, 0}, so close() resets
    kUnspec,      // slot: connect(AF_UNSPEC)
    kNodelay,     // slot: TCP_NODELAY 1
    kAdvance,     // 60 ms pass: delayed-ACK timers (40 ms) fire
    kCount
  } kind = kSocket;
  int slot = 0;
  int arg = 0;
};

const char* kRoles[] = {"p0", "p1", "closed"};

std::string Code(const DiffOp& op) {
  std::string f = "f[" + std::to_string(op.slot) + "]";
  switch (op.kind) {
    case DiffOp::kSocket:
      return "f.push_back(s.Tcp());";
    case DiffOp::kBind:
      return "s.Bind(" + f + ", Lo(port[" + std::to_string(op.arg) + "]));";
    case DiffOp::kListen:
      return "s.Listen(" + f + ", " + std::to_string(op.arg) + ");";
    case DiffOp::kConnect:
      return "s.Connect(" + f + ", Lo(port[" + std::to_string(op.arg) +
             "])); s.Settle();";
    case DiffOp::kAccept:
      return "if (int a = s.Accept(" + f + "); a >= 0) f.push_back(a);";
    case DiffOp::kWrite:
      return "s.WriteFill(" + f + ", " + std::to_string(op.arg) + ");";
    case DiffOp::kRead:
      return "s.Read(" + f + ", " + std::to_string(op.arg) + ");";
    case DiffOp::kShutdown:
      return "s.Shutdown(" + f + ", " +
             (op.arg == SHUT_RD   ? "SHUT_RD"
              : op.arg == SHUT_WR ? "SHUT_WR"
                                  : "SHUT_RDWR") +
             "); s.Settle();";
    case DiffOp::kClose:
      return "s.Close(" + f + "); s.Settle();";
    case DiffOp::kMask:
      return "Mask(s, " + f + ", kInOutRdhup | EPOLLPRI);";
    case DiffOp::kSendOob:
      return "s.Send(" + f + ", std::string(" + std::to_string(op.arg) +
             ", 'u'), MSG_OOB); s.Settle();";
    case DiffOp::kRecvOob:
      return "s.Recv(" + f + ", 8, MSG_OOB);";
    case DiffOp::kPeek:
      return "s.Recv(" + f + ", " + std::to_string(op.arg) + ", MSG_PEEK);";
    case DiffOp::kReuseAddr:
      return "s.SetInt(" + f + ", SOL_SOCKET, SO_REUSEADDR, 1);";
    case DiffOp::kLingerZero:
      return "s.SetLinger(" + f + ", 1, 0);";
    case DiffOp::kUnspec:
      return "s.ConnectUnspec(" + f + "); s.Settle();";
    case DiffOp::kNodelay:
      return "s.SetInt(" + f + ", IPPROTO_TCP, TCP_NODELAY, 1);";
    case DiffOp::kAdvance:
      return "s.Advance(milliseconds(60));";
    case DiffOp::kSoError:
      return "s.GetInt(" + f + ", SOL_SOCKET, SO_ERROR);";
    case DiffOp::kCount:
      break;
  }
  return "?";
}

// Runs the sequence on one backend; returns the normalised log.
std::vector<std::string> RunOn(Backend& backend,
                               const std::vector<DiffOp>& ops) {
  Script s(backend);
  uint16_t port[3];
  for (int i = 0; i < 3; ++i) port[i] = s.Port(kRoles[i]);
  std::vector<int> f;
  for (const DiffOp& op : ops) {
    if (op.kind != DiffOp::kSocket && op.kind != DiffOp::kAdvance &&
        op.slot >= static_cast<int>(f.size())) {
      continue;
    }
    switch (op.kind) {
      case DiffOp::kSocket:
        f.push_back(s.Tcp());
        break;
      case DiffOp::kBind:
        s.Bind(f[op.slot], Lo(port[op.arg]));
        break;
      case DiffOp::kListen:
        s.Listen(f[op.slot], op.arg);
        break;
      case DiffOp::kConnect:
        s.Connect(f[op.slot], Lo(port[op.arg]));
        s.Settle();
        break;
      case DiffOp::kAccept:
        if (int a = s.Accept(f[op.slot]); a >= 0) f.push_back(a);
        break;
      case DiffOp::kWrite:
        s.WriteFill(f[op.slot], op.arg);
        break;
      case DiffOp::kRead:
        s.Read(f[op.slot], op.arg);
        break;
      case DiffOp::kShutdown:
        s.Shutdown(f[op.slot], op.arg);
        s.Settle();
        break;
      case DiffOp::kClose:
        s.Close(f[op.slot]);
        s.Settle();
        break;
      case DiffOp::kMask:
        diff::Mask(s, f[op.slot], diff::kInOutRdhup | EPOLLPRI);
        break;
      case DiffOp::kSendOob:
        s.Send(f[op.slot], std::string(static_cast<size_t>(op.arg), 'u'),
               MSG_OOB);
        s.Settle();
        break;
      case DiffOp::kRecvOob:
        s.Recv(f[op.slot], 8, MSG_OOB);
        break;
      case DiffOp::kPeek:
        s.Recv(f[op.slot], op.arg, MSG_PEEK);
        break;
      case DiffOp::kReuseAddr:
        s.SetInt(f[op.slot], SOL_SOCKET, SO_REUSEADDR, 1);
        break;
      case DiffOp::kLingerZero:
        s.SetLinger(f[op.slot], 1, 0);
        break;
      case DiffOp::kUnspec:
        s.ConnectUnspec(f[op.slot]);
        s.Settle();
        break;
      case DiffOp::kNodelay:
        s.SetInt(f[op.slot], IPPROTO_TCP, TCP_NODELAY, 1);
        break;
      case DiffOp::kAdvance:
        s.Advance(std::chrono::milliseconds(60));
        break;
      case DiffOp::kSoError:
        s.GetInt(f[op.slot], SOL_SOCKET, SO_ERROR);
        break;
      case DiffOp::kCount:
        break;
    }
  }
  return s.log();
}

std::string Report(const std::vector<DiffOp>& ops,
                   const std::vector<std::string>& lx,
                   const std::vector<std::string>& sm, uint64_t seed) {
  std::ostringstream out;
  out << "\n// Paste into tests/diff/ (simulator seed " << seed
      << ", SIMSOCK_DIFF_SEED=" << seed << "):\n"
      << "DIFF_SCENARIO(Prop_Counterexample) {\n"
      << "  uint16_t port[3] = {s.Port(\"p0\"), s.Port(\"p1\"), "
         "s.Port(\"closed\")};\n"
      << "  std::vector<int> f;\n";
  for (const DiffOp& op : ops) out << "  " << Code(op) << "\n";
  out << "}\n\n"
      << diff::SideBySide("linux", lx, "sim", sm,
                          diff::CompareLogs(lx, sm, {}).marks);
  return out.str();
}

}  // namespace
}  // namespace simsock::props

namespace rc {
template <>
struct Arbitrary<simsock::props::DiffOp> {
  static Gen<simsock::props::DiffOp> arbitrary() {
    using simsock::props::DiffOp;
    return gen::mapcat(
        gen::weightedElement<int>({{3, DiffOp::kSocket},
                                   {2, DiffOp::kBind},
                                   {2, DiffOp::kListen},
                                   {3, DiffOp::kConnect},
                                   {3, DiffOp::kAccept},
                                   {3, DiffOp::kWrite},
                                   {3, DiffOp::kRead},
                                   {1, DiffOp::kShutdown},
                                   {2, DiffOp::kClose},
                                   {2, DiffOp::kMask},
                                   {1, DiffOp::kSoError},
                                   {1, DiffOp::kSendOob},
                                   {1, DiffOp::kRecvOob},
                                   {1, DiffOp::kPeek},
                                   {1, DiffOp::kReuseAddr},
                                   {1, DiffOp::kLingerZero},
                                   {1, DiffOp::kUnspec},
                                   {1, DiffOp::kNodelay},
                                   {1, DiffOp::kAdvance}}),
        [](int kind) {
          Gen<int> arg = gen::just(0);
          switch (kind) {
            case DiffOp::kBind:
              arg = gen::inRange(0, 2);
              break;
            case DiffOp::kListen:
              arg = gen::inRange(0, 3);
              break;
            case DiffOp::kConnect:
              arg = gen::weightedElement<int>({{4, 0}, {2, 1}, {1, 2}});
              break;
            case DiffOp::kWrite:
            case DiffOp::kRead:
              arg = gen::inRange(0, 4000);
              break;
            case DiffOp::kSendOob:
              arg = gen::inRange(1, 4);
              break;
            case DiffOp::kPeek:
              arg = gen::inRange(0, 9);
              break;
            case DiffOp::kShutdown:
              arg = gen::element<int>(SHUT_RD, SHUT_WR, SHUT_RDWR);
              break;
            default:
              break;
          }
          return gen::map(gen::pair(gen::inRange(0, 5), arg),
                          [kind](const std::pair<int, int>& p) {
                            DiffOp op;
                            op.kind = static_cast<DiffOp::Kind>(kind);
                            op.slot = p.first;
                            op.arg = p.second;
                            return op;
                          });
        });
  }
};
}  // namespace rc

namespace simsock::props {
namespace {

[[maybe_unused]] void showValue(const DiffOp& op, std::ostream& os) {
  os << Code(op);
}

// The simulator models the kernel the differential scenarios were recorded
// on (tests/diff/linux_recording.txt). On that release a disagreement is a
// simulator bug and fails (shrunk, with a scenario to paste). On any other
// release it may be the kernel that changed: each case that disagrees is
// printed as a kernel-drift report and the test is skipped, never passed.
TEST(DiffProp, LinuxAndSimAgreeOnLoopback) {
  diff::Recording recording;
  std::string error;
  ASSERT_TRUE(diff::Recording::Load(diff::RecordingPath(), &recording, &error))
      << error;
  const std::string recorded_kernel = recording.MainKernel();
  ASSERT_FALSE(recorded_kernel.empty())
      << diff::RecordingPath() << " records no scenario";
  const std::string live_kernel = diff::LiveKernelRelease();
  const bool on_recorded_kernel = recorded_kernel == live_kernel;
  std::vector<std::string> drift;
  const bool ok = rc::check("Linux and the simulator agree on loopback", [&] {
    // Up to 40 commands: long enough to reach states that need a setup
    // (shutdown before listen, a connect to itself after shutdown),
    // which 14 missed in thousands of cases; about 40 ms per case on
    // Linux.
    auto ops = *rc::gen::resize(40, rc::gen::container<std::vector<DiffOp>>(
                                        rc::gen::arbitrary<DiffOp>()));
    uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1u << 30);
    RC_LOG() << ReplayHint(seed) << "\n";
    std::vector<std::string> lx;
    {
      auto linux_backend = diff::MakeLinuxBackend();
      lx = RunOn(*linux_backend, ops);
    }
    auto sim_backend = diff::MakeSimBackend(seed);
    RC_PRE(sim_backend != nullptr);
    std::vector<std::string> sm = RunOn(*sim_backend, ops);
    if (lx == sm) return;
    if (!on_recorded_kernel) {
      if (drift.size() < 5) drift.push_back(Report(ops, lx, sm, seed));
      return;
    }
    RC_LOG() << Report(ops, lx, sm, seed);
    RC_FAIL("Linux and the simulator disagree");
  });
  EXPECT_TRUE(ok);
  if (!drift.empty()) {
    for (const auto& d : drift) {
      std::cout << "kernel drift: the simulator models " << recorded_kernel
                << ", this kernel is " << live_kernel
                << "; a case where they answer differently:" << d << "\n";
    }
    GTEST_SKIP() << "kernel drift: " << drift.size()
                 << (drift.size() == 5 ? "+" : "")
                 << " case(s) where this kernel (" << live_kernel
                 << ") and the simulator, which models " << recorded_kernel
                 << ", differ (reports above)";
  }
}

}  // namespace
}  // namespace simsock::props
