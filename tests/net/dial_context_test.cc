// DialContext and ending blocked calls with a context (Go's net/dial.go,
// mapErr in net/net.go): a dial to a blackholed address ended by its
// context, by the context's deadline, by a context already done; a Read
// and an Accept ended through context::AfterFunc. Both backends.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>
#include <string>
#include <vector>

#include "simsock/net/context.h"
#include "simsock/sim/kernel/network.h"
#include "simsock/sim/kernel/world.h"
#include "tests/net/net_test_util.h"

namespace simsock::net::testing {
namespace {

class DialContextTest : public NetTest {
 protected:
  // An address whose SYNs go unanswered (a blackhole): a listener with
  // backlog 0, its queue filled with connections until a dial stalls.
  // Returns the address; the filling conns are kept in filled_.
  std::string Blackhole() {
    lfd_ = sys().socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(lfd_, 0);
    sockaddr_in la = ToSockaddr(ParseIP(Loopback()), 0);
    EXPECT_EQ(sys().bind(lfd_, reinterpret_cast<sockaddr*>(&la), sizeof(la)),
              0);
    EXPECT_EQ(sys().listen(lfd_, 0), 0);
    socklen_t len = sizeof(la);
    EXPECT_EQ(sys().getsockname(lfd_, reinterpret_cast<sockaddr*>(&la), &len),
              0);
    const std::string addr = LoopbackAddr(PortFromSockaddr(la));
    for (int i = 0; i < 8; ++i) {
      auto c = DialTimeout(rt(), "tcp4", addr, 200 * kMillisecond);
      if (!c.ok()) break;  // the queue is full: SYNs are dropped now
      filled_.push_back(*c);
    }
    return addr;
  }
  void TearDown() override {
    for (Conn& c : filled_) (void)c.Close();
    if (lfd_ >= 0) sys().close(lfd_);
    NetTest::TearDown();
  }

  std::vector<Conn> filled_;
  int lfd_ = -1;
};

TEST_P(DialContextTest, CancelDuringConnectIsOperationWasCanceled) {
  EXPECT_TRUE(RunBody(
      [&] {
        const std::string addr = Blackhole();
        auto [ctx, cancel] = context::WithCancel(context::Background(rt()));
        rt().Go([this, cancel = cancel] {
          rt().Sleep(100 * kMillisecond);
          cancel();
        });
        Time start = rt().Now();
        auto c = DialContext(ctx, "tcp4", addr);
        ASSERT_FALSE(c.ok());
        EXPECT_GE(MillisSince(rt(), start), 100);
        EXPECT_LT(MillisSince(rt(), start), 5000);
        EXPECT_EQ(c.error().ToString(),
                  "dial tcp4 " + addr + ": operation was canceled");
        EXPECT_TRUE(c.error().Is(context::Canceled));
        EXPECT_FALSE(c.error().Is(context::DeadlineExceeded));
        EXPECT_FALSE(c.error().Timeout());
        EXPECT_EQ(c.error().Op(), "dial");
      },
      20 * kSecond));
}

TEST_P(DialContextTest, ContextDeadlineDuringConnectIsIoTimeout) {
  EXPECT_TRUE(RunBody(
      [&] {
        const std::string addr = Blackhole();
        // The clock starts before the context's, so that a slow step
        // between the two cannot shorten the measured wait.
        Time start = rt().Now();
        auto [ctx, cancel] =
            context::WithTimeout(context::Background(rt()), 150 * kMillisecond);
        Dialer d;
        d.timeout = 10 * kSecond;  // the earlier (the context's) wins
        auto c = d.DialContext(ctx, "tcp4", addr);
        ASSERT_FALSE(c.ok());
        EXPECT_GE(MillisSince(rt(), start), 150);
        if (GetParam().name == "Sim") {
          EXPECT_EQ(MillisSince(rt(), start), 150);
        }
        EXPECT_EQ(c.error().ToString(), "dial tcp4 " + addr + ": i/o timeout");
        EXPECT_TRUE(c.error().Timeout());
        // Go's errTimeout: errors.Is(err, context.DeadlineExceeded), and not
        // os.ErrDeadlineExceeded.
        EXPECT_TRUE(c.error().Is(context::DeadlineExceeded));
        EXPECT_FALSE(c.error().Is(Error::DeadlineExceeded()));
        cancel();
      },
      20 * kSecond));
}

TEST_P(DialContextTest, DoneContextFailsBeforeResolving) {
  EXPECT_TRUE(RunBody([&] {
    auto [ctx, cancel] = context::WithCancel(context::Background(rt()));
    cancel();
    auto c = DialContext(ctx, "tcp4", "no-such-host.invalid:80");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().ToString(), "dial tcp4: operation was canceled");
    EXPECT_TRUE(c.error().Is(context::Canceled));
  }));
}

TEST_P(DialContextTest, LiveContextDialsAsDial) {
  EXPECT_TRUE(RunBody([&] {
    TCPListener l = MustListen();
    auto [ctx, cancel] =
        context::WithTimeout(context::Background(rt()), 5 * kSecond);
    auto c = DialContext(ctx, "tcp4", l.Addr().String());
    ASSERT_TRUE(c.ok()) << c.error();
    cancel();  // after the dial: the conn is not affected
    auto s = l.Accept();
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(c->Write("hi").ok());
    char buf[4];
    auto n = s->Read(buf);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 2);
    (void)c->Close();
    (void)s->Close();
    (void)l.Close();
  }));
}

