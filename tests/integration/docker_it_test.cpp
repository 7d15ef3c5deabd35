// The docker driver on a real container engine (podman's Docker API): a
// fleet of busybox tenants rolled from v1 to v2 by rollcalld and by the
// agent's docker mode, an unhealthy release rolled back, a missing image
// changing nothing, and rollcalld killed mid-swap, then resumed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>

#include <functional>
#include <set>

#include "docker/docker_driver.h"

#include "podman_host.h"
#include "stack.h"

namespace rollcall::it {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr const char* kAgentToken = "docker-it-agent-token";

struct TenantBox {
  std::string slug;
  std::string container;
  int port = 0;
  std::string id;  // the container's id before the rollout
};

class DockerIt : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { host_ = new Result<std::unique_ptr<PodmanHost>>(PodmanHost::Start()); }
  static void TearDownTestSuite() {
    delete host_;
    host_ = nullptr;
  }

  void SetUp() override {
    ROLLCALL_REQUIRE_PODMAN_OR_SKIP(*host_);
    podman_ = host_->value().get();
    ASSERT_TRUE(podman_->CreateVolume(Name("data-t0")).ok());
  }
  void TearDown() override {
    if (podman_) podman_->RemoveTestContainers();
  }

  std::string Name(const std::string& what) const { return fmt::format("rcit-{}-{}", getpid(), what); }

  // Starts `n` tenant containers on v1 (t0 with a kept sidecar and its volume).
  std::vector<TenantBox> MakeFleet(int n) {
    std::vector<TenantBox> fleet;
    for (int i = 0; i < n; ++i) {
      TenantBox t;
      t.slug = fmt::format("t{}", i);
      t.container = Name(t.slug);
      Result<int> port = FreeLoopbackPort();
      EXPECT_TRUE(port.ok());
      t.port = *port;
      Result<std::string> id = podman_->RunContainer(
          t.container, podman_->Image("v1"), {fmt::format("PORT={}", t.port), "TENANT=" + t.slug},
          {{"rollcall.tenant", t.slug}, {"team", "payments"}});
      EXPECT_TRUE(id.ok()) << id.status().message();
      t.id = id.ok() ? *id : "";
      fleet.push_back(t);
    }
    Result<std::string> sidecar = podman_->RunContainer(
        Name("db-t0"), podman_->Image("v1"), {}, {{"rollcall.sidecar", "t0"}},
        {"/bin/busybox", "sh", "-c", "echo kept > /data/marker; exec /bin/busybox sleep 3600"},
        {Name("data-t0") + ":/data"});
    EXPECT_TRUE(sidecar.ok()) << sidecar.status().message();
    for (const TenantBox& t : fleet) EXPECT_TRUE(WaitHealthy(t)) << t.slug << " never served /healthz";
    return fleet;
  }

  bool WaitHealthy(const TenantBox& t) {
    return PollUntil([&] { return ProbeHealthUrl(HealthUrl(t), 1s).healthy; }, After(30s));
  }

  static std::string HealthUrl(const TenantBox& t) { return fmt::format("http://127.0.0.1:{}/healthz", t.port); }

  Json DockerTenant(const TenantBox& t) {
    return {{"base_url", fmt::format("http://127.0.0.1:{}", t.port)},
            {"driver", "docker"},
            {"docker",
             {{"host", podman_->socket_url()},
              {"container", Name("{slug}")},
              {"keep", {Name("db-{slug}"), Name("data-{slug}")}},
              {"stop_grace_s", 1}}}};
  }

  static void Register(Stack& s, const std::string& slug, const Json& tenant) {
    HttpReply r = s.Send("PUT", "/v1/tenants/" + slug, tenant.dump(), BearerHeader(kAdmin));
    ASSERT_TRUE(r.status == 200 || r.status == 201) << r.body;
  }

