#include "sim/sim_config.h"

#include <gtest/gtest.h>

namespace rollcall::sim {
namespace {

TEST(SimConfigTest, ParsesListenAddresses) {
  Result<ListenAddress> a = ParseListenAddress("127.0.0.1:0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 0);
  Result<ListenAddress> v6 = ParseListenAddress("[::1]:8080");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8080);
  for (const char* bad : {"127.0.0.1", ":80", "host:", "host:99999", "host:8x"}) {
    Result<ListenAddress> r = ParseListenAddress(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message().rfind("--listen: ", 0), 0u) << r.status().message();
  }
}

TEST(SimConfigTest, GeneratesZeroPaddedSlugs) {
  std::vector<std::string> slugs = GeneratedSlugs(10001);
  EXPECT_EQ(slugs.front(), "t0000");
  EXPECT_EQ(slugs[42], "t0042");
  EXPECT_EQ(slugs[9999], "t9999");
  EXPECT_EQ(slugs.back(), "t10000");
}

TEST(SimConfigTest, ParsesNamesAndRejectsBadOrDuplicateOnes) {
  Result<std::vector<std::string>> names = ParseNames("acme,globex-2,x");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"acme", "globex-2", "x"}));
  for (const char* bad : {"", "a,,b", "Acme", "-a", "a,a", "a b"}) {
    Result<std::vector<std::string>> r = ParseNames(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message().rfind("--names: ", 0), 0u) << r.status().message();
  }
}

SimConfig Config(int64_t tenants) {
  SimConfig c;
  c.tenants = tenants;
  return c;
}

TEST(SimConfigTest, MakeFleetBuildsTenantsWithTheirFaults) {
  SimConfig c = Config(3);
  c.faults = {"t0001=dead", "t0002=flaky:2", "t0002=slow:1"};
  Result<std::unique_ptr<Fleet>> fleet = MakeFleet(c);
  ASSERT_TRUE(fleet.ok()) << fleet.status().message();
  EXPECT_EQ((*fleet)->size(), 3u);
  EXPECT_EQ((*fleet)->Find("t0002")->Snapshot().faults,
            (std::vector<std::string>{"flaky:2", "slow:1"}));
  EXPECT_EQ((*fleet)->config().timing.median_ms, 200);  // the default deploy time
}

TEST(SimConfigTest, NamesReplaceGeneratedSlugs) {
  SimConfig c;
  c.names = "acme,globex";
  Result<std::unique_ptr<Fleet>> fleet = MakeFleet(c);
  ASSERT_TRUE(fleet.ok());
  EXPECT_NE((*fleet)->Find("globex"), nullptr);
}

TEST(SimConfigTest, EveryBadFlagIsNamedInTheError) {
  struct Case {
    SimConfig config;
    const char* prefix;
  };
  SimConfig no_tenants;
  SimConfig zero = Config(0);
  SimConfig mismatch = Config(3);
  mismatch.names = "a,b";
  SimConfig both_timings = Config(1);
  both_timings.deploy_ms = 5;
  both_timings.deploy_dist = "lognormal:5:1";
  SimConfig bad_dist = Config(1);
  bad_dist.deploy_dist = "uniform:1:2";
  SimConfig negative_ms = Config(1);
  negative_ms.deploy_ms = -1;
  SimConfig unknown_tenant = Config(2);
  unknown_tenant.faults = {"t0007=dead"};
  SimConfig bad_kind = Config(2);
  bad_kind.faults = {"t0000=zombie"};
  SimConfig bad_listen = Config(1);
  bad_listen.listen = "nowhere";
  SimConfig empty_image = Config(1);
  empty_image.initial_image = "";
  for (const Case& c : {Case{no_tenants, "--tenants: "}, Case{zero, "--tenants: "},
                        Case{mismatch, "--tenants: "}, Case{both_timings, "--deploy-ms: "},
                        Case{bad_dist, "--deploy-dist: "}, Case{negative_ms, "--deploy-ms: "},
                        Case{unknown_tenant, "--fault: "}, Case{bad_kind, "--fault: "},
                        Case{bad_listen, "--listen: "}, Case{empty_image, "--initial-image: "}}) {
    Result<std::unique_ptr<Fleet>> fleet = MakeFleet(c.config);
    ASSERT_FALSE(fleet.ok()) << c.prefix;
    EXPECT_EQ(fleet.status().code(), Status::Code::kInvalid);
    EXPECT_EQ(fleet.status().message().rfind(c.prefix, 0), 0u) << fleet.status().message();
  }
}

}  // namespace
}  // namespace rollcall::sim
