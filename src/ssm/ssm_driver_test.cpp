// The ssm driver over real HTTP against FakeSsm: each status's outcome,
// SigV4 checked on every request, the proof from the output's end or the
// inspect commands, throttling ridden out, a command that never ends
// cancelled, credentials from the environment, a file or IMDSv2.
#include "ssm/ssm_driver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>

#include "ssm/fake_ssm.h"

namespace rollcall {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr const char* kKey = "AKIAFAKE000000000001";
constexpr const char* kSecret = "fake/secret/key/0123456789abcdefgh";

CredentialsEnvironment Env(std::map<std::string, std::string> vars,
                           std::map<std::string, std::string> files = {}) {
  CredentialsEnvironment e = RealCredentialsEnvironment();
  e.env = [vars](const char* name) {
    auto it = vars.find(name);
    return it == vars.end() ? std::string() : it->second;
  };
  e.read_file = [files](const std::string& path) -> Result<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return Status::NotFound(path);
    return it->second;
  };
  return e;
}

struct Rig {
  explicit Rig(CredentialsEnvironment env = Env({{"AWS_ACCESS_KEY_ID", kKey}, {"AWS_SECRET_ACCESS_KEY", kSecret}}))
      : chain(std::move(env)), transport(fake.url(), chain), api(transport, ApiOptions()), driver(api, Options()) {}

  static SsmApiOptions ApiOptions() {
    SsmApiOptions o;
    o.max_rps = 1000;
    o.backoff_base = 10ms;
    o.backoff_cap = 50ms;
    return o;
  }
  static SsmDriverOptions Options() {
    SsmDriverOptions o;
    o.first_poll = 10ms;
    o.max_poll = 50ms;
    o.inspect_timeout = 5s;
    return o;
  }

  DeployRequest Request(const std::string& instance, Duration timeout = 10s) {
    DeployRequest req;
    req.rollout_id = "r1";
    req.tenant.slug = "acme";
    req.tenant.driver = DriverKind::kSsm;
    req.tenant.ssm = {instance, "eu-west-1", "AWS-RunShellScript", {"/opt/app/redeploy {image}"}, {"cat /run/image"}, 300};
    req.release = {"v2", "abc1234", 2};
    req.image = "registry.ssm/app:v2";
    req.timeout = timeout;
    return req;
  }

  DeployOutcome Deploy(const DeployRequest& req) {
    std::promise<DeployOutcome> answer;
    driver.Deploy(req, [&](DeployOutcome o) { answer.set_value(std::move(o)); });
    std::future<DeployOutcome> f = answer.get_future();
    EXPECT_EQ(f.wait_for(60s), std::future_status::ready);
    return f.get();
  }

  FakeSsm fake{kKey, kSecret};
  AwsCredentialsChain chain;
  CurlSsmTransport transport;
  SsmApi api;
  SsmDriver driver;
};

TEST(SsmDriverTest, ASuccessIsExitZeroWithTheProofFromTheOutputAndEverySignatureChecks) {
  Rig r;
  DeployOutcome o = r.Deploy(r.Request("i-0000000000000000a"));
  EXPECT_EQ(o.exit_code, 0) << o.error;
  EXPECT_EQ(o.running_image, "registry.ssm/app:v2");
  ASSERT_EQ(r.fake.sent().size(), 1u);
  const FakeSsmCommand c = r.fake.sent()[0];
  EXPECT_EQ(c.commands, std::vector<std::string>{"/opt/app/redeploy registry.ssm/app:v2"});
  EXPECT_EQ(c.document, "AWS-RunShellScript");
  EXPECT_EQ(c.execution_timeout, "300");
  EXPECT_EQ(r.fake.bad_signatures(), 0);
  EXPECT_GE(r.fake.calls("GetCommandInvocation"), 2);  // InProgress, then Success
}

TEST(SsmDriverTest, AWrongSecretIsRefusedByTheSignatureCheck) {
  Rig r(Env({{"AWS_ACCESS_KEY_ID", kKey}, {"AWS_SECRET_ACCESS_KEY", "not-the-secret"}}));
  DeployOutcome o = r.Deploy(r.Request("i-0000000000000000a"));
  EXPECT_FALSE(o.exit_code.has_value());
  EXPECT_THAT(o.error, HasSubstr("AccessDeniedException"));
  EXPECT_EQ(r.fake.bad_signatures(), 1);
}

