#include "sim/fleet.h"

#include <gtest/gtest.h>

namespace rollcall::sim {
namespace {

using namespace std::chrono_literals;

constexpr const char* kInitial = "registry.test/app:initial";

TimePoint At(int ms) { return TimePoint(std::chrono::milliseconds(ms)); }

DeployOrder Order(const std::string& tag, std::optional<int64_t> seq, bool rollback = false) {
  DeployOrder o;
  o.image = "registry.test/app:" + tag;
  o.tag = tag;
  o.git_sha = "sha-" + tag;
  o.release_seq = seq;
  o.rollout_id = "r-" + tag;
  o.rollback = rollback;
  return o;
}

class FleetTest : public testing::Test {
 protected:
  FleetTest()
      : fleet_(FleetConfig{.slugs = {"t0000", "t0001"},
                           .initial_image = kInitial,
                           .initial_sha = "0000000",
                           .timing = DeployTiming::Fixed(200),
                           .seed = 7}) {}

  SimTenant& tenant(const char* slug = "t0000") { return *fleet_.Find(slug); }
  void AddFault(const char* spec) {
    Result<FaultSpec> f = ParseFaultSpec(spec);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(fleet_.AddFault(f->slug, f->fault).ok());
  }
  // Starts and finishes one deploy at `now`; the answer.
  DeployAnswer Deploy(SimTenant& t, const DeployOrder& order, TimePoint now = At(0)) {
    Result<DeployTicket> ticket = fleet_.StartDeploy(t, order);
    EXPECT_TRUE(ticket.ok()) << ticket.status().message();
    return t.FinishDeploy(now);
  }

  Fleet fleet_;
};

TEST_F(FleetTest, TenantsStartOnTheInitialBuild) {
  EXPECT_EQ(fleet_.size(), 2u);
  EXPECT_EQ(fleet_.Find("nope"), nullptr);
  TenantSnapshot s = tenant().Snapshot();
  EXPECT_EQ(s.build.image, kInitial);
  EXPECT_EQ(s.build.git_sha, "0000000");
  EXPECT_FALSE(s.release_seq.has_value());
  EXPECT_EQ(s.deploy_count, 0u);
  EXPECT_EQ(s.history, std::vector<std::string>{kInitial});
}

TEST_F(FleetTest, DeployTakesTheDrawnTimeThenUpdatesBuildSeqAndHistory) {
  Result<DeployTicket> ticket = fleet_.StartDeploy(tenant(), Order("v2", 5));
  ASSERT_TRUE(ticket.ok());
  EXPECT_EQ(ticket->deploy_number, 1u);
  EXPECT_EQ(ticket->duration, Duration(200ms));
  EXPECT_TRUE(tenant().Snapshot().deploying);
  EXPECT_EQ(tenant().running().image, kInitial);  // not before it finishes

  DeployAnswer answer = tenant().FinishDeploy(At(200));
  EXPECT_EQ(answer.exit_code, 0);
  EXPECT_EQ(answer.running_image, "registry.test/app:v2");
  TenantSnapshot s = tenant().Snapshot();
  EXPECT_FALSE(s.deploying);
  EXPECT_EQ(s.build.git_sha, "sha-v2");
  EXPECT_EQ(s.release_seq, 5);
  EXPECT_EQ(s.deploy_count, 1u);
  EXPECT_EQ(s.history, (std::vector<std::string>{kInitial, "registry.test/app:v2"}));
  EXPECT_EQ(tenant().VisibleBuild(At(200)).image, "registry.test/app:v2");
  EXPECT_EQ(tenant("t0001").Snapshot().deploy_count, 0u);
}

TEST_F(FleetTest, ASecondDeployWhileOneRunsIsAConflict) {
  ASSERT_TRUE(fleet_.StartDeploy(tenant(), Order("v2", 5)).ok());
  Result<DeployTicket> second = fleet_.StartDeploy(tenant(), Order("v3", 6));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kConflict);
  EXPECT_NE(second.status().message().find("deploy in progress"), std::string::npos);
  tenant().FinishDeploy(At(1));
  EXPECT_TRUE(fleet_.StartDeploy(tenant(), Order("v3", 6)).ok());
}

TEST_F(FleetTest, AnOlderReleaseSeqIsRefusedUnlessItIsARollback) {
  Deploy(tenant(), Order("v7", 7));
  Result<DeployTicket> older = fleet_.StartDeploy(tenant(), Order("v6", 6));
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.status().code(), Status::Code::kConflict);
  EXPECT_EQ(older.status().message(),
            "release_seq: 6 is older than the running release_seq 7; send rollback=true to move "
            "back");
  EXPECT_FALSE(tenant().deploying());

