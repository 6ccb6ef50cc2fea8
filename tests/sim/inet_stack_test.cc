// The network stack without a World: an InetStack over a fake StackEnv
// that keeps its own clock and agenda and hands every packet the stack
// transmits back to it (a loopback wire the test pumps). What the stack
// needs from its host is exactly StackEnv; these tests show it is enough
// for a whole TCP connection, its TIME_WAIT, and UDP's answers.
#include "simsock/sim/inet/inet_stack.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "simsock/sim/base/random.h"
#include "simsock/sim/inet/tcp_socket.h"
#include "simsock/sim/inet/udp_socket.h"

namespace simsock::sim {
namespace {

constexpr uint32_t kHostIp = 0x0A000001;  // 10.0.0.1

class LoopbackEnv : public StackEnv {
 public:
  Time Now() const override { return now_; }
  EventId Schedule(Time at, InlineCallback fn) override {
    return agenda_.Schedule(at, std::move(fn));
  }
  void Cancel(EventId id) override { agenda_.Cancel(id); }
  EventId Reschedule(EventId id, Time at) override {
    return agenda_.Reschedule(id, at);
  }
  void Defer(InlineCallback fn) override { deferred_.push_back(std::move(fn)); }
  RandomStream& Rng(std::string_view purpose) override {
    auto it = rngs_.find(std::string(purpose));
    if (it == rngs_.end())
      it = rngs_.emplace(std::string(purpose), RandomStream(7, purpose)).first;
    return it->second;
  }
  void Trace(const std::string& what) override { trace_.push_back(what); }
  void Transmit(Packet packet) override { wire_.push_back(std::move(packet)); }

  void set_stack(InetStack* stack) { stack_ = stack; }
  // Delivers what is on the wire and runs deferred work until both are
  // empty; returns how many packets were delivered.
  int Pump() {
    int n = 0;
    while (!wire_.empty() || !deferred_.empty()) {
      if (!wire_.empty()) {
        Packet p = std::move(wire_.front());
        wire_.pop_front();
        stack_->Receive(p);
        ++n;
      } else {
        auto fn = std::move(deferred_.front());
        deferred_.pop_front();
        fn();
      }
    }
    return n;
  }
  // Runs the agenda until `until`, pumping after each event.
  void RunUntil(Time until) {
    while (agenda_.NextTime() <= until) {
      auto [id, fn] = agenda_.Pop();
      now_ = id.at;
      fn();
      Pump();
    }
    now_ = until;
  }

  std::deque<Packet>& wire() { return wire_; }
  const std::vector<std::string>& trace() const { return trace_; }

 private:
  Time now_{0};
  EventQueue agenda_;
  std::deque<InlineCallback> deferred_;
  std::map<std::string, RandomStream> rngs_;
  std::vector<std::string> trace_;
  std::deque<Packet> wire_;
  InetStack* stack_ = nullptr;
};

sockaddr_storage Addr(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  sockaddr_storage ss{};
  std::memcpy(&ss, &a, sizeof a);
  return ss;
}

class InetStackTest : public ::testing::Test {
 protected:
  InetStackTest() { env_.set_stack(&stack_); }

