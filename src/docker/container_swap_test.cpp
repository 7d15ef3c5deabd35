// The swap against an in-memory engine: every step, every failure, and a
// deployer killed between any two steps (and again during the undo).
#include "docker/container_swap.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "docker/fake_engine.h"

namespace rollcall {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kV1 = "reg.test/app:v1";
constexpr const char* kV2 = "reg.test/app:v2";

class ContainerSwapTest : public ::testing::Test {
 protected:
  void SetUp() override { Reset(engine_); }

  static void Reset(FakeEngine& engine) {
    engine.AddImage(kV1, "sha256:1111");
    engine.registry[kV1] = "sha256:1111";
    engine.registry[kV2] = "sha256:2222";
    FakeEngine::Container c;
    c.image = kV1;
    c.image_id = "sha256:1111";
    c.running = true;
    c.status = "running";
    c.config = {{"Env", {"PATH=/bin", "TENANT=acme"}}, {"Labels", {{"rollcall.tenant", "acme"}}}};
    c.host_config = {{"NetworkMode", "host"}, {"RestartPolicy", {{"Name", "unless-stopped"}}},
                     {"ExtraHosts", {"db:10.0.0.9"}}};
    engine.AddContainer("t-acme", c);
    FakeEngine::Container db;
    db.image = "reg.test/postgres:15";
    db.image_id = "sha256:dbdb";
    db.running = true;
    db.status = "running";
    db.config = {{"Labels", {{"rollcall.tenant", "acme"}}}};
    engine.AddContainer("db-acme", db);
  }

  static SwapRequest Request(const std::string& image = kV2) {
    SwapRequest req;
    req.target.container = "t-acme";
    req.target.keep = {"db-acme"};
    req.image = image;
    req.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    req.health_interval = std::chrono::milliseconds(1);
    return req;
  }

  static void ExpectOnlyOne(const FakeEngine& engine, const std::string& image) {
    EXPECT_THAT(engine.Names(), ElementsAre("db-acme", "t-acme"));
    std::optional<FakeEngine::Container> t = engine.Get("t-acme");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->image, image);
    EXPECT_TRUE(t->running);
    EXPECT_TRUE(engine.Get("db-acme")->running);
  }

  FakeEngine engine_;
};

TEST_F(ContainerSwapTest, SwapsInOrderKeepingTheConfigurationAndProvesTheImage) {
  ContainerSwap swap(engine_);
  DeployOutcome out = swap.Deploy(Request());
  ASSERT_EQ(out.exit_code, 0) << out.error;
  EXPECT_EQ(out.running_image, kV2);
  EXPECT_THAT(engine_.Calls(),
              ElementsAre("pull reg.test/app:v2", "rename t-acme t-acme-rollcall-previous",
                          "stop t-acme-rollcall-previous", "create t-acme", "start t-acme",
                          "remove t-acme-rollcall-previous"));
  ExpectOnlyOne(engine_, kV2);
  FakeEngine::Container t = *engine_.Get("t-acme");
  EXPECT_EQ(t.image_id, "sha256:2222");
  EXPECT_EQ(t.config["Env"], Json({"TENANT=acme"}));  // PATH came from the old image
  EXPECT_EQ(t.config["Labels"]["rollcall.tenant"], "acme");
  EXPECT_EQ(t.host_config["RestartPolicy"]["Name"], "unless-stopped");
  EXPECT_EQ(t.host_config["ExtraHosts"], Json({"db:10.0.0.9"}));
  EXPECT_THAT(out.output, HasSubstr("renamed t-acme to t-acme-rollcall-previous"));
}

TEST_F(ContainerSwapTest, AFailedPullChangesNothing) {
  ContainerSwap swap(engine_);
  DeployOutcome out = swap.Deploy(Request("reg.test/app:missing"));
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_THAT(out.error, HasSubstr("pull reg.test/app:missing"));
  EXPECT_THAT(out.error, HasSubstr("nothing changed"));
  EXPECT_THAT(engine_.Calls(), ElementsAre("pull reg.test/app:missing"));
  ExpectOnlyOne(engine_, kV1);
}

TEST_F(ContainerSwapTest, ANewContainerThatExitsIsRolledBack) {
  engine_.crashing_images.insert("sha256:2222");
  ContainerSwap swap(engine_);
  DeployOutcome out = swap.Deploy(Request());
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_THAT(out.error, HasSubstr("the new container exited"));
  EXPECT_THAT(out.error, HasSubstr("rolled back to reg.test/app:v1"));
  ExpectOnlyOne(engine_, kV1);
  EXPECT_EQ(engine_.Get("t-acme")->image_id, "sha256:1111");
}