  static std::string Rollout(const std::string& tag, const Json& policy, int seq) {
    const AppVersion& v = Version(tag);
    return Json{{"release", {{"tag", tag}, {"git_sha", v.tag == tag ? v.git_sha : "9999999eeee"}, {"seq", seq}}},
                {"policy", policy}}
        .dump();
  }

  Json Inspect(const std::string& name) {
    Result<Json> c = podman_->engine().InspectContainer(name);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? *c : Json::object();
  }

  // The tenant's containers now: exactly one, never an aside.
  void ExpectOneContainerOn(const TenantBox& t, const std::string& tag) {
    std::vector<std::string> names = podman_->NamesWith("rollcall.tenant=" + t.slug);
    std::vector<std::string> mine;
    for (const std::string& n : names) {
      if (n.rfind(Name(""), 0) == 0) mine.push_back(n);
    }
    EXPECT_EQ(mine, std::vector<std::string>{t.container}) << t.slug;
    Json c = Inspect(t.container);
    EXPECT_EQ(c["Config"]["Image"], podman_->Image(tag)) << t.slug;
    EXPECT_TRUE(c["State"]["Running"].get<bool>()) << t.slug;
  }

  void ExpectSidecarUntouched(const std::string& sidecar_id, const std::string& started_at) {
    Json db = Inspect(Name("db-t0"));
    EXPECT_EQ(db["Id"], sidecar_id);
    EXPECT_EQ(db["State"]["StartedAt"], started_at);
    EXPECT_TRUE(db["State"]["Running"].get<bool>());
    EXPECT_EQ(podman_->Get("/volumes/" + Name("data-t0")).first, 200);
  }

  static Result<std::unique_ptr<PodmanHost>>* host_;
  PodmanHost* podman_ = nullptr;
};

Result<std::unique_ptr<PodmanHost>>* DockerIt::host_ = nullptr;

// ---- rollcalld's docker driver ------------------------------------------

TEST_F(DockerIt, RollsTheFleetToV2WithTheEnginesProofKeepingConfigurationAndTheSidecar) {
  std::vector<TenantBox> fleet = MakeFleet(5);
  Stack s({.tenants = 0, .image_repo = podman_->repo()});
  std::map<std::string, Json> before;
  for (const TenantBox& t : fleet) {
    Register(s, t.slug, DockerTenant(t));
    before[t.slug] = Inspect(t.container);
  }
  const Json db = Inspect(Name("db-t0"));

  Json r = s.WaitFinished(s.StartRollout(Rollout("v2", {{"max_parallel", 5}, {"canary", {"t0"}}, {"per_tenant_timeout_s", 60}}, 2)), After(240s));
  EXPECT_EQ(r["state"], "succeeded") << r.dump();
  for (const TenantBox& t : fleet) {
    const Json* row = RowOf(r, t.slug);
    ASSERT_NE(row, nullptr) << t.slug;
    EXPECT_EQ((*row)["status"], "Success") << row->dump();
    EXPECT_TRUE((*row)["verified_on_target"].get<bool>()) << row->dump();
    EXPECT_EQ((*row)["running_image"], podman_->Image("v2"));
    ExpectOneContainerOn(t, "v2");
    const Json after = Inspect(t.container);
    const Json& was = before[t.slug];
    EXPECT_NE(after["Id"], was["Id"]);  // recreated, not restarted
    for (const std::string& env : {fmt::format("PORT={}", t.port), "TENANT=" + t.slug}) {
      EXPECT_THAT(after["Config"]["Env"].get<std::vector<std::string>>(), ::testing::Contains(env));
    }
    EXPECT_EQ(after["Config"]["Labels"]["rollcall.tenant"], t.slug);
    EXPECT_EQ(after["Config"]["Labels"]["team"], "payments");
    EXPECT_EQ(after["HostConfig"]["RestartPolicy"], was["HostConfig"]["RestartPolicy"]);
    EXPECT_EQ(after["HostConfig"]["ExtraHosts"], was["HostConfig"]["ExtraHosts"]);
    EXPECT_EQ(after["HostConfig"]["NetworkMode"], "host");
    EXPECT_TRUE(ProbeHealthUrl(HealthUrl(t), 5s).healthy);
  }
  ExpectSidecarUntouched(db["Id"], db["State"]["StartedAt"]);
}

