// The API logic on a real loop thread over the fake fleet and a memory store.
#include "server/control_plane.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <future>

#include "runtime/real_clock.h"
#include "store/memory_store.h"
#include "testing/engine_harness.h"
#include "testing/fake_fleet.h"

namespace rollcall {
namespace {

using ::testing::HasSubstr;

class ControlPlaneTest : public ::testing::Test {
 protected:
  ControlPlaneTest() {
    Policy defaults = EngineHarness::TestPolicy();
    defaults.health_interval_s = 0.01;
    defaults.soak_seconds = 0;
    plane = std::make_unique<ControlPlane>(clock, store, service, hub,
                                           ControlPlaneConfig{"repo", defaults});
  }
  ~ControlPlaneTest() override { clock.Stop(); }

  // The asynchronous calls, awaited (with a deadline) for the assertions.
  static ApiResponse Await(const std::function<void(Reply)>& call) {
    auto answer = std::make_shared<std::promise<ApiResponse>>();
    std::future<ApiResponse> future = answer->get_future();
    call([answer](ApiResponse r) { answer->set_value(std::move(r)); });
    if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      return ApiResponse{0, Json{{"error", "no answer within 30 s"}}};
    }
    return future.get();
  }
  ApiResponse Legacy(const std::string& body) {
    return Await([&](Reply r) { plane->LegacyRedeployFleet(body, std::move(r)); });
  }
  ApiResponse Control(const std::string& id, RolloutControl what) {
    return Await([&](Reply r) { plane->Control(id, what, std::move(r)); });
  }
  bool WaitForEnd(const std::string& id) {
    auto ended = std::make_shared<std::promise<bool>>();
    std::future<bool> future = ended->get_future();
    hub.WhenFinished(id, clock.Now() + std::chrono::seconds(30),
                     [ended](bool finished) { ended->set_value(finished); });
    return future.wait_for(std::chrono::seconds(40)) == std::future_status::ready && future.get();
  }

  void AddTenants(int n) {
    Json list = Json::array();
    for (int i = 0; i < n; ++i) {
      std::string slug = EngineHarness::Slug(i);
      list.push_back({{"slug", slug}, {"base_url", "http://h/" + slug}, {"driver", "agent"},
                      {"agent_url", "http://h/" + slug + "/agent"}});
      fleet.Set(slug, FakeTenant::Slow(std::chrono::milliseconds(1)));
    }
    ASSERT_EQ(plane->BulkTenants(Json{{"tenants", list}}.dump()).status, 200);
  }

