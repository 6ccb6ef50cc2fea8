// Tcb's shared config: blocks made through one shared pointer share the
// host-wide part of their TcbConfig, keep their own per-connection fields,
// and copy the shared part when a setter changes it, so one block's options
// never reach another's.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "simsock/sim/tcp/tcb.h"
#include "tests/tcp/tcb_test_util.h"

namespace simsock::sim::tcp::tcb_test {
namespace {

TEST(TcbSharedConfig, SameOptions_OneSharedCopy_OwnPorts) {
  std::shared_ptr<const TcbConfig> shared;
  TcbConfig a = Cfg();
  TcbConfig b = Cfg();
  b.local_port = 40001;
  b.rcv_buf = 1000;
  b.nodelay = true;
  Tcb ta(a, &shared);
  const TcbConfig* first = shared.get();
  Tcb tb(b, &shared);
  EXPECT_EQ(shared.get(), first);  // b differs only in per-connection fields
  EXPECT_EQ(shared.use_count(), 3);

  EXPECT_EQ(ta.config().local_port, kLocalPort);
  EXPECT_EQ(tb.config().local_port, 40001);
  EXPECT_EQ(tb.config().rcv_buf, 1000u);
  EXPECT_TRUE(tb.config().nodelay);
  EXPECT_FALSE(ta.config().nodelay);

  // Each block's SYN carries its own port.
  ta.Connect(kLocalIss, Ms(0));
  tb.Connect(kLocalIss, Ms(0));
  std::vector<Segment> sa = ta.TakeOutput();
  std::vector<Segment> sb = tb.TakeOutput();
  ASSERT_EQ(sa.size(), 1u);
  ASSERT_EQ(sb.size(), 1u);
  EXPECT_EQ(sa[0].src_port, kLocalPort);
  EXPECT_EQ(sb[0].src_port, 40001);
}

TEST(TcbSharedConfig, OtherSharedField_ReplacesTheSharedCopy) {
  std::shared_ptr<const TcbConfig> shared;
  Tcb ta(Cfg(), &shared);
  const TcbConfig* first = shared.get();
  TcbConfig b = Cfg();
  b.congestion = "reno";
  Tcb tb(b, &shared);
  EXPECT_NE(shared.get(), first);
  EXPECT_EQ(ta.config().congestion, "cubic");
  EXPECT_EQ(tb.config().congestion, "reno");
  EXPECT_FALSE(SameSharedConfig(Cfg(), b));
  TcbConfig c = Cfg();
  c.remote_port = 81;
  c.mss = 536;
  EXPECT_TRUE(SameSharedConfig(Cfg(), c));
}

TEST(TcbSharedConfig, Setters_CopyOnWrite) {
  std::shared_ptr<const TcbConfig> shared;
  Tcb ta(Cfg(), &shared);
  Tcb tb(Cfg(), &shared);
  const Duration before = shared->fin_timeout;
  ta.SetUserTimeout(std::chrono::seconds(5));
  ta.SetFinTimeout(std::chrono::seconds(7));
  ta.SetKeepAliveTiming(std::chrono::seconds(10), std::chrono::seconds(2), 3,
                        Ms(0));
  ASSERT_TRUE(ta.SetCongestionControl("reno"));
  EXPECT_EQ(ta.config().user_timeout, std::chrono::seconds(5));
  EXPECT_EQ(ta.config().fin_timeout, std::chrono::seconds(7));
  EXPECT_EQ(ta.config().keepalive_idle, std::chrono::seconds(10));
  EXPECT_EQ(ta.config().keepalive_count, 3);
  EXPECT_EQ(ta.config().congestion, "reno");
  // The other block and the shared copy are untouched.
  EXPECT_EQ(tb.config().user_timeout, Duration::zero());
  EXPECT_EQ(tb.config().fin_timeout, before);
  EXPECT_EQ(tb.config().congestion, "cubic");
  EXPECT_EQ(shared->fin_timeout, before);
  EXPECT_EQ(shared.use_count(), 2);  // tb and the cache; ta has its own
}

}  // namespace
}  // namespace simsock::sim::tcp::tcb_test
