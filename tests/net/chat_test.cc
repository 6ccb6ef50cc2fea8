// The chat example (examples/chat: gopl.io/ch8/chat with an idle timer and
// a context) on both backends: a conversation of two clients, a silent
// client disconnected by its idle timer, and a server stopped by its
// context with a client still connected. Clients start one after the
// other (each waits for the previous one's greeting) and speak 200 ms
// apart, so the real kernel's order of events is the one the test expects.
#include "examples/chat/chat.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "simsock/net/context.h"
#include "tests/net/net_test_util.h"

namespace simsock::net::testing {
namespace {

using ChatTest = NetTest;

// The address in a "You are ADDR" greeting.
std::string Who(const std::vector<std::string>& log) {
  const std::string prefix = "You are ";
  if (log.empty() || log[0].rfind(prefix, 0) != 0) return "?";
  return log[0].substr(prefix.size());
}

// Starts the chat server in a task; returns its address once it listens.
// `server` is Done when RunServer has returned (and set *returned).
Addr StartServer(Runtime& rt, const context::Context& ctx,
                 chat::ServerOptions so, std::vector<std::string>* log,
                 bool* returned, WaitGroup server) {
  Chan<Addr> listening(rt, 1);
  so.log = [log](const std::string& l) { log->push_back(l); };
  so.on_listen = [listening](const Addr& a) mutable { listening.Send(a); };
  server.Add(1);
  rt.Go([&rt, ctx, so, returned, server]() mutable {
    auto r = chat::RunServer(rt, ctx, so);
    EXPECT_TRUE(r.ok()) << r.error();
    *returned = true;
    server.Done();
  });
  auto [addr, ok] = listening.Recv();
  EXPECT_TRUE(ok);
  return addr;
}

// Starts a client in a task that logs every line it receives and signals
// `finished` when RunClient returns; waits for its greeting.
void StartClient(Runtime& rt, chat::ClientOptions co,
                 std::vector<std::string>* log, WaitGroup finished) {
  Chan<bool> greeted(rt, 1);
  co.on_line = [log, greeted](const std::string& l) mutable {
    log->push_back(l);
    if (log->size() == 1) greeted.Send(true);
  };
  finished.Add(1);
  rt.Go([&rt, co, finished]() mutable {
    auto r = chat::RunClient(rt, co);
    EXPECT_TRUE(r.ok()) << r.error();
    finished.Done();
  });
  EXPECT_TRUE(greeted.Recv().ok);
}

TEST_P(ChatTest, TwoClientsTalkAndLeave) {
  std::vector<std::string> server_log, a, b;
  bool server_returned = false;
  EXPECT_TRUE(RunBody([&] {
    auto [ctx, stop] = context::WithCancel(context::Background(rt()));
    chat::ServerOptions so;
    so.addr = LoopbackAddr();
    WaitGroup server(rt());
    Addr addr =
        StartServer(rt(), ctx, so, &server_log, &server_returned, server);
    WaitGroup clients(rt());
    chat::ClientOptions ca;
    ca.addr = addr.String();
    ca.lines = {"hi from a", "bye"};  // at 200 and 400 ms from its start
    ca.interval = 200 * kMillisecond;
    StartClient(rt(), ca, &a, clients);
    chat::ClientOptions cb = ca;
    cb.lines = {"hi from b"};  // at 300 ms (b starts just after a)
    cb.interval = 300 * kMillisecond;
    StartClient(rt(), cb, &b, clients);
    clients.Wait();
    stop();
    server.Wait();  // every task of the server has ended
  }));
  EXPECT_TRUE(server_returned);
  EXPECT_TRUE(server_log.empty());
  const std::string wa = Who(a), wb = Who(b);
  EXPECT_NE(wa, wb);
  EXPECT_EQ(a, (std::vector<std::string>{"You are " + wa, wb + " has arrived",
                                         wa + ": hi from a", wb + ": hi from b",
                                         wb + " has left", wa + ": bye"}));
  // b arrived after a's greeting and half-closed after its only line: the
  // server ended its session after echoing that line to everyone.
  EXPECT_EQ(b, (std::vector<std::string>{"You are " + wb, wa + ": hi from a",
                                         wb + ": hi from b"}));
}

TEST_P(ChatTest, SilentClientIsDisconnectedByTheIdleTimer) {
  std::vector<std::string> server_log, a, b;
  bool server_returned = false;
  EXPECT_TRUE(RunBody([&] {
    auto [ctx, stop] = context::WithCancel(context::Background(rt()));
    chat::ServerOptions so;
    so.addr = LoopbackAddr();
    so.idle_timeout = 500 * kMillisecond;
    WaitGroup server(rt());
    Addr addr =
        StartServer(rt(), ctx, so, &server_log, &server_returned, server);
    WaitGroup clients(rt());
    chat::ClientOptions silent;  // its only line comes after the timeout
    silent.addr = addr.String();
    silent.lines = {"too late"};
    silent.interval = 1500 * kMillisecond;
    StartClient(rt(), silent, &a, clients);
    chat::ClientOptions talker = silent;  // speaks every 200 ms: not idle
    talker.lines = {"1", "2", "3", "4", "5", "6"};
    talker.interval = 200 * kMillisecond;
    StartClient(rt(), talker, &b, clients);
    clients.Wait();
    stop();
    server.Wait();  // every task of the server has ended
  }));
  EXPECT_TRUE(server_returned);
  const std::string wa = Who(a), wb = Who(b);
  // a hears b's first two lines (200, 400 ms), then its timer fires (500
  // ms): the notice, and the server closes; "too late" (1.5 s) goes
  // nowhere.
  EXPECT_EQ(a, (std::vector<std::string>{"You are " + wa, wb + " has arrived",
                                         wb + ": 1", wb + ": 2",
                                         std::string(chat::kIdleNotice)}));
  ASSERT_EQ(b.size(), 1u + 6u + 1u) << ::testing::PrintToString(b);
  EXPECT_EQ(b[3], wa + " has left");  // between b's lines 2 and 3 (600 ms)
  EXPECT_EQ(b.back(), wb + ": 6");
}

TEST_P(ChatTest, ServerStopsWhenItsContextEnds) {
  std::vector<std::string> server_log, a;
  bool server_returned = false;
  EXPECT_TRUE(RunBody([&] {
    // The server runs 500 ms; its client would speak only at 1 s.
    auto [ctx, stop] =
        context::WithTimeout(context::Background(rt()), 500 * kMillisecond);
    chat::ServerOptions so;
    so.addr = LoopbackAddr();
    WaitGroup server(rt());
    Addr addr =
        StartServer(rt(), ctx, so, &server_log, &server_returned, server);
    WaitGroup clients(rt());
    chat::ClientOptions co;
    co.addr = addr.String();
    co.lines = {"anyone?"};
    co.interval = kSecond;
    StartClient(rt(), co, &a, clients);
    clients.Wait();
    server.Wait();
    EXPECT_EQ(ctx.Err(), context::DeadlineExceeded);
    stop();
  }));
  EXPECT_TRUE(server_returned);
  // The server closed the connection at its stop: the client read its
  // greeting, then the end of the stream.
  EXPECT_EQ(a, (std::vector<std::string>{"You are " + Who(a)}));
}

TEST_P(ChatTest, ClientDialErrorIsReturned) {
  std::optional<Error> err;
  EXPECT_TRUE(RunBody([&] {
    TCPListener l = MustListen();
    std::string addr = l.Addr().String();
    ASSERT_TRUE(l.Close().ok());  // nothing listens there now
    chat::ClientOptions co;
    co.addr = addr;
    co.lines = {"hello"};
    auto r = chat::RunClient(rt(), co);
    ASSERT_FALSE(r.ok());
    err = r.error();
  }));
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->Errno(), ECONNREFUSED) << *err;
}

INSTANTIATE_TEST_SUITE_P(Backends, ChatTest, ::testing::ValuesIn(AllBackends()),
                         BackendName);

}  // namespace
}  // namespace simsock::net::testing