TEST(SsmDriverTest, FailedCarriesItsExitCode) {
  Rig r;
  r.fake.Script("i-0000000000000000b", {.status = "Failed", .response_code = 3});
  DeployOutcome o = r.Deploy(r.Request("i-0000000000000000b"));
  EXPECT_EQ(o.exit_code, 3);
  EXPECT_TRUE(o.running_image.empty());
  EXPECT_THAT(o.output, HasSubstr("it went wrong"));
}

TEST(SsmDriverTest, EveryOtherEndIsAFailureOrATimeoutNamingTheStatus) {
  struct Case {
    std::string status, details, named;
    bool timed_out;
  };
  for (const Case& c : std::vector<Case>{{"Failed", "Undeliverable", "SSM Undeliverable", false},
                                         {"Failed", "Terminated", "SSM Terminated", false},
                                         {"Cancelled", "Cancelled", "SSM Cancelled", false},
                                         {"Failed", "InvalidPlatform", "SSM InvalidPlatform", false},
                                         {"Failed", "AccessDenied", "SSM AccessDenied", false},
                                         {"Mystery", "", "SSM Mystery", false},
                                         {"TimedOut", "DeliveryTimedOut", "SSM DeliveryTimedOut", true},
                                         {"TimedOut", "ExecutionTimedOut", "SSM ExecutionTimedOut", true}}) {
    Rig r;
    r.fake.Script("i-0000000000000000c", {.status = c.status, .details = c.details, .response_code = -1});
    DeployOutcome o = r.Deploy(r.Request("i-0000000000000000c"));
    EXPECT_FALSE(o.exit_code.has_value()) << c.details;
    EXPECT_EQ(o.timed_out, c.timed_out) << c.details;
    EXPECT_THAT(o.error, HasSubstr(c.named)) << c.details;
  }
}

TEST(SsmDriverTest, AProofTruncatedAwayIsReadByTheInspectCommands) {
  Rig r;
  r.fake.Script("i-0000000000000000d", {.output_padding = 30000});  // SSM keeps 24,000 characters
  DeployOutcome o = r.Deploy(r.Request("i-0000000000000000d"));
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(o.running_image, "registry.ssm/app:v2");
  ASSERT_EQ(r.fake.sent().size(), 2u);
  EXPECT_EQ(r.fake.sent()[1].commands, std::vector<std::string>{"cat /run/image"});
  // Without inspect commands there is no proof: the engine says OffTarget.
  DeployRequest bare = r.Request("i-0000000000000000d");
  bare.tenant.ssm.inspect.clear();
  EXPECT_EQ(r.Deploy(bare).running_image, "");
}

TEST(SsmDriverTest, ThrottlingIsRiddenOutAndNoted) {
  Rig r;
  r.fake.Script("i-0000000000000000e", {.throttles = 2});
  DeployOutcome o = r.Deploy(r.Request("i-0000000000000000e"));
  EXPECT_EQ(o.exit_code, 0) << o.error;
  EXPECT_GE(r.fake.throttled(), 4);  // SendCommand's and GetCommandInvocation's
  ASSERT_FALSE(o.notes.empty());
  EXPECT_THAT(o.notes[0], HasSubstr("throttled (ThrottlingException: Rate exceeded)"));
}

TEST(SsmDriverTest, ACommandThatNeverEndsIsCancelledAtTheTimeout) {
  Rig r;
  r.fake.Script("i-0000000000000000f", {.in_progress_polls = -1});
  DeployOutcome o = r.Deploy(r.Request("i-0000000000000000f", 500ms));
  EXPECT_TRUE(o.timed_out);
  EXPECT_THAT(o.error, HasSubstr("did not end within the deploy's timeout; cancelled"));
  ASSERT_EQ(r.fake.cancelled().size(), 1u);
  EXPECT_EQ(r.fake.cancelled()[0], r.fake.sent()[0].command_id);
}

