// UDP on the net layer: ListenUDP, DialUDP, ReadFrom/WriteTo, Read/Write,
// deadlines, Close unblocking a reader, error texts. Backend-parameterized.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

#include "tests/net/net_test_util.h"

namespace simsock::net::testing {
namespace {

using UdpTest = NetTest;

TEST_P(UdpTest, DatagramsBothWays) {
  EXPECT_TRUE(RunBody([&] {
    auto server = ListenUDP(rt(), "udp4", UDPAddr{ParseIP(Loopback()), 0, ""});
    ASSERT_TRUE(server.ok()) << server.error();
    const UDPAddr saddr = server->LocalAddr().AsUDPAddr();
    EXPECT_NE(saddr.port, 0);
    EXPECT_EQ(server->LocalAddr().Network(), "udp");
    EXPECT_TRUE(server->RemoteAddr().IsNil());
    auto client = DialUDP(rt(), "udp4", nullptr, saddr);
    ASSERT_TRUE(client.ok()) << client.error();
    EXPECT_EQ(client->RemoteAddr(), Addr(saddr));

    ASSERT_TRUE(client->Write("ping").ok());
    char buf[64];
    auto from = server->ReadFrom(buf, sizeof(buf));
    ASSERT_TRUE(from.ok()) << from.error();
    EXPECT_EQ(std::string(buf, from->n), "ping");
    EXPECT_EQ(Addr(from->addr), client->LocalAddr());

    auto w = server->WriteTo("pong", from->addr);
    ASSERT_TRUE(w.ok()) << w.error();
    EXPECT_EQ(*w, 4u);
    auto n = client->Read(buf, sizeof(buf));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(std::string(buf, *n), "pong");

    // A datagram is read whole or truncated, never merged; an empty one is
    // a 0-byte read, not EOF.
    ASSERT_TRUE(client->Write("abcdef").ok());
    ASSERT_TRUE(client->Write("").ok());
    from = server->ReadFrom(buf, 3);
    ASSERT_TRUE(from.ok());
    EXPECT_EQ(std::string(buf, from->n), "abc");
    from = server->ReadFrom(buf, sizeof(buf));
    ASSERT_TRUE(from.ok());
    EXPECT_EQ(from->n, 0u);
  }));
}

TEST_P(UdpTest, ListenPacketAndDialByName) {
  EXPECT_TRUE(RunBody([&] {
    auto server = ListenPacket(rt(), "udp4", LoopbackAddr());
    ASSERT_TRUE(server.ok()) << server.error();
    auto c = Dial(rt(), "udp", server->LocalAddr().String());
    ASSERT_TRUE(c.ok()) << c.error();
    UDPConn client(*c);
    ASSERT_TRUE(client.Write("hi").ok());
    char buf[8];
    auto from = server->ReadFrom(buf, sizeof(buf));
    ASSERT_TRUE(from.ok());
    EXPECT_EQ(std::string(buf, from->n), "hi");
  }));
}

TEST_P(UdpTest, ReadDeadlineAndErrorTexts) {
  EXPECT_TRUE(RunBody([&] {
    auto server = ListenUDP(rt(), "udp4", UDPAddr{ParseIP(Loopback()), 0, ""});
    ASSERT_TRUE(server.ok());
    const std::string local = server->LocalAddr().String();
    Time start = rt().Now();
    ASSERT_TRUE(server->SetReadDeadline(start.Add(50 * kMillisecond)).ok());
    char buf[8];
    auto from = server->ReadFrom(buf, sizeof(buf));
    ASSERT_FALSE(from.ok());
    EXPECT_TRUE(from.error().Timeout());
    EXPECT_EQ(from.error().ToString(), "read udp4 " + local + ": i/o timeout");
    EXPECT_GE(MillisSince(rt(), start), 50);

    auto client =
        DialUDP(rt(), "udp4", nullptr, server->LocalAddr().AsUDPAddr());
    ASSERT_TRUE(client.ok());
    auto w = client->WriteTo("x", server->LocalAddr().AsUDPAddr());
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().ToString(),
              "write udp4 " + client->LocalAddr().String() + "->" + local +
                  ": use of WriteTo with pre-connected connection");
    auto bad = ListenUDP(rt(), "udp4", server->LocalAddr().AsUDPAddr());
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().ToString(),
              "listen udp4 " + local + ": bind: address already in use");
  }));
}

TEST_P(UdpTest, CloseUnblocksReadFrom) {
  EXPECT_TRUE(RunBody([&] {
    auto server = ListenUDP(rt(), "udp4", UDPAddr{ParseIP(Loopback()), 0, ""});
    ASSERT_TRUE(server.ok());
    std::optional<Error> err;
    WaitGroup wg(rt());
    wg.Add(1);
    rt().Go([&, s = *server, wg]() mutable {
      char buf[8];
      auto r = s.ReadFrom(buf, sizeof(buf));
      if (!r.ok()) err = r.error();
      wg.Done();
    });
    rt().Sleep(20 * kMillisecond);
    ASSERT_TRUE(server->Close().ok());
    wg.Wait();
    ASSERT_TRUE(err.has_value());
    EXPECT_TRUE(err->IsClosed());
    EXPECT_EQ(err->ToString(), "read udp4 " + server->LocalAddr().String() +
                                   ": use of closed network connection");
  }));
}

INSTANTIATE_TEST_SUITE_P(Backends, UdpTest, ::testing::ValuesIn(AllBackends()),
                         BackendName);

}  // namespace
}  // namespace simsock::net::testing
