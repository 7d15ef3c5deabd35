#include "drivers/exec_driver.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "runtime/process_info.h"
#include "runtime/process_testing.h"

namespace rollcall {
namespace {

using namespace std::chrono_literals;
using testing::ReportFifo;
using testing::ScratchDir;
using testing::WaitForExit;
using testing::WaitForGroupExit;

constexpr auto kWait = 60s;  // generous bound on every wait; never reached when all is well
const std::string kImage = "registry.test/app:v42";

// Collects one callback's value; waits for it with a deadline.
template <typename T>
class Callback {
 public:
  std::function<void(T)> Fn() {
    return [this](T value) {
      thread_ = std::this_thread::get_id();
      promise_.set_value(std::move(value));
    };
  }
  std::optional<T> Wait(std::chrono::milliseconds wait = kWait) {
    if (future_.wait_for(wait) != std::future_status::ready) return std::nullopt;
    return future_.get();
  }
  bool Arrived() { return future_.wait_for(0s) == std::future_status::ready; }
  std::thread::id thread() const { return thread_; }

 private:
  std::promise<T> promise_;
  std::future<T> future_ = promise_.get_future();
  std::thread::id thread_;
};

class ExecDriverTest : public ::testing::Test {
 protected:
  DeployRequest Request(std::vector<std::string> deploy, std::vector<std::string> inspect = {}) {
    DeployRequest req;
    req.rollout_id = "r-1";
    req.tenant.slug = "acme";
    req.tenant.driver = DriverKind::kExec;
    req.tenant.exec = {std::move(deploy), std::move(inspect)};
    req.release.tag = "v42";
    req.release.seq = 42;
    req.image = kImage;
    req.timeout = 60s;
    return req;
  }

  DeployOutcome DeployAndWait(const DeployRequest& req) {
    Callback<DeployOutcome> done;
    CancelFn cancel = driver_->Deploy(req, done.Fn());
    std::optional<DeployOutcome> outcome = done.Wait();
    EXPECT_TRUE(outcome) << "deploy did not finish";
    EXPECT_NE(done.thread(), std::this_thread::get_id());
    return outcome.value_or(DeployOutcome{});
  }

  std::string Script(const std::string& name, const std::string& body) {
    return dir_.WriteScript(name, body);
  }

  ScratchDir dir_;
  std::unique_ptr<ExecDriver> driver_ = std::make_unique<ExecDriver>(
      ExecLimits{.inspect_timeout = 60s, .kill_grace = 1s, .output_limit = 64 * 1024});
};

TEST_F(ExecDriverTest, MarkerLineIsTheProofAndTheLastOneWins) {
  std::string deploy = Script("deploy", R"(
echo "pulling $1"
echo "ROLLCALL_RUNNING_IMAGE=registry.test/app:old"
echo "warning on stderr" >&2
echo "ROLLCALL_RUNNING_IMAGE=$1"
)");
  DeployOutcome outcome = DeployAndWait(Request({deploy, "{image}"}));
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.running_image, kImage);
  EXPECT_EQ(outcome.error, "");
  EXPECT_NE(outcome.output.find("pulling " + kImage), std::string::npos);
  EXPECT_NE(outcome.output.find("warning on stderr"), std::string::npos);
}

TEST_F(ExecDriverTest, LegacyMarkerAndEnvironmentAreAccepted) {
  std::string deploy = Script("deploy", "echo \"REDEPLOY_RUNNING_IMAGE=$ROLLCALL_IMAGE\"\n");
  DeployOutcome outcome = DeployAndWait(Request({deploy}));
  EXPECT_EQ(outcome.running_image, kImage);
}

TEST_F(ExecDriverTest, WithoutMarkerTheInspectOutputIsTheProof) {
  std::string deploy = Script("deploy", "echo deployed\n");
  std::string inspect = Script("inspect", "echo 'status: up'\necho \"  $1  \"\necho\necho\n");
  DeployOutcome outcome = DeployAndWait(Request({deploy}, {inspect, "{image}"}));
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.running_image, kImage);
}

