// context (net/context.h): the cancel tree, deadlines in virtual and real
// time, values, Cause, AfterFunc, Done in Select. Both backends.
#include "simsock/net/context.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "simsock/net/runtime/select.h"
#include "simsock/net/runtime/timer.h"
#include "tests/net/net_test_util.h"

namespace simsock::net::testing {
namespace {

class ContextTest : public NetTest {
 protected:
  bool sim() const { return GetParam().name == "Sim"; }
  // Done is closed: a receive is ready and not ok.
  static bool IsDone(const context::Context& ctx) {
    auto r = ctx.Done().TryRecv();
    return r.has_value() && !r->ok;
  }
};

TEST_P(ContextTest, BackgroundIsNeverDone) {
  context::Context bg = context::Background(rt());
  EXPECT_FALSE(bg.Err().has_value());
  EXPECT_FALSE(bg.Deadline().has_value());
  EXPECT_FALSE(IsDone(bg));
  EXPECT_FALSE(context::TODO(rt()).Err().has_value());
  EXPECT_FALSE(bg.Value("k").has_value());
}

TEST_P(ContextTest, CancelFlowsDownTheTreeNotUp) {
  context::Context bg = context::Background(rt());
  auto [a, cancel_a] = context::WithCancel(bg);
  auto [b, cancel_b] = context::WithCancel(a);
  context::Context v = context::WithValue(b, "user", std::string("ann"));
  auto [c, cancel_c] = context::WithCancel(v);
  auto [sibling, cancel_sibling] = context::WithCancel(a);

  cancel_b();
  EXPECT_FALSE(a.Err().has_value());
  EXPECT_FALSE(sibling.Err().has_value());
  for (const context::Context* ctx : {&b, &v, &c}) {
    ASSERT_TRUE(ctx->Err().has_value());
    EXPECT_EQ(ctx->Err()->ToString(), "context canceled");
    EXPECT_TRUE(ctx->Err()->Is(context::Canceled));
    EXPECT_FALSE(ctx->Err()->Timeout());
    EXPECT_TRUE(IsDone(*ctx));
  }
  EXPECT_EQ(std::any_cast<std::string>(c.Value("user")), "ann");
  EXPECT_FALSE(a.Value("user").has_value());

  cancel_a();
  EXPECT_TRUE(a.Err()->Is(context::Canceled));
  EXPECT_TRUE(IsDone(sibling));
  cancel_a();  // idempotent
  cancel_c();
  cancel_sibling();
  // A child of a done parent is done at once.
  auto [late, cancel_late] = context::WithCancel(c);
  EXPECT_TRUE(IsDone(late));
  cancel_late();
}

TEST_P(ContextTest, DoneWakesAParkedSelectAndRecv) {
  EXPECT_TRUE(RunBody([&] {
    auto [ctx, cancel] = context::WithCancel(context::Background(rt()));
    rt().Go([cancel = cancel, this] {
      rt().Sleep(10 * kMillisecond);
      cancel();
    });
    Chan<int> work(rt());
    int chosen = Select(rt(), Recv(work), Recv(ctx.Done()));
    EXPECT_EQ(chosen, 1);
    EXPECT_FALSE(ctx.Done().Recv().ok);  // closed: does not block
  }));
}

// Virtual time: exactly the timeout. Real time: at least it.
TEST_P(ContextTest, WithTimeoutEndsWithDeadlineExceeded) {
  EXPECT_TRUE(RunBody([&] {
    Time start = rt().Now();
    auto [ctx, cancel] =
        context::WithTimeout(context::Background(rt()), 50 * kMillisecond);
    ASSERT_TRUE(ctx.Deadline().has_value());
    int chosen = Select(rt(), Recv(ctx.Done()), Recv(After(rt(), 5 * kSecond)));
    EXPECT_EQ(chosen, 0);
    const Duration took = rt().Now().Sub(start);
    if (sim()) {
      EXPECT_EQ(took, 50 * kMillisecond);
    } else {
      EXPECT_GE(took, 50 * kMillisecond);
    }
    ASSERT_TRUE(ctx.Err().has_value());
    EXPECT_EQ(ctx.Err()->ToString(), "context deadline exceeded");
    EXPECT_TRUE(ctx.Err()->Timeout());
    EXPECT_TRUE(ctx.Err()->Is(context::DeadlineExceeded));
    EXPECT_FALSE(ctx.Err()->Is(context::Canceled));
    cancel();  // after the deadline: Err stays DeadlineExceeded
    EXPECT_TRUE(ctx.Err()->Is(context::DeadlineExceeded));
  }));
}

TEST_P(ContextTest, DeadlinesTakeTheEarlierOfParentAndChild) {
  context::Context bg = context::Background(rt());
  Time now = rt().Now();
  auto [parent, cancel_parent] = context::WithDeadline(bg, now.Add(kSecond));
  auto [later, cancel_later] = context::WithDeadline(parent, now.Add(kMinute));
  auto [sooner, cancel_sooner] =
      context::WithDeadline(parent, now.Add(kMillisecond));
  EXPECT_EQ(*later.Deadline(), now.Add(kSecond));
  EXPECT_EQ(*sooner.Deadline(), now.Add(kMillisecond));
  context::Context value = context::WithValue(sooner, "k", 1);
  EXPECT_EQ(*value.Deadline(), now.Add(kMillisecond));
  // A deadline already past: done at once.
  auto [past, cancel_past] = context::WithDeadline(bg, now.Add(-kSecond));
  EXPECT_TRUE(IsDone(past));
  EXPECT_TRUE(past.Err()->Is(context::DeadlineExceeded));
  cancel_parent();
  EXPECT_TRUE(later.Err()->Is(context::Canceled));
  EXPECT_TRUE(sooner.Err()->Is(context::Canceled));
  cancel_later();
  cancel_sooner();
  cancel_past();
}

TEST_P(ContextTest, CauseIsTheGivenCauseOrErr) {
  auto [ctx, cancel] = context::WithCancelCause(context::Background(rt()));
  auto [child, cancel_child] = context::WithCancel(ctx);
  EXPECT_FALSE(context::Cause(ctx).has_value());
  cancel(Error::New("shutting down"));
  EXPECT_EQ(ctx.Err()->ToString(), "context canceled");
  EXPECT_EQ(context::Cause(ctx)->ToString(), "shutting down");
  EXPECT_EQ(context::Cause(child)->ToString(), "shutting down");
  auto [plain, cancel_plain] = context::WithCancel(context::Background(rt()));
  cancel_plain();
  EXPECT_EQ(context::Cause(plain)->ToString(), "context canceled");
  cancel_child();
}

TEST_P(ContextTest, AfterFuncRunsInATaskOnceDoneUnlessStopped) {
  EXPECT_TRUE(RunBody([&] {
    auto [ctx, cancel] = context::WithCancel(context::Background(rt()));
    std::vector<std::string> log;
    auto stop_kept = context::AfterFunc(ctx, [&] { log.push_back("kept"); });
    auto stop_dropped =
        context::AfterFunc(ctx, [&] { log.push_back("dropped"); });
    EXPECT_TRUE(stop_dropped());
    EXPECT_FALSE(stop_dropped());
    cancel();
    EXPECT_TRUE(log.empty());  // started as a task, not run by cancel
    rt().Yield();
    EXPECT_EQ(log, (std::vector<std::string>{"kept"}));
    EXPECT_FALSE(stop_kept());
    // Registered on a done context: runs at once (in a task).
    auto stop_late = context::AfterFunc(ctx, [&] { log.push_back("late"); });
    EXPECT_FALSE(stop_late());
    rt().Yield();
    EXPECT_EQ(log, (std::vector<std::string>{"kept", "late"}));
    // On a context that is never done: nothing runs; stop succeeds once.
    auto stop_bg = context::AfterFunc(context::Background(rt()),
                                      [&] { log.push_back("x"); });
    EXPECT_TRUE(stop_bg());
    EXPECT_FALSE(stop_bg());
  }));
}

INSTANTIATE_TEST_SUITE_P(Backends, ContextTest,
                         ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace simsock::net::testing
