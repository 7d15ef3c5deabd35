#include "core/planner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rollcall {
namespace {

using ::testing::ElementsAre;

std::vector<Tenant> Fleet(std::initializer_list<const char*> slugs) {
  std::vector<Tenant> out;
  for (const char* s : slugs) {
    Tenant t;
    t.slug = s;
    out.push_back(t);
  }
  return out;
}

std::vector<std::string> Phases(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& row : DryRunRows(p)) out.push_back(row.slug + ":" + row.phase);
  return out;
}

TEST(PlannerTest, EnumeratesActiveTenantsSortedWithCanariesFirst) {
  auto tenants = Fleet({"c", "a", "d", "b"});
  tenants[2].state = TenantState::kCordoned;
  Policy p;
  p.canary = {"c"};
  Result<Plan> plan = MakePlan(tenants, p);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_THAT(plan->EnumeratedSlugs(), ElementsAre("c", "a", "b"));
  EXPECT_THAT(Phases(*plan), ElementsAre("c:canary", "a:window", "b:window"));
}

TEST(PlannerTest, BatchesNumberGroupsOfMaxParallelFromOne) {
  Policy p;
  p.strategy = Strategy::kBatches;
  p.max_parallel = 2;
  Result<Plan> plan = MakePlan(Fleet({"a", "b", "c", "d", "e"}), p);
  EXPECT_THAT(Phases(*plan), ElementsAre("a:batch-1", "b:batch-1", "c:batch-2", "d:batch-2", "e:batch-3"));
}

TEST(PlannerTest, OnlySlugsIntersects) {
  Policy p;
  p.only_slugs = std::vector<std::string>{"d", "b"};
  EXPECT_THAT(MakePlan(Fleet({"a", "b", "c", "d"}), p)->EnumeratedSlugs(), ElementsAre("b", "d"));
}

TEST(PlannerTest, BadSelectionsAreInvalidNamingTheField) {
  auto tenants = Fleet({"a", "b"});
  tenants[1].state = TenantState::kCordoned;
  struct Case {
    Policy policy;
    std::string error;
  };
  Policy unknown_only, empty_only, cordoned_canary, unknown_canary, canary_outside_only;
  unknown_only.only_slugs = std::vector<std::string>{"zz"};
  empty_only.only_slugs = std::vector<std::string>{};
  cordoned_canary.canary = {"b"};
  unknown_canary.canary = {"q"};
  canary_outside_only.canary = {"a"};
  tenants.push_back(Fleet({"c"})[0]);
  canary_outside_only.only_slugs = std::vector<std::string>{"c"};
  for (const auto& [policy, error] : std::vector<Case>{
           {unknown_only, "policy.only_slugs: unknown tenant \"zz\""},
           {empty_only, "policy.only_slugs: must not be an empty list"},
           {cordoned_canary, "policy.canary: \"b\" is not an active tenant"},
           {unknown_canary, "policy.canary: \"q\" is not an active tenant"},
           {canary_outside_only, "policy.canary: \"a\" is not in only_slugs"}}) {
    Result<Plan> plan = MakePlan(tenants, policy);
    ASSERT_FALSE(plan.ok()) << error;
    EXPECT_EQ(plan.status().message(), error);
    EXPECT_EQ(plan.status().code(), Status::Code::kInvalid);
  }
}

TEST(PlannerTest, PercentToleranceIsFlooredOverTheFanoutOnly) {
  std::vector<Tenant> tenants(26);
  for (int i = 0; i < 26; ++i) tenants[i].slug = "t" + std::to_string(100 + i);
  Policy p;
  p.canary = {"t100"};
  p.max_stragglers = {10, true};
  EXPECT_EQ(MakePlan(tenants, p)->tolerance, 2);  // 10% of 25, floored
  p.max_stragglers = {3, false};
  EXPECT_EQ(MakePlan(tenants, p)->tolerance, 3);
}

}  // namespace
}  // namespace rollcall
