#include "simsock/sim/inet/tcp_listener.h"

#include <algorithm>

#include "simsock/sim/inet/inet_stack.h"
#include "simsock/sim/inet/tcp_socket.h"

namespace simsock::sim {

using tcp::Segment;

TcpListener::TcpListener(TcpSocket& socket, int backlog, uint8_t child_shutdown)
    : socket_(socket), backlog_(backlog), child_shutdown_(child_shutdown) {}

TcpListener::~TcpListener() {
  // Stop() has emptied the queues unless the socket itself goes (its
  // host's teardown): then no child may keep a pointer to us.
  for (auto& c : syn_queue_) c->parent_ = nullptr;
  for (auto& c : accept_queue_) c->parent_ = nullptr;
}

const Endpoint& TcpListener::local() const { return socket_.local(); }

void TcpListener::OnSegment(const Packet& p) {
  auto keep = socket_.Self();
  const Segment& seg = p.tcp;
  if (seg.Has(tcp::kRst)) return;
  if (seg.Has(tcp::kAck) || !seg.Has(tcp::kSyn)) {
    // An ACK to a listener with no matching request: RST (tcp_v4_do_rcv).
    Segment reply;
    if (tcp::ResetFor(seg, &reply)) socket_.SendSegment(reply, p.dst, p.src);
    return;
  }
  // The SYN is dropped silently and the client retransmits it.
  if (AcceptQueueFull()) {
    socket_.stack_.TraceLine("drop: SYN to " + ToString(local()) +
                             ", accept queue full");
    return;
  }
  std::shared_ptr<TcpSocket> child =
      socket_.CloneForSyn(p, this, child_shutdown_);
  syn_queue_.push_back(child);
  child->StartPassiveOpen(seg);
}

std::shared_ptr<TcpSocket> TcpListener::PopAccepted() {
  if (accept_queue_.empty()) return nullptr;
  std::shared_ptr<TcpSocket> c = accept_queue_.front();
  accept_queue_.pop_front();
  c->parent_ = nullptr;
  return c;
}

void TcpListener::OnChildEstablished(TcpSocket& child) {
  auto it = std::find_if(syn_queue_.begin(), syn_queue_.end(),
                         [&child](auto& c) { return c.get() == &child; });
  if (it == syn_queue_.end()) return;
  accept_queue_.push_back(*it);
  syn_queue_.erase(it);
  socket_.Notify(TcpSocket::kInKey);
}

bool TcpListener::OnChildGone(TcpSocket& child) {
  auto it = std::find_if(syn_queue_.begin(), syn_queue_.end(),
                         [&child](auto& c) { return c.get() == &child; });
  if (it == syn_queue_.end()) return false;
  child.parent_ = nullptr;
  syn_queue_.erase(it);  // may destroy the child: nothing may follow
  return true;
}

void TcpListener::Stop() {
  auto queued = std::move(accept_queue_);
  auto pending = std::move(syn_queue_);
  accept_queue_.clear();
  syn_queue_.clear();
  for (auto& c : pending) c->AbortUnaccepted(/*orphan=*/false);
  for (auto& c : queued) c->AbortUnaccepted(/*orphan=*/true);
}

// --- The socket's side ------------------------------------------------------

std::shared_ptr<TcpSocket> TcpSocket::CloneForSyn(const Packet& p,
                                                  TcpListener* parent,
                                                  uint8_t shutdown) {
  const Segment& seg = p.tcp;
  auto child = std::make_shared<TcpSocket>(stack_);
  // sk_clone_lock copies the listener (every SOL_SOCKET, IP and TCP option
  // the simulator keeps: SO_KEEPALIVE, SO_LINGER, buffer sizes and their
  // locks, SO_RCVLOWAT, timeouts, SO_MARK (inet_csk_clone_lock: ir_mark is
  // the listener's mark), IP_TOS, IP_TTL, TCP_NODELAY, TCP_CORK, the
  // keepalive and timeout knobs, TCP_CONGESTION ...), but resets
  // sk_priority to 0 (with sk_err), so SO_PRIORITY, whether set directly
  // or through IP_TOS, is not inherited. O_NONBLOCK is per file and is not
  // inherited either.
  child->opts_ = opts_;
  child->opts_.priority = 0;
  child->topts_ = topts_;
  child->shutdown_ = shutdown;
  child->local_ = {p.dst, local_.port};
  child->peer_ = {p.src, seg.src_port};
  // sk_clone_lock drops SOCK_BINDPORT_LOCK: an accepted socket gives the
  // port back when it reaches CLOSE, even while its fd is open.
  child->port_user_locked_ = false;
  child->addr_user_locked_ = true;
  child->HoldPort(local_.port, /*connect_bound=*/false);
  child->local_.ip = p.dst;
  child->key_ = {p.dst, local_.port, p.src, seg.src_port};
  child->sock_state_ = SockState::kConnected;
  child->was_connection_ = true;
  child->parent_ = parent;
  child->tcb_.emplace(child->MakeConfig(p.src), stack_.shared_tcb_config());
  if (topts_.cork) child->tcb_->SetCork(true, Now());
  stack_.AddConnection(child->key_, child, /*active_open=*/false);
  child->in_table_ = true;
  return child;
}

void TcpSocket::StartPassiveOpen(const Segment& syn) {
  tcb_->AcceptSyn(syn, tcp::SeqNum(stack_.NewIss()), Now());
  if (shutdown_ & kRcvShutdown) tcb_->ShutdownReceive();
  AfterTcb();
}

void TcpSocket::AbortUnaccepted(bool orphan) {
  parent_ = nullptr;
  if (orphan) orphan_ = true;
  if (tcb_) {
    tcb_->Abort(Now());
    AfterTcb();
  }
}

}  // namespace simsock::sim
