#include "cli/scm.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace rollcall {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A fake SCM API: fixed answers per path, and the paths asked for.
struct FakeScm {
  std::map<std::string, Json> answers;
  std::vector<std::string> asked;
  JsonGetter Getter() {
    return [this](const std::string& path) -> Result<Json> {
      asked.push_back(path);
      auto it = answers.find(path);
      if (it == answers.end()) return Status::Unavailable("GET " + path + ": HTTP 404");
      return it->second;
    };
  }
};

// A Gitea that clamps limit=50 to 2 rows a page: a short page is not the end.
TEST(ScmTest, GiteaStatusesArePagedUntilAnEmptyPage) {
  FakeScm scm;
  const std::string base = "/repos/acme/app/commits/abc1234/statuses?page=";
  scm.answers[base + "1&limit=50"] = Json::parse(R"([{"id":1,"context":"build","status":"pending"},
                                                     {"id":2,"context":"test","status":"pending"}])");
  scm.answers[base + "2&limit=50"] = Json::parse(R"([{"id":3,"context":"build","state":"success"}])");
  scm.answers[base + "3&limit=50"] = Json::array();
  Result<std::vector<CommitStatus>> rows = FetchCommitStatuses(scm.Getter(), ScmKind::kGitea, "acme/app", "abc1234");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 3u);
  auto newest = NewestByContext(*rows);
  EXPECT_EQ(newest.at("build").state, "success");
  EXPECT_EQ(newest.at("test").state, "pending");
  EXPECT_EQ(scm.asked.size(), 3u);
  EXPECT_EQ(DescribeContexts({"build", "test", "lint"}, newest), "build=success, test=pending, lint=(missing)");
}

TEST(ScmTest, GithubAddsCheckRunsMappedToStates) {
  FakeScm scm;
  const std::string base = "/repos/acme/app/commits/abc1234/";
  scm.answers[base + "statuses?page=1&per_page=50"] = Json::parse(R"([{"id":10,"context":"ci/legacy","state":"success"}])");
  scm.answers[base + "statuses?page=2&per_page=50"] = Json::array();
  scm.answers[base + "check-runs?page=1&per_page=50"] = Json::parse(R"({"total_count":4,"check_runs":[
      {"id":1,"name":"build","status":"completed","conclusion":"success"},
      {"id":2,"name":"lint","status":"completed","conclusion":"neutral"},
      {"id":3,"name":"e2e","status":"in_progress","conclusion":null},
      {"id":4,"name":"deploy-gate","status":"completed","conclusion":"timed_out"}]})");
  scm.answers[base + "check-runs?page=2&per_page=50"] = Json::parse(R"({"total_count":4,"check_runs":[]})");
  Result<std::vector<CommitStatus>> rows = FetchCommitStatuses(scm.Getter(), ScmKind::kGithub, "acme/app", "abc1234");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  auto newest = NewestByContext(*rows);
  EXPECT_EQ(newest.at("ci/legacy").state, "success");
  EXPECT_EQ(newest.at("build").state, "success");
  EXPECT_EQ(newest.at("lint").state, "success");
  EXPECT_EQ(newest.at("e2e").state, "pending");
  EXPECT_EQ(newest.at("deploy-gate").state, "failure");
}

TEST(ScmTest, AnErrorOrANonListPageStopsPaging) {
  FakeScm scm;
  scm.answers["/repos/acme/app/commits/abc1234/statuses?page=1&limit=50"] = Json::object();
  Result<std::vector<CommitStatus>> rows = FetchCommitStatuses(scm.Getter(), ScmKind::kGitea, "acme/app", "abc1234");
  ASSERT_FALSE(rows.ok());
  EXPECT_THAT(rows.status().message(), HasSubstr("expected a list"));
  FakeScm empty;
  EXPECT_FALSE(FetchCommitStatuses(empty.Getter(), ScmKind::kGitea, "acme/app", "abc1234").ok());
}

TEST(ScmTest, ABrokenServerThatNeverEndsIsCutOff) {
  JsonGetter endless = [](const std::string&) -> Result<Json> {
    return Json::parse(R"([{"id":1,"context":"build","state":"pending"}])");
  };
  Result<std::vector<CommitStatus>> rows = FetchCommitStatuses(endless, ScmKind::kGitea, "a/b", "abc1234", 50, 5);
  ASSERT_FALSE(rows.ok());
  EXPECT_THAT(rows.status().message(), HasSubstr("5 pages"));
}

TEST(ScmTest, BranchHeadFromEitherApi) {
  FakeScm scm;
  scm.answers["/repos/acme/app/branches/main"] = Json::parse(R"({"name":"main","commit":{"id":"fff1234","sha":"eee1234"}})");
  EXPECT_EQ(*FetchBranchHead(scm.Getter(), ScmKind::kGitea, "acme/app", "main"), "fff1234");
  EXPECT_EQ(*FetchBranchHead(scm.Getter(), ScmKind::kGithub, "acme/app", "main"), "eee1234");
  EXPECT_FALSE(FetchBranchHead(scm.Getter(), ScmKind::kGitea, "acme/app", "dev").ok());
}

TEST(ScmTest, ApiBasesAndFlagValidation) {
  EXPECT_EQ(ScmApiBase(ScmKind::kGitea, "https://git.acme.dev/"), "https://git.acme.dev/api/v1");
  EXPECT_EQ(ScmApiBase(ScmKind::kGitea, "https://git.acme.dev/api/v1"), "https://git.acme.dev/api/v1");
  EXPECT_EQ(ScmApiBase(ScmKind::kGithub, "https://github.com"), "https://api.github.com");
  EXPECT_EQ(ScmApiBase(ScmKind::kGithub, "https://api.github.com"), "https://api.github.com");
  EXPECT_EQ(ScmApiBase(ScmKind::kGithub, "https://ghe.acme.dev"), "https://ghe.acme.dev/api/v3");
  EXPECT_TRUE(ValidateRepo("acme/app").ok());
  for (const char* bad : {"", "acme", "/app", "acme/", "a/b/c"}) {
    Status s = ValidateRepo(bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_THAT(s.message(), HasSubstr("--repo")) << bad;
  }
  EXPECT_FALSE(ParseScmKind("gitlab").ok());
}

}  // namespace
}  // namespace rollcall
