// Every SSM status an invocation can end in is an outcome; nothing drops.
#include "ssm/ssm_status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ssm/sigv4.h"

namespace rollcall {
namespace {

using ::testing::HasSubstr;

InvocationVerdict Read(const std::string& status, const std::string& details, int code = -1) {
  return ReadInvocation(Json{{"Status", status}, {"StatusDetails", details}, {"ResponseCode", code}});
}

TEST(SsmStatusTest, SuccessIsExitZeroAndFailedIsItsCode) {
  InvocationVerdict ok = Read("Success", "Success", 0);
  EXPECT_TRUE(ok.terminal);
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.error, "");
  InvocationVerdict failed = Read("Failed", "Failed", 3);
  EXPECT_EQ(failed.exit_code, 3);
  EXPECT_FALSE(failed.timed_out);
}

TEST(SsmStatusTest, EachTimeoutIsTimedOut) {
  for (const auto& [status, details] : std::vector<std::pair<std::string, std::string>>{
           {"TimedOut", "TimedOut"}, {"TimedOut", "Delivery Timed Out"}, {"TimedOut", "Execution Timed Out"},
           {"Failed", "DeliveryTimedOut"}}) {
    InvocationVerdict v = Read(status, details);
    EXPECT_TRUE(v.terminal) << details;
    EXPECT_TRUE(v.timed_out) << details;
    EXPECT_FALSE(v.exit_code.has_value()) << details;
    EXPECT_THAT(v.error, HasSubstr("SSM ")) << details;
  }
  EXPECT_EQ(Read("TimedOut", "Delivery Timed Out").status, "DeliveryTimedOut");
}

TEST(SsmStatusTest, UndeliverableAndTheOtherEndsAreFailuresNamingTheStatus) {
  for (const auto& [status, details, named] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"Failed", "Undeliverable", "SSM Undeliverable"},
           {"Failed", "Terminated", "SSM Terminated"},
           {"Cancelled", "Cancelled", "SSM Cancelled"},
           {"Cancelled", "Canceled", "SSM Cancelled"},
           {"Failed", "InvalidPlatform", "SSM InvalidPlatform"},
           {"Failed", "AccessDenied", "SSM AccessDenied"},
           {"Weird", "Something new", "SSM Weird: Something new"},
           {"Failed", "", "SSM Failed"}}) {
    InvocationVerdict v = Read(status, details);
    EXPECT_TRUE(v.terminal) << details;
    EXPECT_FALSE(v.timed_out) << details;
    EXPECT_FALSE(v.exit_code.has_value()) << details;
    EXPECT_THAT(v.error, HasSubstr(named)) << details;
  }
  InvocationVerdict none = ReadInvocation(Json::object());
  EXPECT_TRUE(none.terminal);
  EXPECT_EQ(none.error, "SSM gave the invocation no status");
  EXPECT_TRUE(ReadInvocation(Json("garbage")).terminal);
}

TEST(SsmStatusTest, RunningStatusesAreNotOverYet) {
  for (const char* s : {"Pending", "InProgress", "Delayed", "Cancelling"}) {
    EXPECT_FALSE(Read(s, s).terminal) << s;
  }
  EXPECT_FALSE(Read("InProgress", "In Progress").terminal);
}

// The example of AWS's "Signature Version 4 signing process" guide.
TEST(SigV4Test, TheAwsExampleSignsAsDocumented) {
  SigV4Request r{"GET", "/", "Action=ListUsers&Version=2010-05-08",
                 {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                  {"Host", "iam.amazonaws.com"},
                  {"X-Amz-Date", "20150830T123600Z"}},
                 ""};
  EXPECT_EQ(SigV4Signature(r, {"content-type", "host", "x-amz-date"}, "20150830T123600Z",
                           "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam"),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4Test, VerificationFailsOnAnyChange) {
  SigV4Request r{"POST", "/", "", {{"Host", "127.0.0.1:1"}, {"X-Amz-Date", "20261207T101500Z"}}, R"({"a":1})"};
  const std::string sig = SigV4Signature(r, {"host", "x-amz-date"}, "20261207T101500Z", "s3cr3t", "20261207",
                                         "eu-west-1", "ssm");
  r.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261207/eu-west-1/ssm/aws4_request, "
                                          "SignedHeaders=host;x-amz-date, Signature=" + sig);
  EXPECT_TRUE(VerifySigV4(r, "s3cr3t", "ssm").ok());
  EXPECT_FALSE(VerifySigV4(r, "other", "ssm").ok());
  SigV4Request tampered = r;
  tampered.body = R"({"a":2})";
  EXPECT_EQ(VerifySigV4(tampered, "s3cr3t", "ssm").message(), "Authorization: the signature does not match");
  EXPECT_FALSE(VerifySigV4(r, "s3cr3t", "iam").ok());
}

}  // namespace
}  // namespace rollcall
