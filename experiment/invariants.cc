// The built-in invariants (experiment.h): "deadlock" (NoHangInvariant) and
// "stream" (StreamIntactInvariant, over the taps' StreamLedger).
#include <set>
#include <utility>

#include "simsock/experiment/builtin_invariants.h"
#include "simsock/experiment/experiment.h"
#include "simsock/sim/inet/tcp_socket.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/scheduler.h"
#include "simsock/sim/kernel/trace.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::experiment {

namespace {

// What nothing can end, for one blocked thread (docs/experiments.md,
// "deadlock"): the call has no timeout of its own, its process holds at
// least one TCP connection, and no connection of the process has a TCP
// timer armed (no retransmission, probe, keepalive or delayed ACK that
// could still move it). A thread that waits with no connection at all (a
// server's accept loop, a listener's epoll) waits for new peers, which is
// its job, not a hang. Returns how many connections it holds, or 0 when
// the thread is not stuck this way.
int StuckConnections(const sim::SimThread& t) {
  if (t.wait_deadline() != sim::kNever) return 0;
  sim::Process& p = t.process();
  if (p.dead()) return 0;
  int connections = 0;
  for (int fd : p.fds().OpenFds()) {
    const sim::File* f = p.fds().Get(fd);
    if (f == nullptr || f->kind() != sim::File::Kind::kTcp) continue;
    const auto& s = static_cast<const sim::TcpSocket&>(*f);
    if (s.tcb() == nullptr) continue;
    if (s.tcb()->PollAt() != sim::kNever) return 0;
    const sim::tcp::TcpState st = s.ConnState();
    if (st != sim::tcp::TcpState::kClosed &&
        st != sim::tcp::TcpState::kListen &&
        st != sim::tcp::TcpState::kTimeWait) {
      ++connections;
    }
  }
  return connections;
}

// A virtual time as the trace prints it, without its padding.
std::string TimeText(sim::Time t) {
  std::string s = sim::Trace::FormatTime(t);
  return s.substr(s.find_first_not_of(' '));
}

std::string Describe(const sim::SimThread& t, sim::Time now, int connections) {
  const auto secs = std::chrono::duration_cast<std::chrono::milliseconds>(
                        now - t.blocked_since())
                        .count();
  return t.process().host().name() + " pid " +
         std::to_string(t.process().pid()) + " tid " + std::to_string(t.tid()) +
         (t.name().empty() ? "" : " (" + t.name() + ")") + " blocked in " +
         t.wait_reason() + " since " + TimeText(t.blocked_since()) + " (" +
         std::to_string(secs / 1000) + "." + std::to_string(secs % 1000 / 100) +
         " s) with no timeout, and no " + "timer pending on its " +
         std::to_string(connections) + " connection(s)";
}

class NoHang final : public Invariant {
 public:
  explicit NoHang(sim::Duration limit)
      : limit_(std::max(limit, sim::Duration(1))) {}
  std::string_view name() const override { return "deadlock"; }

  std::optional<std::string> Check(RunContext& ctx) override {
    sim::World& w = ctx.world();
    const sim::Time now = w.Now();
    // The scheduler's threads are walked a few times per limit, not at
    // every event: a hang is reported at most limit/8 late.
    if (now < next_check_) return std::nullopt;
    next_check_ = now + limit_ / 8;
    for (const sim::SimThread* t : w.scheduler().Blocked()) {
      if (now - t->blocked_since() < limit_) continue;
      const int n = StuckConnections(*t);
      if (n == 0) continue;
      if (!reported_.insert({t, t->blocked_since()}).second) continue;
      next_check_ = now;  // look again next step: there may be more
      return Describe(*t, now, n);
    }
    return std::nullopt;
  }

  // At the end: the same, and when nothing at all is pending (the world's
  // deadlock report), every stuck thread however long it has waited:
  // nothing can ever wake it.
  std::optional<std::string> AtEnd(RunContext& ctx) override {
    sim::World& w = ctx.world();
    const bool idle = w.pending_events() == 0 && !w.scheduler().HasRunnable();
    std::string all;
    for (const sim::SimThread* t : w.scheduler().Blocked()) {
      if (!idle && w.Now() - t->blocked_since() < limit_) continue;
      const int n = StuckConnections(*t);
      if (n == 0) continue;
      if (!reported_.insert({t, t->blocked_since()}).second) continue;
      all += (all.empty() ? "" : "; ") + Describe(*t, w.Now(), n);
      if (idle) all += ", and nothing is pending in the world";
    }
    if (all.empty()) return std::nullopt;
    return all;
  }

 private:
  sim::Duration limit_;
  sim::Time next_check_{0};
  // (thread, since when): a thread reported once per wait. Pointers are
  // only compared for equality, never ordered into output.
  std::set<std::pair<const sim::SimThread*, sim::Time>> reported_;
};

class StreamIntact final : public StreamInvariant {
 public:
  std::string_view name() const override { return "stream"; }
  StreamLedger& ledger() override { return ledger_; }
  std::optional<std::string> Check(RunContext& /*ctx*/) override {
    if (found_.empty()) {
      found_ = ledger_.TakeViolations();
      next_ = 0;
    }
    if (next_ < found_.size()) {
      std::string v = std::move(found_[next_++]);
      if (next_ == found_.size()) found_.clear();
      return v;
    }
    return std::nullopt;
  }
  std::optional<std::string> AtEnd(RunContext& ctx) override {
    return Check(ctx);
  }

 private:
  StreamLedger ledger_;
  std::vector<std::string> found_;
  size_t next_ = 0;
};

}  // namespace

std::unique_ptr<Invariant> NoHangInvariant(sim::Duration limit) {
  return std::make_unique<NoHang>(limit);
}

std::unique_ptr<Invariant> StreamIntactInvariant() {
  return std::make_unique<StreamIntact>();
}

}  // namespace simsock::experiment