TEST_F(ExecDriverTest, WithoutMarkerOrInspectThereIsNoProof) {
  std::string deploy = Script("deploy", "echo deployed\n");
  DeployOutcome outcome = DeployAndWait(Request({deploy}));
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.running_image, "");
  EXPECT_EQ(outcome.error, "");
}

TEST_F(ExecDriverTest, FailingInspectLeavesNoProofAndSaysWhy) {
  std::string deploy = Script("deploy", "echo deployed\n");
  std::string inspect = Script("inspect", "echo 'cannot reach docker' >&2; exit 4\n");
  DeployOutcome outcome = DeployAndWait(Request({deploy}, {inspect}));
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.running_image, "");
  EXPECT_NE(outcome.output.find("inspect command exited with code 4: cannot reach docker"),
            std::string::npos);
}

TEST_F(ExecDriverTest, FailedDeployReportsItsExitCodeAndSkipsInspect) {
  std::string deploy = Script("deploy", "echo 'disk full' >&2; exit 3\n");
  std::string marker = (dir_.path() / "inspected").string();
  std::string inspect = Script("inspect", "touch \"$1\"; echo x\n");
  DeployOutcome outcome = DeployAndWait(Request({deploy}, {inspect, marker}));
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.error, "");
  EXPECT_NE(outcome.output.find("disk full"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST_F(ExecDriverTest, VarsArePassedLiterallyAsOneArgument) {
  std::string victim = (dir_.path() / "x").string();
  std::string deploy = Script("deploy", "printf 'argc=%s\\n' \"$#\"; printf '[%s]\\n' \"$@\"\n");
  DeployRequest req = Request({deploy, "{note}", "{image}"});
  req.tenant.vars = {{"note", "; touch " + victim + " $(touch " + victim + ")"}};
  DeployOutcome outcome = DeployAndWait(req);
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.output,
            "argc=2\n[; touch " + victim + " $(touch " + victim + ")]\n[" + kImage + "]\n");
  EXPECT_FALSE(std::filesystem::exists(victim));
}

TEST_F(ExecDriverTest, UnknownPlaceholderIsAnError) {
  DeployOutcome outcome = DeployAndWait(Request({"echo", "{hots}"}));
  EXPECT_FALSE(outcome.exit_code);
  EXPECT_EQ(outcome.error, "exec.deploy: argv[1]: unknown placeholder {hots}");
}

TEST_F(ExecDriverTest, MissingProgramIsAnError) {
  DeployOutcome outcome = DeployAndWait(Request({(dir_.path() / "nope").string()}));
  EXPECT_FALSE(outcome.exit_code);
  EXPECT_NE(outcome.error.find("No such file or directory"), std::string::npos) << outcome.error;
}

// A deploy that reports "<its pid> <its child's pid>" to a FIFO, then hangs.
struct HangingDeploy {
  explicit HangingDeploy(const ScratchDir& dir)
      : fifo((dir.path() / "fifo").string()),
        script(dir.WriteScript("hang", "sleep 600 & echo \"$$ $!\" > \"$1\"; sleep 600\n")) {}

  // Waits for the report; the group id is the script's pid.
  bool ReadPids() {
    std::optional<std::string> line = fifo.ReadLine(kWait);
    if (!line) return false;
    std::istringstream(*line) >> group >> child;
    return group > 0 && child > 0;
  }
  // The child is killed with the group; it may still be dying when the
  // deploy ends (it closed its pipes), so wait for its exit, bounded.
  bool Gone() const { return WaitForExit(child, kWait) && WaitForGroupExit(group, kWait); }

  ReportFifo fifo;
  std::string script;
  pid_t group = 0;
  pid_t child = 0;
};

TEST_F(ExecDriverTest, TimeoutKillsTheProcessGroup) {
  HangingDeploy hang(dir_);
  DeployRequest req = Request({hang.script, hang.fifo.path()});
  req.timeout = 1s;
  DeployOutcome outcome = DeployAndWait(req);
  EXPECT_FALSE(outcome.exit_code);
  EXPECT_EQ(outcome.error, "deploy command timed out after 1s; its process group was killed");
  ASSERT_TRUE(hang.ReadPids());
  EXPECT_TRUE(hang.Gone());
}

TEST_F(ExecDriverTest, CancelKillsTheProcessGroupAndDropsTheCallback) {
  HangingDeploy hang(dir_);
  Callback<DeployOutcome> done;
  CancelFn cancel = driver_->Deploy(Request({hang.script, hang.fifo.path()}), done.Fn());
  ASSERT_TRUE(hang.ReadPids());
  cancel();
  cancel();         // idempotent
  driver_.reset();  // joins the worker: everything it would do is done
  EXPECT_TRUE(hang.Gone());
  EXPECT_FALSE(done.Arrived());
}

TEST_F(ExecDriverTest, DestructorCancelsRunningDeploys) {
  HangingDeploy hang(dir_);
  Callback<DeployOutcome> done;
  CancelFn cancel = driver_->Deploy(Request({hang.script, hang.fifo.path()}), done.Fn());
  ASSERT_TRUE(hang.ReadPids());
  driver_.reset();
  EXPECT_TRUE(hang.Gone());
  EXPECT_FALSE(done.Arrived());
  cancel();  // after the driver is gone: harmless
}

TEST_F(ExecDriverTest, InspectRunsTheInspectTemplate) {
  std::string inspect = Script("inspect", "echo \"registry.test/$1:v41\"\n");
  Tenant tenant = Request({}).tenant;
  tenant.exec.inspect = {inspect, "{slug}"};
  Callback<InspectOutcome> done;
  driver_->Inspect(tenant, done.Fn());
  std::optional<InspectOutcome> outcome = done.Wait();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->running_image, "registry.test/acme:v41");
  EXPECT_EQ(outcome->error, "");
  EXPECT_FALSE(outcome->release_seq);
}

