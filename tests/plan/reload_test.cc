#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "cast/knowledge.h"
#include "plan/planner.h"
#include "text/tsv.h"

namespace depict::plan {
namespace {

TEST(ReloadTest, SwapsAtomicallyWhilePlansRun) {
  Planner planner(LoadTables(""));
  const auto first = planner.tables();
  std::atomic<bool> stop{false};
  std::atomic<int> plans{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 3; ++w) {
    workers.emplace_back([&] {
      while (!stop.load()) {
        const Plan p = planner.Run("a 1940s German soldier and a doctor", {8, 1});
        // Every plan is made entirely with one table set, old or new.
        ASSERT_TRUE(p.tables);
        ASSERT_EQ(p.people.size(), 2u);
        ++plans;
      }
    });
  }
  for (int i = 0; i < 5; ++i) planner.Reload(LoadTables(""));
  while (plans.load() < 50) std::this_thread::yield();
  stop = true;
  for (auto& t : workers) t.join();
  EXPECT_NE(planner.tables(), first);
}

TEST(ReloadTest, ABadSetIsRejectedAndTheOldOneStays) {
  Planner planner(LoadTables(""));
  const auto before = planner.tables();
  EXPECT_THROW(planner.Reload("/nonexistent/tables"), std::runtime_error);
  EXPECT_EQ(planner.tables(), before);
  EXPECT_THROW(planner.Reload(std::shared_ptr<const Tables>()), std::invalid_argument);
  EXPECT_EQ(planner.tables(), before);
}

TEST(ReloadTest, APlanKeepsItsTablesAliveAfterASwap) {
  Planner planner(LoadTables(""));
  const Plan p = planner.Run("a doctor", {1, 0});
  planner.Reload(LoadTables(""));
  EXPECT_NE(p.tables, planner.tables());
  EXPECT_FALSE(p.tables->knowledge->nouns().empty());  // still valid
}

}  // namespace
}  // namespace depict::plan
