#include "simsock/cli/seeds.h"

#include <gtest/gtest.h>

#include <set>

namespace simsock::cli {
namespace {

TEST(CliSeeds, ParsesRanges) {
  std::string error;
  std::optional<SeedRange> r = ParseSeedRange("1..200", &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->first, 1u);
  EXPECT_EQ(r->last, 200u);
  EXPECT_EQ(r->count(), 200u);
  EXPECT_EQ(r->ToString(), "1..200");
  r = ParseSeedRange("7", &error);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->count(), 1u);
  for (const char* bad : {"", "..", "1..", "..5", "5..1", "a..b", "1..2x",
                          "-1..3", "0..18446744073709551615"}) {
    EXPECT_FALSE(ParseSeedRange(bad, &error)) << bad;
    EXPECT_NE(error.find("seeds:"), std::string::npos);
  }
}

TEST(CliSeeds, ParsesShards) {
  std::string error;
  std::optional<Shard> s = ParseShard("2/5", &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->index, 2u);
  EXPECT_EQ(s->count, 5u);
  for (const char* bad : {"", "5/5", "1/0", "1", "/3", "a/3", "1/3/4"}) {
    EXPECT_FALSE(ParseShard(bad, &error)) << bad;
  }
}

TEST(CliSeeds, ShardsCoverTheRangeOnceEach) {
  SeedRange range{10, 49};
  for (uint64_t n : {1, 3, 4, 7, 40, 41}) {
    std::multiset<uint64_t> all;
    for (uint64_t i = 0; i < n; ++i) {
      std::vector<uint64_t> seeds = ShardSeeds(range, {i, n});
      for (size_t k = 0; k < seeds.size(); ++k) {
        // Seeds whose index is I modulo N, in order.
        EXPECT_EQ((seeds[k] - range.first) % n, i);
        if (k) {
          EXPECT_LT(seeds[k - 1], seeds[k]);
        }
      }
      all.insert(seeds.begin(), seeds.end());
    }
    ASSERT_EQ(all.size(), 40u) << n;
    for (uint64_t seed = 10; seed <= 49; ++seed) EXPECT_EQ(all.count(seed), 1u);
  }
}

TEST(CliSeeds, ShardFromSlurmArrayEnvironment) {
  std::string error;
  EXPECT_FALSE(ShardFromSlurm({}, &error));  // not in a job array
  EXPECT_TRUE(error.empty());
  std::optional<Shard> s = ShardFromSlurm({{"SLURM_ARRAY_TASK_ID", "3"},
                                           {"SLURM_ARRAY_TASK_COUNT", "4"},
                                           {"SLURM_ARRAY_TASK_MIN", "0"}},
                                          &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->ToString(), "3/4");
  // --array=1-4: ids from 1.
  s = ShardFromSlurm({{"SLURM_ARRAY_TASK_ID", "1"},
                      {"SLURM_ARRAY_TASK_COUNT", "4"},
                      {"SLURM_ARRAY_TASK_MIN", "1"}},
                     &error);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->ToString(), "0/4");
  // --array=0-6:2: ids 0 2 4 6.
  s = ShardFromSlurm({{"SLURM_ARRAY_TASK_ID", "6"},
                      {"SLURM_ARRAY_TASK_COUNT", "4"},
                      {"SLURM_ARRAY_TASK_MIN", "0"},
                      {"SLURM_ARRAY_TASK_STEP", "2"}},
                     &error);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->ToString(), "3/4");
  // An array of scattered ids (--array=1,5,9) cannot be a shard.
  error.clear();
  EXPECT_FALSE(ShardFromSlurm({{"SLURM_ARRAY_TASK_ID", "9"},
                               {"SLURM_ARRAY_TASK_COUNT", "3"},
                               {"SLURM_ARRAY_TASK_MIN", "1"}},
                              &error));
  EXPECT_NE(error.find("--shard"), std::string::npos);
  error.clear();
  EXPECT_FALSE(ShardFromSlurm({{"SLURM_ARRAY_TASK_ID", "2"}}, &error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace simsock::cli
