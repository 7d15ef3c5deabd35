#include "server/promoter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "store/memory_store.h"

namespace rollcall {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A registry in memory: tags to digests; Retag copies one to another.
class FakeRetagger : public Retagger {
 public:
  Result<std::string> Retag(const std::string& tag, const std::string& channel) override {
    std::lock_guard lock(mu_);
    calls.push_back(tag + "->" + channel);
    auto it = tags.find(tag);
    if (it == tags.end()) return Status::NotFound("source tag \"" + tag + "\" not found in " + Name());
    tags[channel] = it->second;
    return it->second;
  }
  std::string Name() const override { return "registry.test/app"; }

  std::mutex mu_;
  std::map<std::string, std::string> tags = {
      {"v1", "sha256:11"}, {"v2", "sha256:22"}, {"v3", "sha256:33"}, {"v2-hotfix", "sha256:2f"}};
  std::vector<std::string> calls;
};

class PromoterTest : public ::testing::Test {
 protected:
  ApiResponse Promote(const std::string& body, const std::string& channel = "latest") {
    return promoter_.Promote(channel, body, "ci-deploy");
  }
  MemoryStore store_;
  FakeRetagger registry_;
  int64_t now_ = 1000;
  Promoter promoter_{store_, &registry_, "", [this] { return now_++; }};
};

TEST_F(PromoterTest, PromotionRetagsAndRecordsTheChannel) {
  ApiResponse r = Promote(R"({"tag":"v2","seq":2})");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["channel"], "latest");
  EXPECT_EQ(r.body["tag"], "v2");
  EXPECT_EQ(r.body["seq"], 2);
  EXPECT_EQ(r.body["digest"], "sha256:22");
  EXPECT_EQ(r.body["created_by"], "ci-deploy");
  EXPECT_TRUE(r.body["replaced"].is_null());  // the channel named nothing before
  EXPECT_THAT(registry_.calls, ElementsAre("v2->latest"));
  ApiResponse list = promoter_.List();
  ASSERT_EQ(list.body["channels"].size(), 1u);
  EXPECT_EQ(list.body["channels"][0]["digest"], "sha256:22");
}