TEST_F(DockerIt, AReleaseThatNeverTurnsHealthyIsRolledBackAndTheRowSaysSo) {
  std::vector<TenantBox> fleet = MakeFleet(2);
  Stack s({.tenants = 0, .image_repo = podman_->repo()});
  for (const TenantBox& t : fleet) Register(s, t.slug, DockerTenant(t));

  Json r = s.WaitFinished(
      s.StartRollout(Rollout("sick", {{"canary", {"t0"}}, {"per_tenant_timeout_s", 8}, {"health_timeout_s", 2}}, 3)),
      After(120s));
  EXPECT_EQ(r["state"], "failed") << r.dump();
  const Json* row = RowOf(r, "t0");
  ASSERT_NE(row, nullptr) << r.dump();
  EXPECT_EQ((*row)["status"], "Failed") << row->dump();
  EXPECT_THAT((*row)["error"].get<std::string>(), HasSubstr("rolled back to " + podman_->Image("v1")));
  EXPECT_THAT((*row)["error"].get<std::string>(), HasSubstr("health gate"));
  ExpectOneContainerOn(fleet[0], "v1");
  EXPECT_TRUE(ProbeHealthUrl(HealthUrl(fleet[0]), 5s).healthy);
  EXPECT_EQ(Inspect(fleet[1].container)["Id"], fleet[1].id);  // the canary stopped the fleet
}

TEST_F(DockerIt, AnImageTheRegistryDoesNotHaveChangesNothing) {
  std::vector<TenantBox> fleet = MakeFleet(1);
  Stack s({.tenants = 0, .image_repo = podman_->repo()});
  Register(s, "t0", DockerTenant(fleet[0]));

  Json r = s.WaitFinished(s.StartRollout(Rollout("never-pushed", {{"max_stragglers", 0}, {"per_tenant_timeout_s", 60}}, 4)), After(120s));
  EXPECT_EQ(r["state"], "failed") << r.dump();
  const Json* row = RowOf(r, "t0");
  ASSERT_NE(row, nullptr) << r.dump();
  EXPECT_EQ((*row)["status"], "Failed");
  EXPECT_THAT((*row)["error"].get<std::string>(), HasSubstr("pull " + podman_->Image("never-pushed")));
  EXPECT_THAT((*row)["error"].get<std::string>(), HasSubstr("nothing changed"));
  const Json c = Inspect(fleet[0].container);
  EXPECT_EQ(c["Id"], fleet[0].id);
  EXPECT_EQ(c["State"]["StartedAt"], Inspect(fleet[0].container)["State"]["StartedAt"]);
  ExpectOneContainerOn(fleet[0], "v1");
}

