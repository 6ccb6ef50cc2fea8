// The proxies of a threaded program against two fake shim threads
// (fake_shim.h), without glibc: clone3 on slot 0 spawns slot 1's proxy and
// answers the virtual tid, THREAD_START is answered with it, a futex wait
// parks slot 1's proxy until slot 0's wake, THREAD_EXIT frees the slot;
// and a clone3 naming a slot that is not free fails loudly.
#include <gtest/gtest.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "simsock/exec/launcher.h"
#include "simsock/exec/proxy.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "tests/exec/fake_shim.h"

namespace simsock::exec {
namespace {

using testing::FakeShim;

class ExecProxyThreads : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    RegionInit init;
    init.virtual_pid = 3;
    region_ = Region::Create(init, &error);
    ASSERT_NE(region_, nullptr) << error;
    main_ = std::make_unique<FakeShim>(region_->get(), 0);
    second_ = std::make_unique<FakeShim>(region_->get(), 1);
  }
  void TearDown() override {
    main_->Join();
    second_->Join();
  }

  void StartProxy() {
    ProxyHooks hooks;
    hooks.ended = [this]() -> std::optional<std::string> {
      if (done_.load() == 2) return std::string("exited with status 0");
      return std::nullopt;
    };
    hooks.fail = [this](const std::string& why) {
      fails_.push_back(why);
      main_->Kill();
      second_->Kill();
    };
    hooks.exited = [this](int status) { exit_status_ = status; };
    ProxyLimits limits;
    limits.busy = std::chrono::seconds(20);
    proc_.Spawn(
        [this, hooks, limits] {
          RunProxy(region_->get(), 0, proc_, proc_, hooks, limits);
        },
        "proxy");
  }

  // Sleeps ms of virtual time on the fake's slot (its proxy parks).
  static int64_t Sleep(FakeShim& s, int ms) {
    s.Clear();
    timespec ts{0, ms * 1000000L};
    const int64_t at = s.PutValue(ts);
    return s.Call(SYS_nanosleep, {at, SIMSOCK_EXEC_NULL}, 0x3);
  }

  sim::World world_{1};
  sim::Host& server_ = world_.AddHost("server", "10.0.0.1");
  sim::Process& proc_ = server_.SpawnProcess();
  std::unique_ptr<Region> region_;
  std::unique_ptr<FakeShim> main_;
  std::unique_ptr<FakeShim> second_;
  std::atomic<int> done_{0};
  std::vector<std::string> fails_;
  std::optional<int> exit_status_;
};

TEST_F(ExecProxyThreads, CloneStartFutexExit) {
  simsock_exec_region& region = region_->get();
  // The shim claims slot 1 before its clone.
  std::atomic_ref<uint32_t>(region.slots[1].state).store(SIMSOCK_SLOT_RUNNING);
  std::atomic<int64_t> clone_ret{0}, start_ret{0}, wait_ret{1}, wake_ret{0};
  StartProxy();
  main_->Start([&](FakeShim& s) {
    s.Hello();
    clone_ret = s.Call(SYS_clone3, {1, 4242, CLONE_VM | CLONE_THREAD});
    Sleep(s, 10);  // slot 1 starts and parks in its futex wait
    s.Clear();
    wake_ret = s.Call(SYS_futex, {0x1000, FUTEX_WAKE_PRIVATE, 1, 0, 0,
                                  FUTEX_BITSET_MATCH_ANY});
    Sleep(s, 10);  // slot 1 wakes and exits
    done_++;
    s.Exit(0);
  });
  second_->Start([&](FakeShim& s) {
    start_ret = s.Message(SIMSOCK_MSG_THREAD_START, 4242);
    s.Clear();
    wait_ret = s.Call(SYS_futex,
                      {0x1000, FUTEX_WAIT_PRIVATE, 0, SIMSOCK_EXEC_NULL, 0,
                       FUTEX_BITSET_MATCH_ANY},
                      1u << 3);
    done_++;
    s.Message(SIMSOCK_MSG_THREAD_EXIT, 0x2000);  // its exit word is 0
  });
  world_.RunFor(std::chrono::seconds(1));
  main_->Join();
  second_->Join();
  EXPECT_TRUE(fails_.empty()) << fails_.front();
  EXPECT_EQ(clone_ret.load(), 300001);  // virtual_pid * 100000 + 1
  EXPECT_EQ(start_ret.load(), 300001);
  EXPECT_EQ(wake_ret.load(), 1);
  EXPECT_EQ(wait_ret.load(), 0);
  EXPECT_EQ(exit_status_, 0);
  EXPECT_EQ(std::atomic_ref<uint32_t>(region.slots[1].state).load(),
            uint32_t{SIMSOCK_SLOT_FREE});
}

TEST_F(ExecProxyThreads, CloneNamingATakenSlotFailsLoudly) {
  // Slot 0 is the caller's own: the shim's slot map is out of step.
  StartProxy();
  main_->Start([&](FakeShim& s) {
    s.Hello();
    s.Call(SYS_clone3, {0, 4242, CLONE_VM | CLONE_THREAD});
  });
  world_.RunFor(std::chrono::seconds(1));
  main_->Join();
  ASSERT_EQ(fails_.size(), 1u);
  EXPECT_NE(fails_[0].find("clone3: the shim named slot 0, which is not free"),
            std::string::npos)
      << fails_[0];
}

}  // namespace
}  // namespace simsock::exec
