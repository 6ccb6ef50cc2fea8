#include "simsock/sim/kernel/host.h"

#include "simsock/sim/base/check.h"
#include "simsock/sim/inet/tcp_socket.h"
#include "simsock/sim/inet/udp_socket.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::sim {

Host::Host(World& world, std::string name, uint32_t ip, int id)
    : world_(world), name_(std::move(name)), ip_(ip), id_(id) {}

Host::~Host() {
  // Processes close their fds first; then the connection table lets go of
  // orphans. Sockets unregister from the port tables as they die.
  processes_.clear();
  auto conns = std::move(tcp_conns_);
  tcp_conns_.clear();
  conns.clear();
  while (!graveyard_.empty()) {
    auto dead = std::move(graveyard_);
    graveyard_.clear();
  }
}

Process& Host::SpawnProcess() {
  processes_.push_back(std::make_unique<Process>(*this, next_pid_++));
  return *processes_.back();
}

uint32_t Host::SourceAddressFor(uint32_t dst) const {
  if (IsLoopback(dst)) return 0x7F000001;  // 127.0.0.1
  return ip_;
}

uint16_t Host::MssFor(uint32_t dst) const {
  int mtu = IsLocalAddress(dst) ? settings_.loopback_mtu : settings_.mtu;
  return static_cast<uint16_t>(std::min(65535, mtu) - 40);
}

uint32_t Host::NewIss() {
  return static_cast<uint32_t>(world_.Rng("tcp.isn").Next());
}

void Host::TraceLine(const std::string& what) {
  Trace& t = world_.trace();
  if (t.Enabled()) t.Write(world_.Now(), name_, what);
}

void Host::AddConnection(const ConnKey& key, std::shared_ptr<TcpSocket> sock) {
  auto [it, inserted] = tcp_conns_.emplace(key, std::move(sock));
  SIM_CHECK(inserted);
}

void Host::RemoveConnection(const ConnKey& key, const TcpSocket* sock) {
  auto it = tcp_conns_.find(key);
  SIM_CHECK(it != tcp_conns_.end() && it->second.get() == sock);
  // The caller is often the socket itself: keep it alive until the step is
  // over, in the host's graveyard (never in the world's queues, which may
  // outlive the host during teardown).
  graveyard_.push_back(std::move(it->second));
  tcp_conns_.erase(it);
  if (graveyard_.size() == 1) world_.Defer([this]() { graveyard_.clear(); });
}

TcpSocket* Host::FindConnection(const ConnKey& key) const {
  auto it = tcp_conns_.find(key);
  return it == tcp_conns_.end() ? nullptr : it->second.get();
}

TcpSocket* Host::FindListener(uint32_t ip, uint16_t port,
                              const ConnKey& tuple) const {
  const std::vector<Socket*>* holders = tcp_ports_.Holders(port);
  if (holders == nullptr) return nullptr;
  // __inet_lookup_listener: an exact address beats the wildcard; within
  // the best, a SO_REUSEPORT group is chosen by a hash of the 4-tuple.
  std::vector<TcpSocket*> best;
  int best_score = -1;
  for (Socket* s : *holders) {
    if (!s->IsListening()) continue;
    uint32_t lip = s->local().ip;
    if (lip != 0 && lip != ip) continue;
    int score = lip != 0 ? 2 : 1;
    if (score > best_score) {
      best.clear();
      best_score = score;
    }
    if (score == best_score) best.push_back(static_cast<TcpSocket*>(s));
  }
  if (best.empty()) return nullptr;
  if (best.size() == 1) return best[0];
  uint64_t h = (static_cast<uint64_t>(tuple.remote_ip) << 16) ^
               tuple.remote_port ^ (static_cast<uint64_t>(world_.seed()) << 7);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return best[h % best.size()];
}

void Host::Send(Packet packet) {
  if (down_) return;  // a dead machine sends nothing
  world_.network().Send(*this, std::move(packet));
}

void Host::Crash() {
  if (down_) return;
  TraceLine("fault: crash");
  down_ = true;  // from here on nothing leaves or reaches the host
  for (auto& p : processes_) {
    world_.scheduler().KillProcess(*p);
    p->Kill();
  }
  auto conns = std::move(tcp_conns_);
  tcp_conns_.clear();
  conns.clear();
  while (!graveyard_.empty()) {
    auto dead = std::move(graveyard_);
    graveyard_.clear();
  }
}

void Host::Restart() {
  if (!down_) return;
  down_ = false;
  TraceLine("fault: restart");
}

void Host::Receive(const Packet& p) {
  if (down_) return;
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

void Host::ReceiveTcp(const Packet& p) {
  const tcp::Segment& seg = p.tcp;
  ConnKey key{p.dst, seg.dst_port, p.src, seg.src_port};
  if (TcpSocket* conn = FindConnection(key)) {
    if (!conn->AcceptsNewSyn(seg)) {
      auto keep = std::static_pointer_cast<TcpSocket>(conn->shared_from_this());
      conn->OnSegment(p);
      return;
    }
    // A new SYN ends the TIME_WAIT and goes to the listener.
    conn->KillTimeWait();
  }
  if (TcpSocket* listener = FindListener(p.dst, seg.dst_port, key)) {
    auto keep =
        std::static_pointer_cast<TcpSocket>(listener->shared_from_this());
    listener->OnListenSegment(p);
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

void Host::ReceiveUdp(const Packet& p) {
  Endpoint src{p.src, p.udp.src_port};
  Endpoint dst{p.dst, p.udp.dst_port};
  const std::vector<Socket*>* holders = udp_ports_.Holders(dst.port);
  std::vector<UdpSocket*> best;
  int best_score = -1;
  if (holders != nullptr) {
    for (Socket* s : *holders) {
      auto* u = static_cast<UdpSocket*>(s);
      int score = u->MatchScore(src, dst);
      if (score < 0) continue;
      if (score > best_score) {
        best.clear();
        best_score = score;
      }
      if (score == best_score) best.push_back(u);
    }
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
  UdpSocket* target = best.back();  // SO_REUSEADDR: the last bound wins
  if (best.size() > 1 && target->options().reuseport) {
    uint64_t h = (static_cast<uint64_t>(src.ip) << 16) ^ src.port;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    target = best[h % best.size()];
  }
  target->Deliver(src, p.udp.payload, p.udp.head);
}

void Host::ReceiveIcmp(const Packet& p) {
  const IcmpPortUnreachable& m = p.icmp;
  const std::vector<Socket*>* holders = udp_ports_.Holders(m.orig_src_port);
  if (holders == nullptr) return;
  Endpoint dst{m.orig_dst, m.orig_dst_port};
  for (Socket* s : *holders) {
    auto* u = static_cast<UdpSocket*>(s);
    if (u->local().ip != 0 && u->local().ip != m.orig_src) continue;
    u->OnPortUnreachable(dst, m.quoted_payload);
  }
}

}  // namespace simsock::sim