TEST(SsmDriverTest, CredentialsFromTheSharedFileOrTheInstanceMetadata) {
  Rig file(Env({{"HOME", "/home/ci"}, {"AWS_PROFILE", "deploy"}},
               {{"/home/ci/.aws/credentials",
                 std::string("[default]\naws_access_key_id = WRONG\naws_secret_access_key = wrong\n[deploy]\n"
                             "aws_access_key_id = ") + kKey + "\naws_secret_access_key = " + kSecret + "\n"}}));
  EXPECT_EQ(file.Deploy(file.Request("i-0000000000000000a")).exit_code, 0);
  EXPECT_EQ(file.chain.Get()->source, "shared file (profile deploy)");

  FakeSsm metadata(kKey, kSecret);
  AwsCredentialsChain chain(Env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata.metadata_url()}}));
  Result<AwsCredentials> c = chain.Get();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "ASIAFAKEIMDS0000001");
  EXPECT_FALSE(c->session_token.empty());
  EXPECT_EQ(c->source, "instance metadata (role rollcall-role)");
}

TEST(SsmDriverTest, RequestsSignedWithInstanceMetadataCredentialsCarryTheirToken) {
  FakeSsm fake(kKey, kSecret);
  AwsCredentialsChain chain(Env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", fake.metadata_url()}}));
  CurlSsmTransport transport(fake.url(), chain);
  SsmApi api(transport, Rig::ApiOptions());
  SsmDriver driver(api, Rig::Options());
  Rig shape;  // for Request()
  std::promise<DeployOutcome> answer;
  driver.Deploy(shape.Request("i-0000000000000000a"), [&](DeployOutcome o) { answer.set_value(std::move(o)); });
  DeployOutcome o = answer.get_future().get();
  EXPECT_EQ(o.exit_code, 0) << o.error;
  EXPECT_EQ(fake.bad_signatures(), 0);
  EXPECT_EQ(fake.metadata_token_requests(), 1);  // cached after the first
}

TEST(SsmDriverTest, NoCredentialsAnywhereSaysWhereItLooked) {
  AwsCredentialsChain chain(Env({{"HOME", "/nowhere"}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"}}));
  Result<AwsCredentials> c = chain.Get();
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY unset"));
  EXPECT_THAT(c.status().message(), HasSubstr("/nowhere/.aws/credentials"));
  EXPECT_THAT(c.status().message(), HasSubstr("instance metadata"));
}

TEST(SsmApiTest, EachRegionGetsItsOwnEvenlySpacedSlots) {
  RegionRateLimiter limiter(10);  // 100 ms apart
  const TimePoint t0{};
  EXPECT_EQ(limiter.Reserve("eu-west-1", t0), t0);
  EXPECT_EQ(limiter.Reserve("eu-west-1", t0), t0 + 100ms);
  EXPECT_EQ(limiter.Reserve("eu-west-1", t0 + 50ms), t0 + 200ms);
  EXPECT_EQ(limiter.Reserve("us-east-1", t0), t0);
  EXPECT_EQ(limiter.Reserve("eu-west-1", t0 + 10s), t0 + 10s);  // idle: no debt
}

TEST(SsmApiTest, BackoffIsJitteredBetweenTheBaseAndThreeTimesThePreviousUpToTheCap) {
  std::mt19937_64 rng(7);
  Duration d = 200ms;
  for (int i = 0; i < 50; ++i) {
    const Duration next = NextBackoff(d, 200ms, 10s, rng);
    EXPECT_GE(next, 200ms);
    EXPECT_LE(next, std::min<Duration>(10s, 3 * d));
    d = next;
  }
}

TEST(SsmApiTest, SharedCredentialsFiles) {
  Result<AwsCredentials> c = ParseSharedCredentials("[default]\naws_access_key_id=A\naws_secret_access_key = B\n"
                                                    "aws_session_token = T\n", "default");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->session_token, "T");
  EXPECT_EQ(ParseSharedCredentials("[other]\n", "default").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(ParseSharedCredentials("[default]\naws_access_key_id=A\n", "default").status().code(), Status::Code::kInvalid);
}

}  // namespace
}  // namespace rollcall
