#include "server/legacy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rollcall {
namespace {

using ::testing::HasSubstr;

Result<RolloutRequest> Parse(const char* body) { return ParseLegacyRequest(Json::parse(body), Policy{}); }

TEST(LegacyTest, MapsFieldsOntoABatchesRollout) {
  Result<RolloutRequest> r = Parse(R"({"target_tag":"v9","canary_slug":"acme","soak_seconds":0.5,
      "batch_size":4,"max_stragglers":"10%","dry_run":true,"confirm":true,"release_seq":9})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->release.tag, "v9");
  EXPECT_EQ(r->release.seq, std::optional<int64_t>(9));
  EXPECT_EQ(r->policy.strategy, Strategy::kBatches);
  EXPECT_EQ(r->policy.max_parallel, 4);
  EXPECT_EQ(r->policy.canary, std::vector<std::string>{"acme"});
  EXPECT_TRUE(r->policy.max_stragglers.percent);
  EXPECT_TRUE(r->policy.dry_run);
}

TEST(LegacyTest, OnlySlugsStandsInForConfirm) {
  EXPECT_TRUE(Parse(R"({"target_tag":"v9","only_slugs":["a"]})").ok());
}

TEST(LegacyTest, RefusesWhatTheContractRefuses) {
  EXPECT_THAT(Parse(R"({})").status().message(), HasSubstr("confirm"));
  EXPECT_THAT(Parse(R"({"confirm":false,"target_tag":"v1"})").status().message(), HasSubstr("confirm"));
  EXPECT_THAT(Parse(R"({"only_slugs":[],"target_tag":"v1"})").status().message(), HasSubstr("only_slugs"));
  EXPECT_THAT(Parse(R"({"confirm":true})").status().message(), HasSubstr("target_tag: required"));
  EXPECT_THAT(Parse(R"({"confirm":true,"target_tag":"v1","batch_size":0})").status().message(),
              HasSubstr("batch_size"));
  EXPECT_THAT(Parse(R"({"confirm":true,"target_tag":"v1","surprise":1})").status().message(),
              HasSubstr("surprise: unknown field"));
  EXPECT_THAT(Parse(R"({"confirm":true,"target_tag":"v1","max_stragglers":"x"})").status().message(),
              HasSubstr("max_stragglers"));
}

TEST(LegacyTest, AnswerHasStragglersOnlyWhenThereAreSome) {
  Rollout r;
  r.id = "r1";
  r.state = RolloutState::kSucceeded;
  TenantResult row;
  row.slug = "a";
  row.status = TenantStatus::kSuccess;
  r.results = {row};
  Json clean = LegacyAnswer(r);
  EXPECT_TRUE(clean["ok"]);
  EXPECT_FALSE(clean.contains("stragglers"));
  EXPECT_EQ(clean["results"][0]["ssm_status"], "Success");
  r.stragglers = {"b"};
  r.state = RolloutState::kFailed;
  Json failed = LegacyAnswer(r);
  EXPECT_FALSE(failed["ok"]);
  EXPECT_EQ(failed["stragglers"], Json::array({"b"}));
}

}  // namespace
}  // namespace rollcall