  Deploy(tenant(), Order("v7", 7));  // the same seq again is not older
  Deploy(tenant(), Order("v6", 6, /*rollback=*/true));
  TenantSnapshot s = tenant().Snapshot();
  EXPECT_EQ(s.release_seq, 6);
  EXPECT_EQ(s.history, (std::vector<std::string>{kInitial, "registry.test/app:v7",
                                                 "registry.test/app:v7", "registry.test/app:v6"}));
}

TEST_F(FleetTest, AReleaseWithoutSeqIsNotFencedAndNeverLowersTheFence) {
  Deploy(tenant(), Order("v7", 7));
  Deploy(tenant(), Order("hotfix", std::nullopt));
  EXPECT_EQ(tenant().release_seq(), 7);
  EXPECT_EQ(tenant().running().image, "registry.test/app:hotfix");
  EXPECT_FALSE(fleet_.StartDeploy(tenant(), Order("v6", 6)).ok());
}

// Which controller asked for each deploy, and when: the replication tests
// read it to prove a deposed leader sent nothing.
TEST_F(FleetTest, EveryDeployBegunIsRecordedWithWhoAskedAndWhen) {
  ASSERT_TRUE(fleet_.StartDeploy(tenant(), Order("v2", 5), 1000, "cp-a").ok());
  EXPECT_FALSE(fleet_.StartDeploy(tenant(), Order("v3", 6), 1500, "cp-b").ok());  // busy: not begun
  tenant().FinishDeploy(TimePoint{});
  ASSERT_TRUE(fleet_.StartDeploy(tenant(), Order("v3", 6), 2000, "cp-b").ok());
  const std::vector<DeployStart> starts = tenant().Snapshot().starts;
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[0].by, "cp-a");
  EXPECT_EQ(starts[0].at_ms, 1000);
  EXPECT_EQ(starts[1].by, "cp-b");
  EXPECT_EQ(starts[1].at_ms, 2000);
}

TEST_F(FleetTest, TheAgentStateShowsTheDeployInProgress) {
  ASSERT_TRUE(fleet_.StartDeploy(tenant(), Order("v2", 5), 1'800'000'000'000).ok());
  AgentStateAnswer state = tenant().AgentState();
  ASSERT_TRUE(state.deploying);
  EXPECT_EQ(state.deploying->image, "registry.test/app:v2");
  EXPECT_EQ(state.deploying->release_seq, 5);
  EXPECT_EQ(state.deploying->started_at_ms, 1'800'000'000'000);
  EXPECT_EQ(state.running_image, kInitial);
  tenant().FinishDeploy(TimePoint{});
  EXPECT_FALSE(tenant().AgentState().deploying);
}

TEST_F(FleetTest, HealthyTenantServesEveryRouteWithTheRightToken) {
  for (Route r : {Route::kHealthz, Route::kBuildInfo, Route::kAgentDeploy, Route::kAgentState}) {
    EXPECT_EQ(tenant().Admit(r, true), Fate::kServe);
  }
  EXPECT_TRUE(tenant().Healthy());
}

