// Select (net/runtime/select.h): ready cases, default, closed channels,
// parking on several channels, the seeded fair choice, deadlock reports.
// Every test runs on both backends.
#include "simsock/net/runtime/select.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "simsock/net/runtime/chan.h"
#include "tests/net/net_test_util.h"

namespace simsock::net::testing {
namespace {

using SelectTest = NetTest;

TEST_P(SelectTest, ReadyReceiveRunsItsBodyAndReturnsItsIndex) {
  Chan<int> a(rt(), 1);
  Chan<int> b(rt(), 1);
  ASSERT_TRUE(b.TrySend(7));
  int got = 0;
  bool got_ok = false;
  bool a_ran = false;
  int chosen = Select(rt(), Recv(a, [&](int) { a_ran = true; }),
                      Recv(b, [&](int v, bool ok) {
                        got = v;
                        got_ok = ok;
                      }));
  EXPECT_EQ(chosen, 1);
  EXPECT_EQ(got, 7);
  EXPECT_TRUE(got_ok);
  EXPECT_FALSE(a_ran);
  EXPECT_EQ(b.Len(), 0u);
}

TEST_P(SelectTest, DefaultRunsOnlyWhenNoCaseIsReady) {
  Chan<int> a(rt());  // unbuffered, nobody waiting: not ready
  Chan<int> room(rt(), 1);
  int defaults = 0;
  EXPECT_EQ(Select(rt(), Recv(a), Default([&] { ++defaults; })), 1);
  EXPECT_EQ(defaults, 1);
  bool sent = false;
  EXPECT_EQ(Select(rt(), Send(room, 5, [&] { sent = true; }),
                   Default([&] { ++defaults; })),
            0);
  EXPECT_TRUE(sent);
  EXPECT_EQ(defaults, 1);
  // Now full: the send is not ready, the value is not moved in.
  EXPECT_EQ(Select(rt(), Send(room, 6), Default([&] { ++defaults; })), 1);
  EXPECT_EQ(defaults, 2);
  EXPECT_EQ(room.Len(), 1u);
  EXPECT_EQ(room.TryRecv()->value, 5);
}

TEST_P(SelectTest, ClosedChannelMakesReceiveReadyWithZeroAndNotOk) {
  Chan<std::string> c(rt(), 2);
  ASSERT_TRUE(c.TrySend("queued"));
  c.Close();
  std::vector<std::string> got;
  std::vector<bool> oks;
  for (int i = 0; i < 2; ++i) {
    int chosen = Select(rt(),
                        Recv(c,
                             [&](std::string v, bool ok) {
                               got.push_back(v);
                               oks.push_back(ok);
                             }),
                        Default());
    EXPECT_EQ(chosen, 0);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"queued", ""}));
  EXPECT_EQ(oks, (std::vector<bool>{true, false}));
}

TEST_P(SelectTest, ParkedSelectIsWokenByCloseOfAnyChannel) {
  EXPECT_TRUE(RunBody([&] {
    Chan<int> a(rt());
    Chan<int> b(rt());
    rt().Go([b]() mutable { b.Close(); });
    int value = -1;
    bool ok = true;
    int chosen = Select(rt(), Recv(a), Recv(b, [&](int v, bool k) {
                          value = v;
                          ok = k;
                        }));
    EXPECT_EQ(chosen, 1);
    EXPECT_EQ(value, 0);
    EXPECT_FALSE(ok);
  }));
}

TEST_P(SelectTest, ParkedSelectTakesTheFirstPeerAndWithdrawsFromTheOthers) {
  EXPECT_TRUE(RunBody([&] {
    Chan<int> a(rt());
    Chan<int> b(rt());
    Chan<int> out(rt());
    std::vector<std::string> log;
    bool second_send_taken = true;
    rt().Go([&, a, b]() mutable {
      // Both sends from one task, without parking in between: the first
      // completes the Select; its waiter on the other channel is stale, so
      // the second finds no receiver.
      EXPECT_TRUE(b.TrySend(2));
      second_send_taken = a.TrySend(1);
      log.push_back("sent");
    });
    int chosen = Select(
        rt(), Recv(a, [&](int v) { log.push_back("a" + std::to_string(v)); }),
        Recv(b, [&](int v) { log.push_back("b" + std::to_string(v)); }),
        Send(out, 9, [&] { log.push_back("out"); }));
    EXPECT_EQ(chosen, 1);
    EXPECT_FALSE(second_send_taken);
    EXPECT_EQ(log, (std::vector<std::string>{"sent", "b2"}));
    // Every waiter is gone: nothing is queued on a or out any more.
    EXPECT_FALSE(a.TrySend(3));
    EXPECT_FALSE(out.TryRecv().has_value());
  }));
}

TEST_P(SelectTest, ParkedSendCaseHandsItsValueToAReceiver) {
  EXPECT_TRUE(RunBody([&] {
    Chan<int> out(rt());
    Chan<int> never(rt());
    int received = 0;
    rt().Go([&, out]() mutable { received = out.Recv().value; });
    bool sent = false;
    EXPECT_EQ(Select(rt(), Recv(never), Send(out, 42, [&] { sent = true; })),
              1);
    EXPECT_TRUE(sent);
    rt().Yield();
    EXPECT_EQ(received, 42);
  }));
}