TEST_F(ContainerSwapTest, AHealthGateThatNeverPassesRollsBackAtTheDeadline) {
  ContainerSwap swap(engine_);
  SwapRequest req = Request();
  req.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  int probes = 0;
  req.health = [&](Duration) {
    ++probes;
    return HealthAnswer{false, "HTTP 503"};
  };
  DeployOutcome out = swap.Deploy(req);
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_THAT(out.error, HasSubstr("health gate: not healthy in time: HTTP 503; rolled back to reg.test/app:v1"));
  EXPECT_GE(probes, 1);
  ExpectOnlyOne(engine_, kV1);
}

TEST_F(ContainerSwapTest, AHealthyProbePassesTheGate) {
  ContainerSwap swap(engine_);
  SwapRequest req = Request();
  int probes = 0;
  req.health = [&](Duration) { return HealthAnswer{++probes >= 3, "HTTP 503"}; };
  DeployOutcome out = swap.Deploy(req);
  EXPECT_EQ(out.exit_code, 0) << out.error;
  EXPECT_EQ(probes, 3);
  ExpectOnlyOne(engine_, kV2);
}

TEST_F(ContainerSwapTest, ACancelDuringTheGateRollsBack) {
  ContainerSwap swap(engine_);
  SwapRequest req = Request();
  req.health = [&](Duration) {
    swap.Cancel();
    return HealthAnswer{false, "starting"};
  };
  DeployOutcome out = swap.Deploy(req);
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_THAT(out.error, HasSubstr("cancelled during the health gate; rolled back to reg.test/app:v1"));
  ExpectOnlyOne(engine_, kV1);
}

TEST_F(ContainerSwapTest, AContainerAlreadyOnTheTargetIsNotSwapped) {
  engine_.AddImage(kV2, "sha256:2222");
  ContainerSwap first(engine_);
  ASSERT_EQ(first.Deploy(Request()).exit_code, 0);
  const size_t calls = engine_.Calls().size();
  ContainerSwap again(engine_);
  DeployOutcome out = again.Deploy(Request());
  EXPECT_EQ(out.exit_code, 0) << out.error;
  EXPECT_EQ(out.running_image, kV2);
  EXPECT_EQ(engine_.Calls().size(), calls + 1);  // the pull only
  EXPECT_THAT(out.output, HasSubstr("already runs"));
}

TEST_F(ContainerSwapTest, KeepIsNeverTouchedAndALabelMustMarkOneContainer) {
  SwapRequest by_label = Request();
  by_label.target.container.clear();
  by_label.target.select_label = "rollcall.tenant=acme";  // marks t-acme and db-acme; db-acme is kept
  ContainerSwap swap(engine_);
  DeployOutcome out = swap.Deploy(by_label);
  ASSERT_EQ(out.exit_code, 0) << out.error;
  ExpectOnlyOne(engine_, kV2);
  for (const std::string& call : engine_.Calls()) EXPECT_THAT(call, ::testing::Not(HasSubstr("db-acme")));

  by_label.target.keep.clear();
  ContainerSwap unkept(engine_);
  out = unkept.Deploy(by_label);
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_THAT(out.error, HasSubstr("marks 2 containers (db-acme, t-acme)"));

  SwapRequest kept = Request();
  kept.target.container = "db-acme";
  ContainerSwap refused(engine_);
  out = refused.Deploy(kept);
  EXPECT_THAT(out.error, HasSubstr("container db-acme is in keep"));
  EXPECT_EQ(engine_.Get("db-acme")->image, "reg.test/postgres:15");
}

TEST_F(ContainerSwapTest, AMissingContainerIsAFailureThatChangesNothing) {
  SwapRequest req = Request();
  req.target.container = "t-ghost";
  ContainerSwap swap(engine_);
  DeployOutcome out = swap.Deploy(req);
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_THAT(out.error, HasSubstr("no such container: t-ghost"));
  EXPECT_TRUE(engine_.Calls().empty());
}

TEST_F(ContainerSwapTest, AnUnreachableEngineIsNotAnExitCode) {
  engine_.die_after = 0;
  ASSERT_FALSE(engine_.Pull("x", "", Duration(0)).ok());  // dies
  ContainerSwap swap(engine_);
  DeployOutcome out = swap.Deploy(Request());
  EXPECT_FALSE(out.exit_code.has_value());
  EXPECT_THAT(out.error, HasSubstr("connection refused"));
}

