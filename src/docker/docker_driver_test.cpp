// The docker driver around the swap: templates, worker threads, the
// tenant's /healthz as the gate, and no inspect beside a running swap.
#include "docker/docker_driver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>

#include "docker/curl_engine.h"
#include "docker/fake_engine.h"

namespace rollcall {
namespace {

using ::testing::HasSubstr;

class DockerDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_->registry["reg.test/app:v2"] = "sha256:2222";
    engine_->AddImage("reg.test/app:v1", "sha256:1111");
    FakeEngine::Container c;
    c.image = "reg.test/app:v1";
    c.image_id = "sha256:1111";
    c.running = true;
    c.status = "running";
    engine_->AddContainer("mol-tenant-acme", c);
    tenant_.slug = "acme";
    tenant_.base_url = "http://acme.test:8080";
    tenant_.driver = DriverKind::kDocker;
    tenant_.docker.host = "unix:///run/docker.sock";
    tenant_.docker.container = "mol-tenant-{slug}";
  }

  DockerDriverOptions Options() {
    DockerDriverOptions o;
    o.health_interval = std::chrono::milliseconds(1);
    o.registry_username = "ci";
    o.registry_password = "pw";
    o.probe = [this](const std::string& url, Duration) {
      std::lock_guard lock(mu_);
      probed_.push_back(url);
      return HealthAnswer{healthy_, "HTTP 503"};
    };
    return o;
  }

  EngineFactory Factory() {
    return [engine = engine_](const DockerSettings&, Duration) {
      struct Borrowed : DockerEngine {
        explicit Borrowed(std::shared_ptr<FakeEngine> e) : e(std::move(e)) {}
        Result<Json> InspectContainer(const std::string& n) override { return e->InspectContainer(n); }
        Result<Json> InspectImage(const std::string& r) override { return e->InspectImage(r); }
        Result<std::vector<std::string>> NamesByLabel(const std::string& l) override { return e->NamesByLabel(l); }
        Status Pull(const std::string& i, const std::string& a, Duration t) override { return e->Pull(i, a, t); }
        Result<std::string> Create(const std::string& n, const Json& b) override { return e->Create(n, b); }
        Status Connect(const std::string& n, const std::string& c, const Json& x) override { return e->Connect(n, c, x); }
        Status Start(const std::string& n) override { return e->Start(n); }
        Status Stop(const std::string& n, int64_t g) override { return e->Stop(n, g); }
        Status Rename(const std::string& n, const std::string& m) override { return e->Rename(n, m); }
        Status Remove(const std::string& n) override { return e->Remove(n); }
        std::shared_ptr<FakeEngine> e;
      };
      return std::unique_ptr<DockerEngine>(new Borrowed(engine));
    };
  }

  DeployRequest Request() {
    DeployRequest req;
    req.rollout_id = "r1";
    req.tenant = tenant_;
    req.image = "reg.test/app:v2";
    req.timeout = std::chrono::seconds(10);
    return req;
  }

  template <typename Outcome>
  static Outcome Await(std::future<Outcome>& f) {
    EXPECT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    return f.get();
  }

  std::shared_ptr<FakeEngine> engine_ = std::make_shared<FakeEngine>();
  Tenant tenant_;
  std::mutex mu_;
  std::vector<std::string> probed_;
  bool healthy_ = true;
};

TEST_F(DockerDriverTest, DeploysThroughTheSwapGatedOnTheTenantsHealthz) {
  DockerDriver driver(Options(), Factory());
  std::promise<DeployOutcome> p;
  std::future<DeployOutcome> f = p.get_future();
  driver.Deploy(Request(), [&](DeployOutcome o) { p.set_value(std::move(o)); });
  DeployOutcome out = Await(f);
  EXPECT_EQ(out.exit_code, 0) << out.error;
  EXPECT_EQ(out.running_image, "reg.test/app:v2");
  EXPECT_EQ(probed_.front(), "http://acme.test:8080/healthz");
  EXPECT_EQ(engine_->Get("mol-tenant-acme")->image, "reg.test/app:v2");
  EXPECT_EQ(engine_->last_registry_auth, RegistryAuthHeader("ci", "pw", "reg.test"));
}