// A receiver parked in a Select on a channel is served FIFO with plain
// receivers, and a sender parked in a Select is found by a plain Recv.
TEST_P(SelectTest, SelectWaitersMixWithPlainWaiters) {
  EXPECT_TRUE(RunBody([&] {
    Chan<int> c(rt());
    std::vector<std::string> log;
    rt().Go([&, c]() mutable {
      Select(rt(), Recv(c, [&](int v) {
               log.push_back("select " + std::to_string(v));
             }));
    });
    rt().Go([&, c]() mutable {
      log.push_back("plain " + std::to_string(c.Recv().value));
    });
    rt().Yield();  // both park, the Select first
    c.Send(1);
    c.Send(2);
    rt().Yield();
    EXPECT_EQ(log, (std::vector<std::string>{"select 1", "plain 2"}));
  }));
}

// Go chooses uniformly among ready cases; here the choice is drawn from the
// Runtime's seeded source: the same seed gives the same choices, every
// ready case is chosen, and roughly evenly.
std::vector<int> Choices(sys::Syscalls& sys, Backend& backend, uint64_t seed,
                         int n) {
  RuntimeOptions options;
  options.seed = seed;
  Runtime rt(sys, options);
  std::array<Chan<int>, 3> chans{Chan<int>(rt, n), Chan<int>(rt, n),
                                 Chan<int>(rt, n)};
  for (auto& c : chans) {
    for (int i = 0; i < n; ++i) EXPECT_TRUE(c.TrySend(i));
  }
  std::vector<int> choices;
  rt.Go([&] {
    for (int i = 0; i < n; ++i) {
      choices.push_back(
          Select(rt, Recv(chans[0]), Recv(chans[1]), Recv(chans[2])));
    }
  });
  EXPECT_EQ(::simsock::testing::RunRuntime(backend, rt), RunStatus::kAllDone);
  return choices;
}

TEST_P(SelectTest, ChoiceAmongReadyCasesIsSeededFairAndCoversAll) {
  constexpr int kSelects = 600;
  std::vector<int> first = Choices(sys(), *backend_, 42, kSelects);
  std::vector<int> again = Choices(sys(), *backend_, 42, kSelects);
  std::vector<int> other = Choices(sys(), *backend_, 43, kSelects);
  ASSERT_EQ(first.size(), static_cast<size_t>(kSelects));
  EXPECT_EQ(first, again);
  EXPECT_NE(first, other);
  for (int c = 0; c < 3; ++c) {
    auto count = std::count(first.begin(), first.end(), c);
    // Expected 200 each; a fair draw stays within 200 +- 60 (over 5
    // standard deviations: sqrt(600 * 1/3 * 2/3) = 11.5).
    EXPECT_GT(count, 140) << "case " << c;
    EXPECT_LT(count, 260) << "case " << c;
  }
}

TEST_P(SelectTest, SelectWithNoCaseAndNothingElseIsADeadlock) {
  Chan<int> c(rt());
  rt().Go([&] { Select(rt(), Recv(c)); });
  rt().Go([&] { Select(rt()); });
  EXPECT_EQ(RunRuntime(), RunStatus::kDeadlock);
  ASSERT_EQ(rt().deadlock().size(), 2u);
  EXPECT_NE(rt().deadlock()[0].find("task 1 [select 0x"), std::string::npos)
      << rt().deadlock()[0];
  EXPECT_NE(rt().deadlock()[1].find("task 2 [select (no cases) 0x"),
            std::string::npos)
      << rt().deadlock()[1];
}

INSTANTIATE_TEST_SUITE_P(Backends, SelectTest,
                         ::testing::ValuesIn(AllBackends()), BackendName);

// Unseeded, the simulator seeds the choice from virtual time: two worlds
// built alike choose alike (replay), whatever the host's real clock says.
TEST(SelectSim, UnseededChoiceReplaysInTheSimulator) {
  auto run = [] {
    ::simsock::testing::SimBackend backend(7);
    Runtime rt(backend.sys());
    Chan<int> a(rt, 100);
    Chan<int> b(rt, 100);
    std::vector<int> choices;
    for (int i = 0; i < 100; ++i) {
      EXPECT_TRUE(a.TrySend(i));
      EXPECT_TRUE(b.TrySend(i));
    }
    rt.Go([&] {
      rt.Sleep(3 * kMillisecond);
      for (int i = 0; i < 100; ++i) {
        choices.push_back(Select(rt, Recv(a), Recv(b)));
      }
    });
    EXPECT_EQ(::simsock::testing::RunRuntime(backend, rt), RunStatus::kAllDone);
    return choices;
  };
  std::vector<int> first = run();
  EXPECT_EQ(first, run());
  EXPECT_NE(std::count(first.begin(), first.end(), 0), 0);
  EXPECT_NE(std::count(first.begin(), first.end(), 1), 0);
}

}  // namespace
}  // namespace simsock::net::testing
