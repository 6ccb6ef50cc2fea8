// The seed's echo server and client (examples/echo) on a backend: a few
// quick exchanges, then the seed's story in miniature: the server's read
// deadline fires between two of the client's exchanges, the server closes,
// and the client's next exchange fails.
#include "examples/echo/echo.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/net/net_test_util.h"

namespace simsock::net::testing {
namespace {

using EchoTest = NetTest;

TEST_P(EchoTest, ClientExchangesWithServer) {
  std::vector<std::string> server_log;
  std::vector<std::string> client_log;
  EXPECT_TRUE(RunBody([&] {
    Chan<Addr> listening(rt(), 1);
    echo::ServerOptions so;
    so.addr = LoopbackAddr();
    so.log = [&](const std::string& l) { server_log.push_back(l); };
    so.on_listen = [listening](const Addr& a) mutable { listening.Send(a); };
    rt().Go([&, so] { (void)echo::RunServer(rt(), so); });
    auto [addr, ok] = listening.Recv();
    ASSERT_TRUE(ok);
    echo::ClientOptions co;
    co.addr = addr.String();
    co.count = 3;
    co.interval = 10 * kMillisecond;
    co.log = [&](const std::string& l) { client_log.push_back(l); };
    auto r = echo::RunClient(rt(), co);
    EXPECT_TRUE(r.ok()) << r.error();
    rt().Sleep(20 * kMillisecond);  // let the server see the EOF
  }));
  EXPECT_EQ(client_log,
            (std::vector<std::string>{"hello, client", "hello, client",
                                      "hello, client"}));
  ASSERT_EQ(server_log.size(), 5u);
  EXPECT_EQ(server_log[0], "hello, server");
  EXPECT_EQ(server_log[3], "Error:  EOF");
  EXPECT_EQ(server_log[4], "EOF");  // printed by handleResult
}

TEST_P(EchoTest, ServerReadDeadlineEndsTheConversation) {
  std::vector<std::string> server_log;
  std::vector<std::string> client_log;
  std::optional<Error> client_error;
  EXPECT_TRUE(RunBody([&] {
    Chan<Addr> listening(rt(), 1);
    echo::ServerOptions so;
    so.addr = LoopbackAddr();
    so.read_deadline = 200 * kMillisecond;  // the seed's 2 minutes, scaled
    so.log = [&](const std::string& l) { server_log.push_back(l); };
    so.on_listen = [listening](const Addr& a) mutable { listening.Send(a); };
    rt().Go([&, so] { (void)echo::RunServer(rt(), so); });
    auto [addr, ok] = listening.Recv();
    ASSERT_TRUE(ok);
    echo::ClientOptions co;
    co.addr = addr.String();
    co.interval = 60 * kMillisecond;  // the seed's 30 s, scaled
    co.log = [&](const std::string& l) { client_log.push_back(l); };
    auto r = echo::RunClient(rt(), co);
    ASSERT_FALSE(r.ok());
    client_error = r.error();
  }));
  // Exchanges at 0, 60, 120, 180 ms; the deadline fires at 200 ms.
  ASSERT_GE(client_log.size(), 4u);
  EXPECT_EQ(client_log[0], "hello, client");
  ASSERT_TRUE(client_error.has_value());
  EXPECT_TRUE(client_error->IsEOF() || client_error->Errno() == ECONNRESET ||
              client_error->Errno() == EPIPE)
      << *client_error;
  ASSERT_GE(server_log.size(), 2u);
  const std::string& err = server_log[server_log.size() - 2];
  EXPECT_EQ(err.rfind("Error:  read tcp4 ", 0), 0u) << err;
  EXPECT_NE(err.find(": i/o timeout"), std::string::npos) << err;
}

INSTANTIATE_TEST_SUITE_P(Backends, EchoTest, ::testing::ValuesIn(AllBackends()),
                         BackendName);

}  // namespace
}  // namespace simsock::net::testing
