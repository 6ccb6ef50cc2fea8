// The system under test of ModelProp.SimKernelAgreesWithModel: a simulated
// world of 1-3 hosts, the invariants checked after every command, and the
// base of the commands (each predicts its result on the model, runs the
// call on the simulator and compares).
#pragma once

#include "props/model/model.h"

namespace simsock::props::model {

// --- the system under test
// -----------------------------------------------------

struct Sut {
  std::unique_ptr<sim::World> world;
  std::vector<sim::Host*> hosts;
  std::vector<sim::Process*> procs;
  std::map<int, sockaddr_in> client_addr;  // conn id -> client's local addr
  uint64_t seed = 0;
  int steps = 0;        // commands run (for the statistics tags)
  int connections = 0;  // connections accepted
};

inline uint32_t DstIp(int host, AddrKind k) {
  return k == AddrKind::kLo ? kLoopback : HostIp(host);
}
inline uint32_t BindIp(int host, AddrKind k) {
  return k == AddrKind::kAny ? kAnyAddr : DstIp(host, k);
}

// Checks that hold after every command: open fds, readiness, unread bytes.
inline void CheckInvariants(const Model& m, Sut& sut) {
  for (int p = 0; p < m.procs(); ++p) {
    sim::Process& proc = *sut.procs[p];
    std::vector<int> expected;
    for (int fd = 0; fd < Model::kStdFds; ++fd) expected.push_back(fd);
    for (const auto& [fd, id] : m.fds[p]) expected.push_back(fd);
    std::vector<int> open = proc.fds().OpenFds();
    RC_ASSERT(open == expected);
    for (const auto& [fd, id] : m.fds[p]) {
      const Sock& s = m.socks.at(id);
      if (s.phase == Phase::kEpoll) continue;
      int64_t got = ProbeMask(proc, fd);
      uint32_t want = ModelMask(m, s) & (kWatched | EPOLLERR | EPOLLHUP);
      if (got != static_cast<int64_t>(want)) {
        RC_LOG() << "readiness of p" << p << " fd" << fd << ": sim "
                 << (got < 0 ? ResultStr(got) : MaskStr(got)) << ", model "
                 << MaskStr(want) << "\n";
      }
      RC_ASSERT(got == static_cast<int64_t>(want));
      if (s.phase == Phase::kEnd) {
        const Conn& c = m.conns[s.conn];
        int64_t unread = c.Unread(s.side);
        if (unread > 0) {  // MSG_PEEK shows exactly the unread bytes
          std::vector<char> buf(kMaxPerDirection + 16);
          ssize_t r = proc.recvfrom(fd, buf.data(), buf.size(),
                                    MSG_PEEK | MSG_DONTWAIT, nullptr, nullptr);
          RC_ASSERT(r == unread);
          int from = 1 - s.side;
          for (ssize_t i = 0; i < r; ++i) {
            RC_ASSERT(buf[i] ==
                      PatternByte(s.conn, from, c.consumed[from] + i));
          }
        }
      }
    }
  }
}

using Cmd = rc::state::Command<Model, Sut>;

// Every command computes its expectation on a copy of the model (Predict),
// so apply() and run() share one piece of code.
struct Expect {
  long result = 0;
  bool settle = false;
  int conn = -1;  // connect: the new conn id; accept: the conn accepted
  int fd = -1;    // composite commands: the fd socket() must return
};

struct ModelCmd : Cmd {
  // The command's effect on the model, without the clock (Step moves it).
  virtual Expect Predict(Model& m) const = 0;
  // Predict, then the model's clock moves exactly as run() moves the
  // world's: kSettle whenever the command settles, whatever it returned
  // (a failed cross-host write settles too). One place for both clocks, so
  // TimeOk sees the time that really passed since a dropped SYN.
  Expect Step(Model& m) const {
    Expect e = Predict(m);
    if (e.settle) m.now += kSettle;
    return e;
  }
  // Runs the call on the simulator; returns its raw result.
  virtual long Exec(const Model& before, const Expect& e, Sut& sut) const = 0;
  virtual bool Valid(const Model& m) const = 0;

  void checkPreconditions(const Model& m) const override {
    RC_PRE(Valid(m));
    Model copy = m;
    Step(copy);
    RC_PRE(copy.TimeOk());
  }
  void apply(Model& m) const override { Step(m); }
  void run(const Model& m, Sut& sut) const override {
    Model after = m;
    Expect e = Step(after);
    ++sut.steps;
    long got = Exec(m, e, sut);
    if (got != e.result) {
      RC_LOG() << "expected " << ResultStr(e.result) << ", simulator returned "
               << ResultStr(got) << "\n";
    }
    RC_ASSERT(got == e.result);
    if (e.settle) sut.world->RunFor(std::chrono::nanoseconds(kSettle));
    // The model's clock is the world's (a world starts at 0): TimeOk keeps
    // the world before a dropped SYN's retransmission only through it.
    if (sut.world->Now().count() != after.now) {
      RC_LOG() << "clock: world at " << sut.world->Now().count()
               << " ns, model at " << after.now << " ns\n";
    }
    RC_ASSERT(sut.world->Now().count() == after.now);
    CheckInvariants(after, sut);
  }
};

// Picks an fd of process p whose socket matches `pred`; RC_PRE otherwise.
template <typename Pred>
inline int PickFd(const Model& m, int p, Pred pred) {
  std::vector<int> fds;
  for (const auto& [fd, id] : m.fds[p]) {
    if (pred(m.socks.at(id))) fds.push_back(fd);
  }
  RC_PRE(!fds.empty());
  return *rc::gen::elementOf(fds);
}

inline int PickProc(const Model& m) { return *rc::gen::inRange(0, m.procs()); }

inline bool IsTcp(const Sock& s) { return s.phase != Phase::kEpoll; }

}  // namespace simsock::props::model
