#include "simsock/sim/inet/inet_stack.h"

#include <algorithm>

#include "simsock/sim/base/check.h"
#include "simsock/sim/base/random.h"
#include "simsock/sim/inet/tcp_listener.h"
#include "simsock/sim/tcp/tcb.h"

namespace simsock::sim {

InetStack::InetStack(StackEnv& env, uint32_t ip, uint64_t hash_seed)
    : env_(env), ip_(ip), hash_seed_(hash_seed) {}

InetStack::~InetStack() {
  // The host's processes have closed their fds; the connection table lets
  // go of orphans. Sockets unregister from the port tables as they die.
  DropConnections();
}

void InetStack::DropConnections() {
  // In key order (as the ordered map they were once in): the table's slot
  // order must not reach what the connections' destructors do.
  auto conns = tcp_conns_.TakeAllInKeyOrder();
  conn_ports_.clear();
  for (auto& [key, conn] : conns) conn.reset();
  conns.clear();
  while (!graveyard_.empty()) {
    auto dead = std::move(graveyard_);
    graveyard_.clear();
  }
}

uint32_t InetStack::SourceAddressFor(uint32_t dst) const {
  if (IsLoopback(dst)) return 0x7F000001;  // 127.0.0.1
  return ip_;
}

uint16_t InetStack::MssFor(uint32_t dst) const {
  int mtu = IsLocalAddress(dst) ? settings_.loopback_mtu : settings_.mtu;
  return static_cast<uint16_t>(std::min(65535, mtu) - 40);
}

uint32_t InetStack::NewIss() {
  return static_cast<uint32_t>(env_.Rng("tcp.isn").Next());
}

void InetStack::AddConnection(const ConnKey& key,
                              std::shared_ptr<TcpConnection> conn,
                              bool active_open) {
  SIM_CHECK(tcp_conns_.Insert(key, std::move(conn)));
  if (active_open) conn_ports_[Destination(key)].Add(key.local_port);
}

void InetStack::RemoveConnection(const ConnKey& key,
                                 const TcpConnection* conn) {
  const std::shared_ptr<TcpConnection>* found = tcp_conns_.Find(key);
  SIM_CHECK(found != nullptr && found->get() == conn);
  // The caller is often the connection itself: keep it alive until the step
  // is over, in the stack's graveyard (never in the world's queues, which
  // may outlive the host during teardown).
  graveyard_.push_back(tcp_conns_.Erase(key));
  // (Only an active open is in the index; the key was in the table, so
  // an entry for it is this connection's.)
  auto d = conn_ports_.find(Destination(key));
  if (d != conn_ports_.end() && d->second.Remove(key.local_port))
    conn_ports_.erase(d);
  if (graveyard_.size() == 1) env_.Defer([this]() { graveyard_.clear(); });
}

TcpConnection* InetStack::FindConnection(const ConnKey& key) const {
  const std::shared_ptr<TcpConnection>* found = tcp_conns_.Find(key);
  return found == nullptr ? nullptr : found->get();
}

const PortBitmap* InetStack::PortsInUse(uint32_t local_ip, uint32_t remote_ip,
                                        uint16_t remote_port) const {
  auto it = conn_ports_.find({local_ip, remote_ip, remote_port});
  return it == conn_ports_.end() ? nullptr : it->second.bitmap();
}

void InetStack::LocalPorts::Add(uint16_t port) {
  ++count_;
  if (!bits_) {
    if (count_ == 1) {
      single_ = port;
      return;
    }
    // A second connection to the same place: from now on a bitmap (a
    // client host's many connections to one server).
    bits_ = std::make_unique<PortBitmap>();
    bits_->Set(single_, true);
  }
  SIM_CHECK(!bits_->Test(port));
  bits_->Set(port, true);
}

bool InetStack::LocalPorts::Remove(uint16_t port) {
  SIM_CHECK(count_ > 0);
  // Past one port the bitmap stays, even when one is left.
  if (bits_ ? !bits_->Test(port) : single_ != port) return false;
  if (bits_) bits_->Set(port, false);
  return --count_ == 0;
}

const PortBitmap* InetStack::LocalPorts::bitmap() const { return bits_.get(); }

TcpListener* InetStack::FindListener(uint32_t ip, uint16_t port,
                                     const ConnKey& tuple) const {
  // __inet_lookup_listener: an exact address beats the wildcard; within
  // the best, a SO_REUSEPORT group is chosen by a hash of the 4-tuple.
  std::vector<TcpListener*> best;
  int best_score = -1;
  for (PortHolder* s : tcp_ports_.Listeners(port)) {
    TcpListener* l = s->listener();
    if (l == nullptr) continue;
    uint32_t lip = s->local().ip;
    if (lip != 0 && lip != ip) continue;
    int score = lip != 0 ? 2 : 1;
    if (score > best_score) {
      best.clear();
      best_score = score;
    }
    if (score == best_score) best.push_back(l);
  }
  if (best.empty()) return nullptr;
  if (best.size() == 1) return best[0];
  uint64_t h = (static_cast<uint64_t>(tuple.remote_ip) << 16) ^
               tuple.remote_port ^ (hash_seed_ << 7);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return best[h % best.size()];
}

void InetStack::Receive(const Packet& p) {
  switch (p.proto) {
    case IpProto::kTcp:
      ReceiveTcp(p);
      break;
    case IpProto::kUdp:
      ReceiveUdp(p);
      break;
    case IpProto::kIcmp:
      ReceiveIcmp(p);
      break;
  }
}

// tcp_v4_rcv: the established hash (connections and TIME_WAITs) first,
// then the listeners, otherwise a RST (tcp_v4_send_reset).
void InetStack::ReceiveTcp(const Packet& p) {
  const tcp::Segment& seg = p.tcp;
  ConnKey key{p.dst, seg.dst_port, p.src, seg.src_port};
  if (const auto* found = tcp_conns_.Find(key)) {
    std::shared_ptr<TcpConnection> conn = *found;  // it may leave
    if (!conn->AcceptsNewSyn(seg)) {
      conn->OnSegment(p);
      return;
    }
    // A new SYN ends the TIME_WAIT and goes to the listener.
    conn->KillTimeWait();
  }
  if (TcpListener* listener = FindListener(p.dst, seg.dst_port, key)) {
    listener->OnSegment(p);
    return;
  }
  tcp::Segment reply;
  if (tcp::ResetFor(seg, &reply)) {
    Packet r;
    r.src = p.dst;
    r.dst = p.src;
    r.proto = IpProto::kTcp;
    r.tcp = std::move(reply);
    Send(std::move(r));
  }
}

void InetStack::ReceiveUdp(const Packet& p) {
  Endpoint src{p.src, p.udp.src_port};
  Endpoint dst{p.dst, p.udp.dst_port};
  std::vector<PortHolder*> best;
  int best_score = -1;
  for (PortHolder* u : udp_ports_.Holders(dst.port)) {
    int score = u->MatchScore(src, dst);
    if (score < 0) continue;
    if (score > best_score) {
      best.clear();
      best_score = score;
    }
    if (score == best_score) best.push_back(u);
  }
  if (best.empty()) {
    if (IsBroadcastAddress(dst.ip) || (dst.ip >> 28) == 0xE) return;
    Packet icmp;
    icmp.src = p.dst;
    icmp.dst = p.src;
    icmp.proto = IpProto::kIcmp;
    icmp.icmp = {p.src, p.dst, p.udp.src_port, p.udp.dst_port, {}};
    // icmp_send: the message is at most 576 bytes; after its own IP and
    // ICMP headers and the quoted IP and UDP headers, 520 bytes of payload.
    constexpr size_t kQuotedPayloadMax = 576 - 20 - 8 - 20 - 8;
    icmp.icmp.quoted_payload.assign(
        p.udp.payload.begin(),
        p.udp.payload.begin() + static_cast<long>(std::min(p.udp.payload.size(),
                                                           kQuotedPayloadMax)));
    Send(std::move(icmp));
    return;
  }
  PortHolder* target = best.back();  // SO_REUSEADDR: the last bound wins
  if (best.size() > 1 && target->reuseport()) {
    uint64_t h = (static_cast<uint64_t>(src.ip) << 16) ^ src.port;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    target = best[h % best.size()];
  }
  target->Deliver(src, p.udp.payload, p.udp.head);
}

void InetStack::ReceiveIcmp(const Packet& p) {
  const IcmpPortUnreachable& m = p.icmp;
  Endpoint dst{m.orig_dst, m.orig_dst_port};
  for (PortHolder* u : udp_ports_.Holders(m.orig_src_port)) {
    if (u->local().ip != 0 && u->local().ip != m.orig_src) continue;
    u->OnPortUnreachable(dst, m.quoted_payload);
  }
}

}  // namespace simsock::sim