  RealClock clock;
  FakeFleet fleet{clock};
  FakeDriver driver{fleet};
  FakeProber prober{fleet};
  MemoryStore store;
  EventHub hub{store, clock};
  EngineEnv env{clock, driver, prober, store, hub, "repo"};
  SequentialIds ids;
  RolloutService service{env, ids};
  std::unique_ptr<ControlPlane> plane;
};

TEST_F(ControlPlaneTest, TenantCrud) {
  ApiResponse put = plane->PutTenant("acme", R"({"base_url":"http://h","driver":"agent","agent_url":"http://a"})");
  EXPECT_EQ(put.status, 201);
  EXPECT_EQ(put.body["slug"], "acme");
  EXPECT_EQ(plane->PutTenant("acme", R"({"slug":"acme","base_url":"http://h2","driver":"agent","agent_url":"http://a"})").status, 200);
  EXPECT_EQ(plane->GetTenant("acme").body["base_url"], "http://h2");
  EXPECT_EQ(plane->PutTenant("acme", R"({"slug":"other","base_url":"http://h","driver":"agent","agent_url":"http://a"})").body["error"],
            "slug: does not match the path");
  EXPECT_EQ(plane->SetCordoned("acme", true).body["state"], "cordoned");
  EXPECT_EQ(plane->ListTenants().body["tenants"].size(), 1u);
  EXPECT_EQ(plane->DeleteTenant("acme").status, 200);
  EXPECT_EQ(plane->GetTenant("acme").status, 404);
  EXPECT_EQ(plane->DeleteTenant("acme").status, 404);
}

TEST_F(ControlPlaneTest, BulkIsAllOrNothing) {
  ApiResponse bad = plane->BulkTenants(R"({"tenants":[
      {"slug":"a","base_url":"http://h","driver":"agent","agent_url":"http://a"},
      {"slug":"B","base_url":"http://h","driver":"agent","agent_url":"http://a"}]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body["error"].get<std::string>(), HasSubstr("tenants[1].slug"));
  EXPECT_EQ(plane->ListTenants().body["tenants"].size(), 0u);
}

TEST_F(ControlPlaneTest, FreezeStopsNewRolloutsUntilUnfrozen) {
  AddTenants(2);
  EXPECT_EQ(plane->Fleet().body["freeze"], nullptr);
  EXPECT_EQ(plane->Freeze(R"({"reason":""})").status, 400);
  EXPECT_EQ(plane->Freeze(R"({})").status, 400);
  EXPECT_EQ(plane->Freeze(R"({"reason":"incident 42","until":"monday"})").status, 400);
  ApiResponse frozen = plane->Freeze(R"({"reason":"incident 42"})");
  ASSERT_EQ(frozen.status, 200) << frozen.body.dump();
  EXPECT_EQ(plane->Fleet().body["freeze"]["reason"], "incident 42");
  ApiResponse refused = plane->CreateRollout(R"({"release":{"tag":"v2","seq":2}})");
  EXPECT_EQ(refused.status, 409);
  EXPECT_THAT(refused.body["error"].get<std::string>(), HasSubstr("fleet frozen: incident 42"));
  ASSERT_EQ(plane->Unfreeze().status, 200);
  EXPECT_EQ(plane->Fleet().body["freeze"], nullptr);
  EXPECT_EQ(plane->CreateRollout(R"({"release":{"tag":"v2","seq":2}})").status, 202);
}

TEST_F(ControlPlaneTest, RolloutRunsInTheBackgroundAndFencesOlderReleases) {
  AddTenants(5);
  ApiResponse created = plane->CreateRollout(R"({"release":{"tag":"v2","seq":2}})");
  ASSERT_EQ(created.status, 202) << created.body.dump();
  const std::string id = created.body["id"];
  ASSERT_TRUE(WaitForEnd(id));
  ApiResponse got = plane->GetRollout(id);
  EXPECT_EQ(got.body["state"], "succeeded");
  EXPECT_EQ(got.body["results"].size(), 5u);

  ApiResponse older = plane->CreateRollout(R"({"release":{"tag":"v1","seq":1}})");
  EXPECT_EQ(older.status, 409);
  EXPECT_EQ(older.body["error"], "superseded");
  EXPECT_EQ(older.body["newer"]["tag"], "v2");
  EXPECT_EQ(older.body["newer"]["rollout_id"], id);
  ApiResponse legacy_older = Legacy(R"({"target_tag":"v1","confirm":true,"release_seq":1})");
  EXPECT_EQ(legacy_older.status, 409);
  EXPECT_EQ(legacy_older.body["ok"], false);
  EXPECT_EQ(legacy_older.body["error"], "superseded");
  EXPECT_EQ(legacy_older.body["results"], Json::array());

  ApiResponse fleet_view = plane->Fleet();
  EXPECT_EQ(fleet_view.body["summary"]["on_target"], 5);
  EXPECT_EQ(fleet_view.body["tenants"][0]["desired_image"], "repo:v2");
  EXPECT_THAT(plane->Metrics(), HasSubstr("rollcall_rollouts{state=\"succeeded\"} 1"));
  EXPECT_EQ(plane->ListRollouts("succeeded").body["rollouts"].size(), 1u);
  EXPECT_EQ(plane->ListRollouts("bogus").status, 400);
}

TEST_F(ControlPlaneTest, RolloutListingsAreNewestFirstPagedAndCountRows) {
  AddTenants(3);
  fleet.Set("t0001", FakeTenant::Stuck());
  std::vector<std::string> ids;
  for (int seq = 1; seq <= 3; ++seq) {
    ApiResponse created = plane->CreateRollout(
        fmt::format(R"({{"release":{{"tag":"v{0}","seq":{0}}},"policy":{{"max_stragglers":1}}}})", seq));
    ASSERT_EQ(created.status, 202) << created.body.dump();
    ids.push_back(created.body["id"]);
    ASSERT_TRUE(WaitForEnd(ids.back()));
  }
  ApiResponse first = plane->ListRollouts(std::nullopt, "2");
  ASSERT_EQ(first.status, 200) << first.body.dump();
  ASSERT_EQ(first.body["rollouts"].size(), 2u);
  EXPECT_EQ(first.body["rollouts"][0]["id"], ids[2]);
  EXPECT_EQ(first.body["rollouts"][0]["verified"], 2);
  EXPECT_EQ(first.body["rollouts"][0]["counts"]["OffTarget"], 1);
  EXPECT_EQ(first.body["rollouts"][0]["tenants"], 3);
  EXPECT_FALSE(first.body["rollouts"][0].contains("results"));
  EXPECT_EQ(first.body["next_cursor"], ids[1]);
  ApiResponse rest = plane->ListRollouts(std::nullopt, "2", first.body["next_cursor"].get<std::string>());
  ASSERT_EQ(rest.body["rollouts"].size(), 1u);
  EXPECT_EQ(rest.body["rollouts"][0]["id"], ids[0]);
  EXPECT_TRUE(rest.body["next_cursor"].is_null());
  EXPECT_EQ(plane->ListRollouts(std::nullopt, "0").status, 400);
  EXPECT_EQ(plane->ListRollouts(std::nullopt, "1001").status, 400);
  EXPECT_EQ(plane->ListRollouts(std::nullopt, std::nullopt, "r-nope").body["error"], "cursor: rollout r-nope not found");
}

TEST_F(ControlPlaneTest, BadRolloutRequestsAreFourHundreds) {
  AddTenants(1);
  EXPECT_EQ(plane->CreateRollout("{").status, 400);
  EXPECT_EQ(plane->CreateRollout(R"({"release":{"tag":"v1"},"x":1})").body["error"], "x: unknown field");
  EXPECT_EQ(plane->CreateRollout(R"({"release":{"tag":"v1"},"policy":{"only_slugs":["zz"]}})").body["error"],
            "policy.only_slugs: unknown tenant \"zz\"");
  EXPECT_EQ(plane->CreateRollout(R"({"release":{"tag":"v1","seq":1},"rollback":true})").status, 400);
  EXPECT_EQ(Control("r404", RolloutControl::kCancel).status, 404);
}

TEST_F(ControlPlaneTest, LegacyEndpointAnswersWhenTheRolloutEnds) {
  AddTenants(4);
  fleet.Set("t0002", FakeTenant::Stuck());
  ApiResponse ok = Legacy(R"({"target_tag":"v3","confirm":true,"batch_size":2,"max_stragglers":1})");
  EXPECT_EQ(ok.status, 200) << ok.body.dump();
  EXPECT_TRUE(ok.body["ok"]);
  EXPECT_EQ(ok.body["stragglers"], Json::array({"t0002"}));
  EXPECT_EQ(ok.body["results"][0]["phase"], "batch-1");
  ApiResponse strict = Legacy(R"({"target_tag":"v4","confirm":true,"batch_size":2})");
  EXPECT_EQ(strict.status, 500);
  EXPECT_FALSE(strict.body["ok"]);
  EXPECT_EQ(Legacy("").status, 400);
  EXPECT_EQ(Legacy(R"({"confirm":false})").status, 400);
  EXPECT_EQ(Legacy(R"({"only_slugs":[]})").status, 400);
}

}  // namespace
}  // namespace rollcall
