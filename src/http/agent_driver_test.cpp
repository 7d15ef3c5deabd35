#include "http/agent_driver.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

HttpResponse Answer(int status, std::string body) { return HttpResponse{status, std::move(body), "", false}; }

TEST(AgentDriverTest, MapsASuccessfulDeploy) {
  DeployOutcome o = AgentDriver::ToDeployOutcome(
      Answer(200, R"({"exit_code":0,"running_image":"repo:v1","output":"done"})"));
  EXPECT_EQ(o.exit_code, std::optional<int>(0));
  EXPECT_EQ(o.running_image, "repo:v1");
  EXPECT_EQ(o.output, "done");
  EXPECT_TRUE(o.error.empty());
}

TEST(AgentDriverTest, RefusalsAndGarbageAreErrorsWithoutAnExitCode) {
  DeployOutcome refused = AgentDriver::ToDeployOutcome(Answer(409, R"({"error":"a deploy is already running"})"));
  EXPECT_FALSE(refused.exit_code.has_value());
  EXPECT_EQ(refused.error, "agent answered HTTP 409: a deploy is already running");
  DeployOutcome garbage = AgentDriver::ToDeployOutcome(Answer(200, "<html>"));
  EXPECT_FALSE(garbage.exit_code.has_value());
  EXPECT_NE(garbage.error.find("malformed"), std::string::npos);
  HttpResponse down{0, "", "connection refused", false};
  EXPECT_EQ(AgentDriver::ToDeployOutcome(down).error, "agent: connection refused");
}

TEST(AgentDriverTest, InspectReadsImageAndSeq) {
  InspectOutcome o = AgentDriver::ToInspectOutcome(Answer(200, R"({"running_image":"repo:v2","release_seq":7})"));
  EXPECT_EQ(o.running_image, "repo:v2");
  EXPECT_EQ(o.release_seq, std::optional<int64_t>(7));
}

TEST(AgentDriverTest, OnlyGatewayErrorsAndUnansweredRequestsAreRetried) {
  EXPECT_TRUE(IsRetryable(Answer(502, "")));
  EXPECT_TRUE(IsRetryable(Answer(503, "")));
  EXPECT_TRUE(IsRetryable(HttpResponse{0, "", "refused", false}));
  EXPECT_FALSE(IsRetryable(HttpResponse{0, "", "timeout", true}));
  EXPECT_FALSE(IsRetryable(Answer(409, "")));
  EXPECT_FALSE(IsRetryable(Answer(500, "")));
  EXPECT_FALSE(IsRetryable(Answer(200, "")));
  HttpResponse held{0, "", "not sent", false};
  held.not_sent = true;
  EXPECT_FALSE(IsRetryable(held));
}

}  // namespace
}  // namespace rollcall