  LoopbackEnv env_;
  InetStack stack_{env_, kHostIp, 7};
};

TEST_F(InetStackTest, SynToAClosedPortIsAnsweredWithRst) {
  Packet syn;
  syn.src = 0x7F000001;
  syn.dst = 0x7F000001;
  syn.proto = IpProto::kTcp;
  syn.tcp.src_port = 40000;
  syn.tcp.dst_port = 80;
  syn.tcp.flags = tcp::kSyn;
  syn.tcp.seq = tcp::SeqNum(1000);
  stack_.Receive(syn);
  ASSERT_EQ(env_.wire().size(), 1u);
  const Packet& rst = env_.wire().front();
  EXPECT_EQ(rst.proto, IpProto::kTcp);
  EXPECT_TRUE(rst.tcp.Has(tcp::kRst));
  EXPECT_EQ(rst.tcp.dst_port, 40000);
  EXPECT_EQ(rst.tcp.ack, tcp::SeqNum(1001));
}

TEST_F(InetStackTest, DatagramToAnUnboundPortGetsPortUnreachable) {
  Packet d;
  d.src = kHostIp;
  d.dst = kHostIp;
  d.proto = IpProto::kUdp;
  d.udp.src_port = 5000;
  d.udp.dst_port = 6000;
  d.udp.payload = {1, 2, 3};
  stack_.Receive(d);
  ASSERT_EQ(env_.wire().size(), 1u);
  EXPECT_EQ(env_.wire().front().proto, IpProto::kIcmp);
  EXPECT_EQ(env_.wire().front().icmp.orig_dst_port, 6000);
  env_.wire().clear();
  d.dst = 0xFFFFFFFFu;  // a broadcast is never answered
  stack_.Receive(d);
  EXPECT_TRUE(env_.wire().empty());
}

TEST_F(InetStackTest, UdpSocketReceivesWhatTheStackDemultiplexes) {
  auto rx = std::make_shared<UdpSocket>(stack_);
  auto tx = std::make_shared<UdpSocket>(stack_);
  sockaddr_storage to = Addr("127.0.0.1", 5000);
  ASSERT_EQ(rx->Bind(to, sizeof(sockaddr_in)), 0);
  const uint8_t msg[] = {'h', 'i'};
  ASSERT_EQ(
      tx->Send(IoSpan(msg, sizeof msg), 0, &to, sizeof(sockaddr_in), nullptr),
      2);
  EXPECT_EQ(env_.Pump(), 1);
  uint8_t buf[8];
  Endpoint from;
  bool has_from = false;
  EXPECT_EQ(rx->Recv(buf, sizeof buf, 0, false, 0, &from, &has_from), 2);
  EXPECT_TRUE(has_from);
  // tx autobound to the wildcard; the datagram left from 127.0.0.1.
  EXPECT_EQ(from, (Endpoint{0x7F000001, tx->local().port}));
  rx->OnLastClose();
  tx->OnLastClose();
}

TEST_F(InetStackTest, ConnectionListenerAndTimeWaitWithoutAWorld) {
  auto listener = std::make_shared<TcpSocket>(stack_);
  sockaddr_storage server = Addr("127.0.0.1", 8080);
  ASSERT_EQ(listener->Bind(server, sizeof(sockaddr_in)), 0);
  ASSERT_EQ(listener->Listen(1), 0);
  ASSERT_NE(listener->listener(), nullptr);

  auto client = std::make_shared<TcpSocket>(stack_);
  EXPECT_EQ(client->Connect(server, sizeof(sockaddr_in)), -EINPROGRESS);
  env_.Pump();  // SYN, SYN-ACK, ACK
  EXPECT_EQ(client->ConnState(), tcp::TcpState::kEstablished);
  std::shared_ptr<Socket> accepted;
  ASSERT_EQ(listener->Accept(&accepted), 0);
  EXPECT_EQ(stack_.connection_count(), 2u);

  // The client closes first: its side ends in TIME_WAIT, held by a
  // TcpTimeWait in the table while the client's socket is CLOSE.
  client->OnLastClose();
  env_.Pump();
  accepted->OnLastClose();
  env_.Pump();
  client.reset();
  accepted.reset();
  env_.Pump();
  ASSERT_EQ(stack_.connection_count(), 1u);
  listener->OnLastClose();
  env_.Pump();
  EXPECT_EQ(stack_.tcp_ports().size(), 1u);  // the TIME_WAIT's port

  env_.RunUntil(env_.Now() + stack_.settings().tcp_time_wait +
                std::chrono::seconds(1));
  EXPECT_EQ(stack_.connection_count(), 0u);
  EXPECT_EQ(stack_.tcp_ports().size(), 0u);
}

// The index of local ports by destination (PortsInUse, which speeds up
// connect()'s port choice) holds active opens only: two connections from
// one client port to two listening ports make the client's address and
// port a destination of two passive opens, and it stays out of the index.
// Their 4-tuples are still refused to a connect() towards that client
// port, by the per-candidate look-up in the table.
TEST_F(InetStackTest, PassiveOpensStayOutOfThePortIndexYetKeepTheirTuples) {
  std::vector<std::shared_ptr<TcpSocket>> keep;
  for (uint16_t port : {8080, 8081}) {
    auto l = std::make_shared<TcpSocket>(stack_);
    sockaddr_storage a = Addr("127.0.0.1", port);
    ASSERT_EQ(l->Bind(a, sizeof(sockaddr_in)), 0);
    ASSERT_EQ(l->Listen(4), 0);
    keep.push_back(l);
  }
  constexpr uint16_t kClientPort = 40000;
  int one = 1;
  for (uint16_t port : {8080, 8081}) {
    auto c = std::make_shared<TcpSocket>(stack_);
    ASSERT_EQ(c->SetSockOpt(SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), 0);
    sockaddr_storage local = Addr("127.0.0.1", kClientPort);
    ASSERT_EQ(c->Bind(local, sizeof(sockaddr_in)), 0);
    sockaddr_storage server = Addr("127.0.0.1", port);
    EXPECT_EQ(c->Connect(server, sizeof(sockaddr_in)), -EINPROGRESS);
    env_.Pump();
    ASSERT_EQ(c->ConnState(), tcp::TcpState::kEstablished);
    keep.push_back(c);
  }
  for (size_t i = 0; i < 2; ++i) {
    std::shared_ptr<Socket> child;
    ASSERT_EQ(keep[i]->Accept(&child), 0);
    keep.push_back(std::static_pointer_cast<TcpSocket>(child));
  }
  EXPECT_EQ(stack_.connection_count(), 4u);
  // Two passive opens towards 127.0.0.1:40000 (local ports 8080, 8081):
  // not indexed, where the second would have made a bitmap.
  EXPECT_EQ(stack_.PortsInUse(0x7F000001, 0x7F000001, kClientPort), nullptr);

  // With only 8080 and 8081 to choose from, a connect() to the client's
  // port finds both tuples taken.
  keep[0]->OnLastClose();
  keep[1]->OnLastClose();
  env_.Pump();
  stack_.settings().port_range_lo = 8080;
  stack_.settings().port_range_hi = 8081;
  auto probe = std::make_shared<TcpSocket>(stack_);
  sockaddr_storage client = Addr("127.0.0.1", kClientPort);
  EXPECT_EQ(probe->Connect(client, sizeof(sockaddr_in)), -EADDRNOTAVAIL);

  // Active opens are indexed: three connections from this host to the
  // listener on 8082 make a bitmap of their three ports.
  stack_.settings().port_range_lo = 32768;
  stack_.settings().port_range_hi = 60999;
  auto l = std::make_shared<TcpSocket>(stack_);
  sockaddr_storage at = Addr("127.0.0.1", 8082);
  ASSERT_EQ(l->Bind(at, sizeof(sockaddr_in)), 0);
  ASSERT_EQ(l->Listen(4), 0);
  std::vector<uint16_t> ports;
  for (int i = 0; i < 3; ++i) {
    auto c = std::make_shared<TcpSocket>(stack_);
    EXPECT_EQ(c->Connect(at, sizeof(sockaddr_in)), -EINPROGRESS);
    env_.Pump();
    ports.push_back(c->LocalEndpoint().port);
    keep.push_back(c);
  }
  const PortBitmap* in_use = stack_.PortsInUse(0x7F000001, 0x7F000001, 8082);
  ASSERT_NE(in_use, nullptr);
  for (uint16_t p : ports) EXPECT_TRUE(in_use->Test(p)) << p;
  for (auto& s : keep) s->OnLastClose();
  l->OnLastClose();
  env_.Pump();
}

}  // namespace
}  // namespace simsock::sim
