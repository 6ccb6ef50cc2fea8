#include "simsock/sim/inet/tcp_time_wait.h"

#include <algorithm>

#include "simsock/sim/base/check.h"
#include "simsock/sim/inet/inet_stack.h"

namespace simsock::sim {

using tcp::TcpState;

TcpTimeWait::TcpTimeWait(InetStack& stack, const ConnKey& key,
                         const tcp::Tcb& tcb, bool reuseaddr, bool reuseport,
                         bool connect_bound)
    : stack_(stack),
      key_(key),
      local_{key.local_ip, key.local_port},
      reuseaddr_(reuseaddr),
      reuseport_(reuseport),
      connect_bound_(connect_bound),
      tcb_(tcb) {
  SIM_CHECK(tcb_.state() == TcpState::kTimeWait);
  stack_.tcp_ports().Add(*this, key_.local_port);
}

TcpTimeWait::~TcpTimeWait() {
  stack_.env().Cancel(timer_);
  if (holds_port_) stack_.tcp_ports().Remove(*this, key_.local_port);
}

void TcpTimeWait::Enter() {
  stack_.AddConnection(key_, shared_from_this(), !tcb_.passive());
  in_table_ = true;
  ArmTimer();
}

bool TcpTimeWait::InTimeWait() const {
  return tcb_.state() == TcpState::kTimeWait;
}

// tcp_timewait_state_process's TCP_TW_SYN: a SYN (without ACK or RST)
// beyond what the connection received may reopen the 4-tuple.
bool TcpTimeWait::AcceptsNewSyn(const tcp::Segment& seg) const {
  return tcb_.state() == TcpState::kTimeWait && seg.Has(tcp::kSyn) &&
         !seg.Has(tcp::kAck) && !seg.Has(tcp::kRst) && seg.seq > tcb_.rcv_nxt();
}

void TcpTimeWait::KillTimeWait() {
  SIM_CHECK(tcb_.state() == TcpState::kTimeWait);
  tcb_.Abort(stack_.Now());
  AfterTcb();
}

void TcpTimeWait::OnSegment(const Packet& p) {
  tcb_.OnSegment(p.tcp, stack_.Now());
  AfterTcb();
}

void TcpTimeWait::AfterTcb() {
  std::vector<tcp::Segment> out = tcb_.TakeOutput();
  for (tcp::Segment& seg : out) {
    Packet p;
    p.src = key_.local_ip;
    p.dst = key_.remote_ip;
    p.proto = IpProto::kTcp;
    p.tcp = std::move(seg);
    stack_.Send(std::move(p));
  }
  tcp::RecycleSegmentVector(std::move(out));
  if (tcb_.state() == TcpState::kClosed && in_table_) {
    // inet_twsk_kill: out of the connection table, the port given back.
    stack_.env().Cancel(timer_);
    timer_ = {};
    stack_.RemoveConnection(key_, this);  // queues *this for the graveyard
    in_table_ = false;
    stack_.tcp_ports().Remove(*this, key_.local_port);
    holds_port_ = false;
  }
  ArmTimer();
}

void TcpTimeWait::ArmTimer() {
  Time at = tcb_.PollAt();
  if (timer_.valid() && timer_.at == at) return;
  if (at == kNever) {
    stack_.env().Cancel(timer_);
    timer_ = {};
    return;
  }
  // Re-armed in place when still pending, as TcpSocket::ArmTimer.
  if (timer_.valid()) {
    timer_ = stack_.env().Reschedule(timer_, std::max(at, stack_.Now()));
    if (timer_.valid()) return;
  }
  std::weak_ptr<TcpTimeWait> weak = shared_from_this();
  timer_ = stack_.env().Schedule(std::max(at, stack_.Now()), [weak]() {
    if (auto tw = weak.lock()) tw->OnTimer();
  });
}

void TcpTimeWait::OnTimer() {
  timer_ = {};
  auto keep = shared_from_this();  // closing drops the table's reference
  tcb_.OnTimer(stack_.Now());
  AfterTcb();
}

}  // namespace simsock::sim
