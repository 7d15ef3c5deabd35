#include "sim/faults.h"

#include <gtest/gtest.h>

namespace rollcall::sim {
namespace {

using namespace std::chrono_literals;

TEST(FaultsTest, ParsesEveryKind) {
  struct Case {
    const char* text;
    Fault::Kind kind;
    double arg;
  };
  for (const Case& c :
       {Case{"t1=dead", Fault::Kind::kDead, 0}, Case{"t1=stuck", Fault::Kind::kStuck, 0},
        Case{"t1=unhealthy", Fault::Kind::kUnhealthy, 0},
        Case{"t1=slow:2.5", Fault::Kind::kSlow, 2.5}, Case{"t1=flaky:3", Fault::Kind::kFlaky, 3},
        Case{"t1=lag:0.25", Fault::Kind::kLag, 0.25}, Case{"t1=crash", Fault::Kind::kCrash, 0},
        Case{"t1=revert:5", Fault::Kind::kRevert, 5}}) {
    Result<FaultSpec> spec = ParseFaultSpec(c.text);
    ASSERT_TRUE(spec.ok()) << c.text << ": " << spec.status().message();
    EXPECT_EQ(spec->slug, "t1");
    EXPECT_EQ(spec->fault.kind, c.kind) << c.text;
    EXPECT_EQ(spec->fault.arg, c.arg) << c.text;
    EXPECT_EQ("t1=" + FaultToString(spec->fault), c.text);
  }
}

TEST(FaultsTest, RejectsMalformedSpecsNamingTheProblem) {
  struct Case {
    const char* text;
    const char* message_part;
  };
  for (const Case& c :
       {Case{"t1", "expected SLUG=KIND[:ARG]"}, Case{"=dead", "expected SLUG=KIND[:ARG]"},
        Case{"t1=zombie", "unknown fault kind 'zombie'"}, Case{"t1=dead:3", "takes no argument"},
        Case{"t1=slow", "needs an argument"}, Case{"t1=slow:-1", "non-negative number"},
        Case{"t1=slow:abc", "non-negative number"}, Case{"t1=lag:1e9", "up to 1000000"},
        Case{"t1=flaky:1.5", "non-negative integer"}}) {
    Result<FaultSpec> spec = ParseFaultSpec(c.text);
    ASSERT_FALSE(spec.ok()) << c.text;
    EXPECT_NE(spec.status().message().find(c.message_part), std::string::npos)
        << c.text << " -> " << spec.status().message();
  }
}

TEST(FaultsTest, TenantFaultsMergeSeveralFaults) {
  TenantFaults f;
  f.Add(Fault{.kind = Fault::Kind::kFlaky, .arg = 2});
  f.Add(Fault{.kind = Fault::Kind::kSlow, .arg = 1.5});
  f.Add(Fault{.kind = Fault::Kind::kFlaky, .arg = 1});
  EXPECT_EQ(f.flaky_calls, 3);
  EXPECT_EQ(f.slow, Duration(1500ms));
  EXPECT_FALSE(f.dead);
  EXPECT_EQ(f.names, (std::vector<std::string>{"flaky:2", "slow:1.5", "flaky:1"}));
}

}  // namespace
}  // namespace rollcall::sim
