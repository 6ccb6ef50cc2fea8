// The futex table of simsock exec (exec/futex_table.h) with simulated
// threads: FIFO wake order, the count a wake returns, bitset matching,
// virtual-time timeouts, and a killed waiter leaving nothing behind.
#include <gtest/gtest.h>

#include <cerrno>
#include <climits>
#include <string>
#include <vector>

#include "simsock/exec/futex_table.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/scheduler.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::exec {
namespace {

class FutexTableTest : public ::testing::Test {
 protected:
  sim::Scheduler& sched() { return world_.scheduler(); }
  // A thread that waits on addr with bitset and records "<name>:<result>".
  void Waiter(const std::string& name, uint64_t addr, uint32_t bitset,
              sim::Time deadline = sim::kNever) {
    proc_.Spawn([this, name, addr, bitset, deadline] {
      const int r = table_.Wait(sched(), addr, bitset, deadline, "futex_wait");
      log_.push_back(name + ":" + std::to_string(r) + "@" +
                     std::to_string(world_.Now().count() / 1000000));
    });
  }

  // Before the world: its end unwinds the threads still parked, which
  // leave the table then.
  FutexTable table_;
  std::vector<std::string> log_;
  sim::World world_{1};
  sim::Host& host_ = world_.AddHost("h", "10.0.0.1");
  sim::Process& proc_ = host_.SpawnProcess();
};

TEST_F(FutexTableTest, WakesOldestFirstAndCounts) {
  Waiter("a", 0x1000, ~0u);
  Waiter("b", 0x1000, ~0u);
  Waiter("c", 0x1000, ~0u);
  Waiter("other", 0x2000, ~0u);
  world_.RunFor(std::chrono::milliseconds(1));
  EXPECT_EQ(table_.Waiting(0x1000), 3u);
  EXPECT_EQ(table_.Wake(sched(), 0x1000, ~0u, 2), 2);
  world_.RunFor(std::chrono::milliseconds(1));
  EXPECT_EQ(log_, (std::vector<std::string>{"a:0@1", "b:0@1"}));
  EXPECT_EQ(table_.Wake(sched(), 0x1000, ~0u, INT_MAX), 1);
  EXPECT_EQ(table_.Wake(sched(), 0x1000, ~0u, INT_MAX), 0);
  EXPECT_EQ(table_.Wake(sched(), 0x2000, ~0u, 0), 0);  // count 0 wakes none
  EXPECT_EQ(table_.Waiting(0x2000), 1u);
}

// futex_wake's bitset test (this->bitset & bitset): a waiter whose bitset
// does not meet the wake's stays parked, and the count skips it.
TEST_F(FutexTableTest, BitsetsMatch) {
  Waiter("one", 0x1000, 0x1);
  Waiter("two", 0x1000, 0x2);
  world_.RunFor(std::chrono::milliseconds(1));
  EXPECT_EQ(table_.Wake(sched(), 0x1000, 0x2, INT_MAX), 1);
  world_.RunFor(std::chrono::milliseconds(1));
  EXPECT_EQ(log_, (std::vector<std::string>{"two:0@1"}));
  EXPECT_EQ(table_.Waiting(0x1000), 1u);
}

// A timeout is virtual time: -ETIMEDOUT at the deadline, and the waiter is
// gone from the table.
TEST_F(FutexTableTest, TimesOutInVirtualTime) {
  Waiter("t", 0x1000, ~0u, sim::Time(std::chrono::milliseconds(250)));
  world_.RunFor(std::chrono::seconds(1));
  EXPECT_EQ(log_, (std::vector<std::string>{"t:" + std::to_string(-ETIMEDOUT) +
                                            "@250"}));
  EXPECT_EQ(table_.Waiting(0x1000), 0u);
  EXPECT_EQ(table_.Wake(sched(), 0x1000, ~0u, 1), 0);
}

// WakeAll (the program ended) wakes every address's waiters.
TEST_F(FutexTableTest, WakeAllEndsEveryWait) {
  Waiter("a", 0x1000, 0x1);
  Waiter("b", 0x2000, ~0u);
  world_.RunFor(std::chrono::milliseconds(1));
  EXPECT_EQ(table_.WakeAll(sched()), 2);
  world_.RunFor(std::chrono::milliseconds(1));
  EXPECT_EQ(log_, (std::vector<std::string>{"a:0@1", "b:0@1"}));
  EXPECT_EQ(table_.Waiting(0x1000) + table_.Waiting(0x2000), 0u);
}

// A waiter whose thread is killed (a host crash) leaves the table.
TEST_F(FutexTableTest, KilledWaiterLeavesNoEntry) {
  Waiter("k", 0x1000, ~0u);
  world_.RunFor(std::chrono::milliseconds(1));
  EXPECT_EQ(table_.Waiting(0x1000), 1u);
  sched().KillProcess(proc_);
  EXPECT_EQ(table_.Waiting(0x1000), 0u);
  EXPECT_TRUE(log_.empty());
}

}  // namespace
}  // namespace simsock::exec