// The pattern of docs/net.md: context::AfterFunc sets a deadline long past,
// which wakes the blocked Read (or Accept) with "i/o timeout"; the caller
// reports ctx.Err() instead, as Go's net code does.
TEST_P(DialContextTest, ReadAndAcceptEndedByAContext) {
  EXPECT_TRUE(RunBody([&] {
    Pair p = MustPair();
    // The context's 80 ms run from here: the clock starts first, so that
    // the real backend's time spent setting up the waiters (measured at
    // 5 ms on a loaded CI machine) cannot shorten the measured wait.
    Time start = rt().Now();
    auto [ctx, cancel] =
        context::WithTimeout(context::Background(rt()), 80 * kMillisecond);
    TCPConn server = p.server;
    TCPListener listener = p.listener;
    auto stop_read = context::AfterFunc(ctx, [server]() mutable {
      (void)server.SetReadDeadline(kLongTimeAgo);
    });
    auto stop_accept = context::AfterFunc(ctx, [listener]() mutable {
      (void)listener.SetDeadline(kLongTimeAgo);
    });
    std::optional<Error> accept_err;
    rt().Go([&, listener]() mutable {
      auto a = listener.Accept();
      if (!a.ok()) accept_err = a.error();
    });
    char buf[8];
    auto n = p.server.Read(buf);
    ASSERT_FALSE(n.ok());
    EXPECT_TRUE(n.error().Timeout());
    EXPECT_GE(MillisSince(rt(), start), 80);
    ASSERT_TRUE(ctx.Err().has_value());
    EXPECT_TRUE(ctx.Err()->Is(context::DeadlineExceeded));
    rt().Yield();
    ASSERT_TRUE(accept_err.has_value());
    EXPECT_TRUE(accept_err->Timeout()) << *accept_err;
    EXPECT_FALSE(stop_read());  // it ran
    EXPECT_FALSE(stop_accept());
    cancel();
    (void)p.client.Close();
    (void)p.server.Close();
    (void)p.listener.Close();
  }));
}

INSTANTIATE_TEST_SUITE_P(Backends, DialContextTest,
                         ::testing::ValuesIn(AllBackends()), BackendName);

// In the simulator, a blackhole proper: a host behind a partitioned link
// (every SYN dropped). The context ends the dial at its exact virtual time.
TEST(DialContextSim, BlackholedHostCanceledOrTimedOutByTheContext) {
  ::simsock::testing::SimBackend backend(3);
  sim::Host& far = backend.world().AddHost("far.example", "10.0.0.9");
  sim::LinkFaults cut;
  cut.partitioned = true;
  backend.world().network().SetFaults(backend.host(), far, cut);
  Runtime rt(backend.sys());
  std::vector<std::string> errors;
  std::vector<int64_t> took_ms;
  std::vector<bool> is_canceled;
  std::vector<bool> is_deadline;
  rt.Go([&] {
    context::Context bg = context::Background(rt);
    {
      auto [ctx, cancel] = context::WithCancel(bg);
      rt.Go([&rt, cancel = cancel] {
        rt.Sleep(1500 * kMillisecond);
        cancel();
      });
      Time start = rt.Now();
      auto c = DialContext(ctx, "tcp4", "far.example:80");
      took_ms.push_back(MillisSince(rt, start));
      errors.push_back(c.ok() ? "connected" : c.error().ToString());
      is_canceled.push_back(!c.ok() && c.error().Is(context::Canceled));
      is_deadline.push_back(!c.ok() && c.error().Is(context::DeadlineExceeded));
    }
    {
      auto [ctx, cancel] = context::WithTimeout(bg, 700 * kMillisecond);
      Time start = rt.Now();
      auto c = DialContext(ctx, "tcp4", "10.0.0.9:80");
      took_ms.push_back(MillisSince(rt, start));
      errors.push_back(c.ok() ? "connected" : c.error().ToString());
      is_canceled.push_back(!c.ok() && c.error().Is(context::Canceled));
      is_deadline.push_back(!c.ok() && c.error().Is(context::DeadlineExceeded));
      cancel();
    }
  });
  EXPECT_EQ(::simsock::testing::RunRuntime(backend, rt), RunStatus::kAllDone);
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "dial tcp4 10.0.0.9:80: operation was canceled",
                        "dial tcp4 10.0.0.9:80: i/o timeout"}));
  EXPECT_EQ(took_ms, (std::vector<int64_t>{1500, 700}));
  EXPECT_EQ(is_canceled, (std::vector<bool>{true, false}));
  EXPECT_EQ(is_deadline, (std::vector<bool>{false, true}));
}

}  // namespace
}  // namespace simsock::net::testing