TEST_F(DockerDriverTest, AnUnhealthyTenantIsRolledBackBeforeTheDeployTimeout) {
  healthy_ = false;
  DockerDriver driver(Options(), Factory());
  std::promise<DeployOutcome> p;
  std::future<DeployOutcome> f = p.get_future();
  DeployRequest req = Request();
  req.timeout = std::chrono::milliseconds(100);
  driver.Deploy(req, [&](DeployOutcome o) { p.set_value(std::move(o)); });
  DeployOutcome out = Await(f);
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_THAT(out.error, HasSubstr("rolled back to reg.test/app:v1"));
  EXPECT_EQ(engine_->Get("mol-tenant-acme")->image, "reg.test/app:v1");
}

TEST_F(DockerDriverTest, InspectReadsTheEngineAndATemplateThatBreaksANameIsAnError) {
  DockerDriver driver(Options(), Factory());
  std::promise<InspectOutcome> p;
  std::future<InspectOutcome> f = p.get_future();
  driver.Inspect(tenant_, [&](InspectOutcome o) { p.set_value(std::move(o)); });
  EXPECT_EQ(Await(f).running_image, "reg.test/app:v1");

  Tenant bad = tenant_;
  bad.docker.container = "t-{site}";
  bad.vars["site"] = "a b";
  std::promise<InspectOutcome> q;
  std::future<InspectOutcome> g = q.get_future();
  driver.Inspect(bad, [&](InspectOutcome o) { q.set_value(std::move(o)); });
  EXPECT_THAT(Await(g).error, HasSubstr("docker.container: \"t-a b\" is not a Docker name"));
}

TEST_F(DockerDriverTest, AnInspectDuringASwapSaysDeployingAndACancelledSwapStillUndoes) {
  std::promise<void> gate_reached;
  std::shared_future<void> reached = gate_reached.get_future().share();
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  DockerDriverOptions o = Options();
  bool first = true;
  o.probe = [&](const std::string&, Duration) {
    if (first) {
      first = false;
      gate_reached.set_value();
      released.wait_for(std::chrono::seconds(30));
    }
    return HealthAnswer{false, "starting"};
  };
  auto driver = std::make_unique<DockerDriver>(o, Factory());
  bool deploy_done_called = false;
  CancelFn cancel = driver->Deploy(Request(), [&](DeployOutcome) { deploy_done_called = true; });
  ASSERT_EQ(reached.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  std::promise<InspectOutcome> p;
  std::future<InspectOutcome> f = p.get_future();
  driver->Inspect(tenant_, [&](InspectOutcome x) { p.set_value(std::move(x)); });
  InspectOutcome seen = Await(f);
  EXPECT_TRUE(seen.deploying);
  EXPECT_EQ(seen.running_image, "");
  cancel();
  release.set_value();
  driver.reset();  // joins the worker: the undo is through
  EXPECT_FALSE(deploy_done_called);
  EXPECT_EQ(engine_->Get("mol-tenant-acme")->image, "reg.test/app:v1");
  EXPECT_TRUE(engine_->Get("mol-tenant-acme")->running);
  EXPECT_FALSE(engine_->Get("mol-tenant-acme-rollcall-previous"));
}

TEST(DockerDriverBudgetTest, TheUndoKeepsAReserve) {
  using std::chrono::seconds;
  EXPECT_EQ(ForwardBudget(seconds(300)), seconds(270));
  EXPECT_EQ(ForwardBudget(seconds(60)), seconds(48));
  EXPECT_EQ(ForwardBudget(seconds(5)), seconds(3));
  EXPECT_EQ(ForwardBudget(seconds(2)), seconds(1));
}

}  // namespace
}  // namespace rollcall