// rollcalld is killed at two points of the swaps — right after an old
// container was renamed aside (its stop may be under way), and while the new
// containers sit in their health gate — then started again.
TEST_F(DockerIt, Kill9OfRollcalldMidSwapThenResumeLeavesOneContainerPerTenantOnTarget) {
  auto aside_exists = [&] {
    for (const std::string& n : podman_->NamesWith(podman_->test_label())) {
      if (n.ends_with("-rollcall-previous")) return true;
    }
    return false;
  };
  auto new_container_gating = [&] {
    for (const std::string& n : podman_->NamesWith(podman_->test_label())) {
      Result<Json> c = podman_->engine().InspectContainer(n);
      if (c.ok() && (*c)["Config"]["Image"] == podman_->Image("slow") && (*c)["State"]["Running"] == true) return true;
    }
    return false;
  };
  int seq = 5;
  for (const auto& [point, reached] : {std::pair{"just after a rename aside", std::function<bool()>(aside_exists)},
                                       std::pair{"during the health gate", std::function<bool()>(new_container_gating)}}) {
    SCOPED_TRACE(point);
    podman_->RemoveTestContainers();
    ASSERT_TRUE(podman_->CreateVolume(Name("data-t0")).ok());
    std::vector<TenantBox> fleet = MakeFleet(3);
    Stack s({.tenants = 0, .image_repo = podman_->repo()});
    for (const TenantBox& t : fleet) Register(s, t.slug, DockerTenant(t));
    // "slow" serves only 4 s after it starts: the swaps sit in their health
    // gate, old containers aside.
    const std::string id = s.StartRollout(Rollout("slow", {{"max_parallel", 3}, {"per_tenant_timeout_s", 60}}, seq++));
    ASSERT_TRUE(PollUntil(reached, After(60s)));
    s.Kill9Server();
    s.StartServer();
    Json r = s.WaitFinished(id, After(240s));
    EXPECT_EQ(r["state"], "succeeded") << r.dump();
    for (const TenantBox& t : fleet) {
      EXPECT_EQ(StatusOf(r, t.slug), "Success") << r.dump();
      ExpectOneContainerOn(t, "slow");
    }
  }
}

// ---- the agent's docker mode ----------------------------------------------

TEST_F(DockerIt, TheAgentsDockerModeSwapsItsContainerAndProvesItFromTheEngine) {
  std::vector<TenantBox> fleet = MakeFleet(2);
  const Json db = Inspect(Name("db-t0"));
  Stack s({.tenants = 0, .image_repo = podman_->repo(), .server_args = {"--agent-token", kAgentToken}});
  std::vector<std::unique_ptr<ChildProcess>> agents;
  for (const TenantBox& t : fleet) {
    auto agent = ChildProcess::Start({ROLLCALL_AGENT_BIN, "--listen", "127.0.0.1:0", "--docker-container", t.container,
                                      "--docker-host", podman_->socket_url(), "--docker-health-url", HealthUrl(t),
                                      "--docker-keep", Name("db-" + t.slug), "--docker-stop-grace", "1",
                                      "--docker-health-timeout", "4"},
                                     {{"ROLLCALL_AGENT_TOKEN", kAgentToken}});
    ASSERT_TRUE(agent.ok()) << agent.status().message();
    Result<Endpoint> at = WaitForListening(**agent, After(30s));
    ASSERT_TRUE(at.ok()) << at.status().message();
    Register(s, t.slug,
             {{"base_url", fmt::format("http://127.0.0.1:{}", t.port)}, {"driver", "agent"}, {"agent_url", at->Url()}});
    agents.push_back(std::move(agent).value());
  }
  Json r = s.WaitFinished(s.StartRollout(Rollout("v2", {{"max_parallel", 2}, {"per_tenant_timeout_s", 60}}, 2)), After(240s));
  EXPECT_EQ(r["state"], "succeeded") << r.dump();
  for (const TenantBox& t : fleet) {
    EXPECT_EQ(StatusOf(r, t.slug), "Success") << r.dump();
    EXPECT_EQ((*RowOf(r, t.slug))["running_image"], podman_->Image("v2"));
    ExpectOneContainerOn(t, "v2");
    EXPECT_THAT(Inspect(t.container)["Config"]["Env"].get<std::vector<std::string>>(),
                ::testing::Contains("TENANT=" + t.slug));
  }
  ExpectSidecarUntouched(db["Id"], db["State"]["StartedAt"]);

  // An unhealthy release through the agent: back on v2, the row says so.
  r = s.WaitFinished(s.StartRollout(Rollout("sick", {{"canary", {"t0"}}, {"per_tenant_timeout_s", 30}}, 3)), After(120s));
  EXPECT_EQ(r["state"], "failed") << r.dump();
  EXPECT_THAT((*RowOf(r, "t0"))["error"].get<std::string>(), HasSubstr("rolled back to " + podman_->Image("v2")));
  ExpectOneContainerOn(fleet[0], "v2");
}

}  // namespace
}  // namespace rollcall::it