TEST_F(PromoterTest, AnOlderReleaseIsRefusedAndTheChannelKeepsItsDigest) {
  ASSERT_EQ(Promote(R"({"tag":"v2","seq":2})").status, 200);
  ApiResponse r = Promote(R"({"tag":"v1","seq":1})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["error"], "superseded");
  EXPECT_EQ(r.body["newer"]["tag"], "v2");
  EXPECT_EQ(r.body["newer"]["seq"], 2);
  EXPECT_EQ(registry_.tags["latest"], "sha256:22");
  EXPECT_EQ(registry_.calls.size(), 1u);  // the registry was never asked
  EXPECT_EQ((*store_.GetChannel("latest"))->tag, "v2");
}

TEST_F(PromoterTest, AReleaseOlderThanTheFleetsDesiredOneIsRefused) {
  ASSERT_TRUE(store_.SetDesiredRelease({"v3", "", 3}).ok());
  ApiResponse r = Promote(R"({"tag":"v2","seq":2})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["newer"]["tag"], "v3");
  EXPECT_TRUE(registry_.calls.empty());
}

TEST_F(PromoterTest, AMissingSourceTagChangesNothing) {
  ApiResponse r = Promote(R"({"tag":"v9","seq":9})");
  EXPECT_EQ(r.status, 404);
  EXPECT_THAT(r.body["error"].get<std::string>(), HasSubstr("\"v9\" not found"));
  EXPECT_FALSE(store_.GetChannel("latest")->has_value());
}

TEST_F(PromoterTest, RollbackNeedsAReasonAndIsKeptInTheHistory) {
  ASSERT_EQ(Promote(R"({"tag":"v2","seq":2})").status, 200);
  ApiResponse refused = Promote(R"({"tag":"v1","seq":1,"rollback":true})");
  EXPECT_EQ(refused.status, 400);
  EXPECT_THAT(refused.body["error"].get<std::string>(), HasSubstr("reason"));
  ApiResponse r = Promote(R"({"tag":"v1","seq":1,"rollback":true,"reason":"v2 corrupts uploads"})");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(registry_.tags["latest"], "sha256:11");
  ApiResponse got = promoter_.Get("latest");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body["tag"], "v1");
  ASSERT_EQ(got.body["history"].size(), 2u);
  EXPECT_EQ(got.body["history"][1]["reason"], "v2 corrupts uploads");
  EXPECT_EQ(got.body["history"][1]["rollback"], true);
  EXPECT_EQ(promoter_.Get("stable").status, 404);
}

TEST_F(PromoterTest, TheSameSeqForAnotherTagIsAConflict) {
  ASSERT_EQ(Promote(R"({"tag":"v2","seq":2})").status, 200);
  EXPECT_EQ(Promote(R"({"tag":"v2","seq":2})").status, 200);  // idempotent
  ApiResponse r = Promote(R"({"tag":"v2-hotfix","seq":2})");
  EXPECT_EQ(r.status, 409);
  EXPECT_THAT(r.body["error"].get<std::string>(), HasSubstr("already names tag v2"));
}

TEST_F(PromoterTest, BadRequestsNameTheField) {
  struct Case {
    std::string channel, body, field;
  } cases[] = {
      {"latest", R"({"seq":2})", "tag"},
      {"latest", R"({"tag":"v2","seq":"2"})", "seq"},
      {"latest", R"({"tag":"v2","seq":-1})", "seq"},
      {"latest", R"({"tag":"v2","extra":1})", "extra"},
      {"latest", R"({"tag":"bad tag"})", "tag"},
      {"latest", R"([1])", "object"},
      {"lat/est", R"({"tag":"v2"})", "channel"},
      {"latest", R"({"tag":"latest"})", "tag"},
  };
  for (const auto& c : cases) {
    ApiResponse r = Promote(c.body, c.channel);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_THAT(r.body["error"].get<std::string>(), HasSubstr(c.field)) << c.body;
  }
  EXPECT_TRUE(registry_.calls.empty());
}

TEST_F(PromoterTest, AFrozenFleetRefusesPromotionsButRollbacks) {
  ASSERT_EQ(Promote(R"({"tag":"v1","seq":1})").status, 200);
  ASSERT_TRUE(store_.SetFreeze(FleetFreeze{"incident 42", 1}).ok());
  ApiResponse r = Promote(R"({"tag":"v2","seq":2})");
  EXPECT_EQ(r.status, 409);
  EXPECT_THAT(r.body["error"].get<std::string>(), HasSubstr("fleet frozen: incident 42"));
  EXPECT_EQ(Promote(R"({"tag":"v1","seq":1,"rollback":true,"reason":"re-point"})").status, 200);
}

TEST(PromoterConfigTest, WithoutARegistryEveryPromotionIsRefusedSayingWhy) {
  MemoryStore store;
  Promoter promoter(store, nullptr, "--image-repo: no registry host", [] { return int64_t{0}; });
  ApiResponse r = promoter.Promote("latest", R"({"tag":"v2","seq":2})");
  EXPECT_EQ(r.status, 500);
  EXPECT_THAT(r.body["error"].get<std::string>(), HasSubstr("no registry host"));
}

TEST_F(PromoterTest, RacingPromotionsNeverMoveTheChannelBackward) {
  for (int i = 1; i <= 16; ++i) registry_.tags["r" + std::to_string(i)] = "sha256:" + std::to_string(i);
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int i = 16; i >= 1; --i) {  // started newest first: most must be refused
    threads.emplace_back([this, i, &accepted] {
      ApiResponse r = promoter_.Promote("latest", R"({"tag":"r)" + std::to_string(i) + R"(","seq":)" +
                                                      std::to_string(i) + "}");
      EXPECT_TRUE(r.status == 200 || r.status == 409) << r.body.dump();
      accepted += r.status == 200;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ((*store_.GetChannel("latest"))->tag, "r16");
  EXPECT_EQ(registry_.tags["latest"], "sha256:16");
  std::vector<ChannelRecord> history = *store_.ChannelHistory("latest");
  EXPECT_EQ(static_cast<int>(history.size()), accepted.load());
  for (size_t i = 1; i < history.size(); ++i) EXPECT_LT(*history[i - 1].seq, *history[i].seq);
}

}  // namespace
}  // namespace rollcall