TEST_F(ContainerSwapTest, TheRegistryAuthReachesThePull) {
  SwapRequest req = Request();
  req.registry_auth = "eyJ1c2VybmFtZSI6InUifQ==";
  ContainerSwap swap(engine_);
  ASSERT_EQ(swap.Deploy(req).exit_code, 0);
  EXPECT_EQ(engine_.last_registry_auth, req.registry_auth);
}

// The deployer dies after `k` state changes, for every k the swap makes,
// and then again after `j` state changes of the resume: whatever the
// moment, an inspect afterwards finds exactly one tenant container, running,
// and a new deploy lands it on the target.
TEST_F(ContainerSwapTest, AKillBetweenAnyTwoStepsIsUndoneOnResume) {
  FakeEngine probe;
  Reset(probe);
  probe.crashing_images.insert("sha256:2222");  // the longest path: swap, then undo
  ContainerSwap measure(probe);
  ASSERT_EQ(measure.Deploy(Request()).exit_code, 1);
  const int steps = probe.mutating_calls();
  ASSERT_GE(steps, 8);

  for (int k = 0; k <= steps; ++k) {
    for (int j = 0; j <= 4; ++j) {
      SCOPED_TRACE(::testing::Message() << "killed after " << k << " steps, resume killed after " << j);
      FakeEngine engine;
      Reset(engine);
      engine.crashing_images.insert("sha256:2222");
      engine.die_after = k;
      ContainerSwap killed(engine);
      killed.Deploy(Request());
      engine.Revive();
      engine.die_after = engine.mutating_calls() + j;  // the resume dies too
      ContainerSwap interrupted_resume(engine);
      interrupted_resume.Inspect(Request().target);
      engine.Revive();
      ContainerSwap resume(engine);
      InspectOutcome seen = resume.Inspect(Request().target);
      EXPECT_EQ(seen.error, "");
      EXPECT_EQ(seen.running_image, kV1);
      ExpectOnlyOne(engine, kV1);
      engine.crashing_images.clear();
      ContainerSwap again(engine);
      DeployOutcome out = again.Deploy(Request());
      EXPECT_EQ(out.exit_code, 0) << out.error;
      EXPECT_EQ(out.running_image, kV2);
      ExpectOnlyOne(engine, kV2);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

// Killed while the old container was still stopping: the engine refuses to
// start it until the stop is through.
TEST_F(ContainerSwapTest, AnOldContainerStillStoppingIsStoppedThenStartedAgain) {
  FakeEngine::Container old = *engine_.Get("t-acme");
  old.status = "stopping";
  ASSERT_TRUE(engine_.Remove("t-acme").ok());
  engine_.AddContainer("t-acme-rollcall-previous", old);
  ContainerSwap swap(engine_);
  InspectOutcome seen = swap.Inspect(Request().target);
  EXPECT_EQ(seen.error, "");
  EXPECT_EQ(seen.running_image, kV1);
  ExpectOnlyOne(engine_, kV1);
}

TEST_F(ContainerSwapTest, TheHealthTimeoutEndsTheGateBeforeTheDeadline) {
  ContainerSwap swap(engine_);
  SwapRequest req = Request();  // a 30 s deadline
  req.health_timeout = std::chrono::milliseconds(20);
  req.health = [](Duration) { return HealthAnswer{false, "HTTP 404"}; };
  DeployOutcome out = swap.Deploy(req);
  EXPECT_THAT(out.error, HasSubstr("not healthy in time: HTTP 404; rolled back"));
  ExpectOnlyOne(engine_, kV1);
}

TEST_F(ContainerSwapTest, InspectReadsTheProofFromTheEngine) {
  ContainerSwap swap(engine_);
  InspectOutcome out = swap.Inspect(Request().target);
  EXPECT_EQ(out.running_image, kV1);
  EXPECT_EQ(out.error, "");
  // The tag moved on since the container was created: it runs something
  // the reference no longer names.
  engine_.AddImage(kV1, "sha256:9999");
  EXPECT_EQ(swap.Inspect(Request().target).running_image, "reg.test/app:v1@sha256:1111");
  ASSERT_TRUE(engine_.Stop("t-acme", 0).ok());
  InspectOutcome stopped = swap.Inspect(Request().target);
  EXPECT_EQ(stopped.running_image, "");
  EXPECT_THAT(stopped.error, HasSubstr("container t-acme is not running (exited)"));
}

}  // namespace
}  // namespace rollcall