TEST_F(FleetTest, AgentRoutesNeedAuthorizationHealthRoutesDoNot) {
  EXPECT_EQ(tenant().Admit(Route::kAgentDeploy, false), Fate::kUnauthorized);
  EXPECT_EQ(tenant().Admit(Route::kAgentState, false), Fate::kUnauthorized);
  EXPECT_EQ(tenant().Admit(Route::kHealthz, false), Fate::kServe);
  EXPECT_EQ(tenant().Admit(Route::kBuildInfo, false), Fate::kServe);
}

TEST_F(FleetTest, DeadTenantNeverAnswersAnyRouteEvenUnauthorized) {
  AddFault("t0000=dead");
  for (Route r : {Route::kHealthz, Route::kBuildInfo, Route::kAgentDeploy, Route::kAgentState}) {
    EXPECT_EQ(tenant().Admit(r, true), Fate::kNeverAnswer);
    EXPECT_EQ(tenant().Admit(r, false), Fate::kNeverAnswer);
  }
  EXPECT_EQ(tenant("t0001").Admit(Route::kHealthz, true), Fate::kServe);
}

TEST_F(FleetTest, StuckTenantReportsSuccessButKeepsItsOldBuild) {
  AddFault("t0000=stuck");
  DeployAnswer answer = Deploy(tenant(), Order("v2", 5));
  EXPECT_EQ(answer.exit_code, 0);
  EXPECT_EQ(answer.running_image, kInitial);
  TenantSnapshot s = tenant().Snapshot();
  EXPECT_EQ(s.build.image, kInitial);
  EXPECT_EQ(s.build.git_sha, "0000000");
  EXPECT_EQ(s.release_seq, 5);  // it ran seq 5, stuck or not: nothing older gets in
  EXPECT_EQ(s.deploy_count, 1u);
  EXPECT_EQ(s.history, std::vector<std::string>{kInitial});
  EXPECT_EQ(tenant().VisibleBuild(At(10'000)).image, kInitial);
  EXPECT_EQ(s.faults, std::vector<std::string>{"stuck"});
}

TEST_F(FleetTest, UnhealthyTenantStillDeploys) {
  AddFault("t0000=unhealthy");
  EXPECT_FALSE(tenant().Healthy());
  EXPECT_EQ(tenant().Admit(Route::kHealthz, true), Fate::kServe);  // served, as a 503
  EXPECT_EQ(Deploy(tenant(), Order("v2", 1)).running_image, "registry.test/app:v2");
}

TEST_F(FleetTest, SlowTenantDeploysForTheGivenSeconds) {
  AddFault("t0000=slow:2.5");
  Result<DeployTicket> ticket = fleet_.StartDeploy(tenant(), Order("v2", 1));
  ASSERT_TRUE(ticket.ok());
  EXPECT_EQ(ticket->duration, Duration(2500ms));
}

TEST_F(FleetTest, FlakyTenantFailsItsFirstAgentCallsOnly) {
  AddFault("t0000=flaky:2");
  EXPECT_EQ(tenant().Admit(Route::kHealthz, true), Fate::kServe);             // not an agent call
  EXPECT_EQ(tenant().Admit(Route::kAgentState, false), Fate::kUnauthorized);  // not counted
  EXPECT_EQ(tenant().Admit(Route::kAgentDeploy, true), Fate::kBadGateway);
  EXPECT_EQ(tenant().Admit(Route::kAgentState, true), Fate::kBadGateway);
  EXPECT_EQ(tenant().Admit(Route::kAgentDeploy, true), Fate::kServe);
  EXPECT_EQ(tenant().Admit(Route::kAgentDeploy, true), Fate::kServe);
}

TEST_F(FleetTest, LaggingTenantShowsTheOldBuildForTheLagAfterTheDeploy) {
  AddFault("t0000=lag:3");
  DeployAnswer answer = Deploy(tenant(), Order("v2", 1), At(1000));
  EXPECT_EQ(answer.running_image, "registry.test/app:v2");  // the agent knows
  EXPECT_EQ(tenant().running().image, "registry.test/app:v2");
  EXPECT_EQ(tenant().VisibleBuild(At(1000)).image, kInitial);
  EXPECT_EQ(tenant().VisibleBuild(At(3999)).git_sha, "0000000");
  EXPECT_EQ(tenant().VisibleBuild(At(4000)).image, "registry.test/app:v2");
  EXPECT_EQ(tenant().VisibleBuild(At(4000)).git_sha, "sha-v2");
}

TEST_F(FleetTest, RevertingTenantFallsBackOnceAfterItsFirstDeploy) {
  AddFault("t0000=revert:5");
  Deploy(tenant(), Order("v2", 2), At(1000));
  tenant().Settle(At(5999));
  EXPECT_EQ(tenant().running().image, "registry.test/app:v2");
  tenant().Settle(At(6000));
  // Image, /buildinfo and the agent's state all show the old build again.
  EXPECT_EQ(tenant().running().image, kInitial);
  EXPECT_EQ(tenant().VisibleBuild(At(6000)).git_sha, "0000000");
  EXPECT_EQ(tenant().AgentState().running_image, kInitial);
  EXPECT_EQ(tenant().Snapshot().history,
            (std::vector<std::string>{kInitial, "registry.test/app:v2", kInitial}));
  // Redeployed, it stays: the revert happens once.
  Deploy(tenant(), Order("v2", 2), At(7000));
  tenant().Settle(At(60000));
  EXPECT_EQ(tenant().running().image, "registry.test/app:v2");
}

TEST_F(FleetTest, CrashingTenantDropsAgentCallsButServesHealth) {
  AddFault("t0000=crash");
  EXPECT_EQ(tenant().Admit(Route::kAgentDeploy, true), Fate::kDropConnection);
  EXPECT_EQ(tenant().Admit(Route::kAgentState, true), Fate::kDropConnection);
  EXPECT_EQ(tenant().Admit(Route::kAgentState, false), Fate::kUnauthorized);
  EXPECT_EQ(tenant().Admit(Route::kHealthz, true), Fate::kServe);
  EXPECT_EQ(tenant().Admit(Route::kBuildInfo, true), Fate::kServe);
}

TEST_F(FleetTest, FaultsForUnknownTenantsAreRefused) {
  EXPECT_EQ(fleet_.AddFault("t9999", Fault{}).code(), Status::Code::kNotFound);
}

TEST(FleetDeterminismTest, SameSeedSameDurationsDifferentSeedDifferentDurations) {
  auto durations = [](uint64_t seed) {
    Fleet fleet(FleetConfig{.slugs = {"a", "b", "c"},
                            .initial_image = kInitial,
                            .initial_sha = "0",
                            .timing = *ParseDeployDist("lognormal:200:0.7"),
                            .seed = seed});
    std::vector<int64_t> out;
    for (int round = 0; round < 3; ++round) {
      for (const char* slug : {"a", "b", "c"}) {
        SimTenant& t = *fleet.Find(slug);
        out.push_back(fleet.StartDeploy(t, Order("v", round))->duration.count());
        t.FinishDeploy(At(0));
      }
    }
    return out;
  };
  EXPECT_EQ(durations(1), durations(1));
  EXPECT_NE(durations(1), durations(2));
}

TEST(FleetSnapshotTest, SnapshotsFollowTheConfiguredSlugOrder) {
  Fleet fleet(FleetConfig{.slugs = {"zeta", "alpha"},
                          .initial_image = kInitial,
                          .initial_sha = "0",
                          .timing = DeployTiming::Fixed(1),
                          .seed = 0});
  std::vector<TenantSnapshot> all = fleet.SnapshotAll();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].slug, "zeta");
  EXPECT_EQ(all[1].slug, "alpha");
}

}  // namespace
}  // namespace rollcall::sim