TEST_F(ExecDriverTest, InspectWithoutTemplateIsAnError) {
  Callback<InspectOutcome> done;
  driver_->Inspect(Request({}).tenant, done.Fn());
  std::optional<InspectOutcome> outcome = done.Wait();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->error, "exec.inspect: not configured");
}

TEST_F(ExecDriverTest, ManyDeploysRunConcurrently) {
  std::string deploy = Script("deploy", "echo \"ROLLCALL_RUNNING_IMAGE=$1\"\n");
  constexpr int kDeploys = 8;
  std::vector<std::unique_ptr<Callback<DeployOutcome>>> callbacks;
  for (int i = 0; i < kDeploys; ++i) {
    callbacks.push_back(std::make_unique<Callback<DeployOutcome>>());
    DeployRequest req = Request({deploy, "{image}"});
    req.image = "registry.test/app:" + std::to_string(i);
    driver_->Deploy(req, callbacks.back()->Fn());
  }
  for (int i = 0; i < kDeploys; ++i) {
    std::optional<DeployOutcome> outcome = callbacks[i]->Wait();
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome->running_image, "registry.test/app:" + std::to_string(i));
  }
}

}  // namespace
}  // namespace rollcall

namespace rollcall {
namespace {

// The ledger the exec driver records process groups in; thread-safe.
class FakeLedger : public ProcessGroupLedger {
 public:
  Status RecordProcessGroup(const ProcessGroupRecord& r) override {
    std::lock_guard lock(mu_);
    records_[r.slug] = r;
    ++recorded_;
    return Status::Ok();
  }
  Result<std::optional<ProcessGroupRecord>> ProcessGroupOf(const std::string& slug) override {
    std::lock_guard lock(mu_);
    auto it = records_.find(slug);
    return it == records_.end() ? std::optional<ProcessGroupRecord>() : std::optional(it->second);
  }
  Status ClearProcessGroup(const std::string& slug, int64_t pgid) override {
    std::lock_guard lock(mu_);
    if (records_.count(slug) && records_[slug].pgid == pgid) records_.erase(slug);
    return Status::Ok();
  }
  int recorded() {
    std::lock_guard lock(mu_);
    return recorded_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, ProcessGroupRecord> records_;
  int recorded_ = 0;
};

TEST(ExecDriverLedgerTest, ADeploysProcessGroupIsRecordedWhileItRunsAndClearedOnceReaped) {
  ScratchDir dir;
  ReportFifo started((dir.path() / "started").string());
  ReportFifo release((dir.path() / "release").string());
  FakeLedger ledger;
  ExecDriver driver(ExecLimits{.kill_grace = 1s}, &ledger);
  DeployRequest req;
  req.rollout_id = "r-7";
  req.tenant.slug = "acme";
  req.tenant.exec.deploy = {dir.WriteScript("deploy", "echo $$ > " + started.path() + "; read _ < " +
                                                          release.path() + "; echo ROLLCALL_RUNNING_IMAGE=$1"),
                            "{image}"};
  req.image = kImage;
  req.timeout = 60s;
  std::promise<DeployOutcome> done;
  driver.Deploy(req, [&](DeployOutcome o) { done.set_value(std::move(o)); });
  std::optional<std::string> pid = started.ReadLine(kWait);
  ASSERT_TRUE(pid);
  std::optional<ProcessGroupRecord> rec = *ledger.ProcessGroupOf("acme");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->pgid, std::stoi(*pid));  // recorded before the script ran
  EXPECT_EQ(rec->rollout_id, "r-7");
  EXPECT_GT(rec->leader_start_ticks, 0);
  // Meanwhile the tenant reads as deploying, not as its inspect's answer.
  Callback<InspectOutcome> inspected;
  driver.Inspect(req.tenant, inspected.Fn());
  std::optional<InspectOutcome> during = inspected.Wait();
  ASSERT_TRUE(during);
  EXPECT_TRUE(during->deploying);
  ASSERT_TRUE(release.WriteLine("go"));
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(future.get().running_image, kImage);
  EXPECT_FALSE(*ledger.ProcessGroupOf("acme"));
}

TEST(ExecDriverLedgerTest, ARecordedGroupFromBeforeARestartIsWaitedOutAndKilledAtItsDeadline) {
  ScratchDir dir;
  FakeLedger ledger;
  // A deploy of "the previous rollcalld": a group that ignores SIGTERM.
  pid_t orphan = 0;
  std::promise<void> recorded;
  std::thread previous([&] {
    SubprocessOptions o;
    o.argv = {"sh", "-c", "trap '' TERM; sleep 60"};
    o.before_exec = [&](pid_t pid) {
      orphan = pid;
      recorded.set_value();
      return Status::Ok();
    };
    RunSubprocess(o);
  });
  recorded.get_future().wait();
  std::optional<ProcStat> stat = ReadProcStat(orphan);
  ASSERT_TRUE(stat);
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  ASSERT_TRUE(ledger.RecordProcessGroup({"acme", "r-1", orphan, stat->start_ticks, BootId(), now_ms + 60'000}).ok());
  ExecDriver driver(ExecLimits{.kill_grace = 0s}, &ledger);
  Tenant tenant;
  tenant.slug = "acme";
  tenant.exec.inspect = {dir.WriteScript("inspect", "echo " + kImage)};
  auto inspect = [&] {
    Callback<InspectOutcome> cb;
    driver.Inspect(tenant, cb.Fn());
    return cb.Wait().value_or(InspectOutcome{});
  };
  InspectOutcome waiting = inspect();
  EXPECT_TRUE(waiting.deploying);
  EXPECT_NE(waiting.deploying_detail.find("rollout r-1"), std::string::npos) << waiting.deploying_detail;
  EXPECT_TRUE(testing::RunningProcessesInGroup(orphan).size() > 0);  // not killed before its deadline

  ASSERT_TRUE(ledger.RecordProcessGroup({"acme", "r-1", orphan, stat->start_ticks, BootId(), now_ms - 1}).ok());
  EXPECT_TRUE(inspect().deploying);  // past the deadline: killed (SIGKILL after a zero grace)
  EXPECT_TRUE(WaitForGroupExit(orphan, kWait));
  previous.join();
  InspectOutcome after = inspect();
  EXPECT_FALSE(after.deploying);
  EXPECT_EQ(after.running_image, kImage);
  EXPECT_FALSE(*ledger.ProcessGroupOf("acme"));

  // A record whose leader is a different process (pid reused) is not ours.
  ASSERT_TRUE(ledger.RecordProcessGroup({"acme", "r-1", ::getpid(), 1, BootId(), now_ms + 60'000}).ok());
  EXPECT_FALSE(inspect().deploying);
}

}  // namespace
}  // namespace rollcall
