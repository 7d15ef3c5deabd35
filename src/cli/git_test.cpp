#include "cli/git.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace rollcall {
namespace {

using ::testing::HasSubstr;

// A fake git: answers by the joined argv, and records what it ran.
struct FakeGit {
  std::map<std::string, std::string> answers;  // absent: git fails
  std::vector<std::string> ran;
  GitRunner Runner() {
    return [this](const std::vector<std::string>& args) -> Result<std::string> {
      std::string joined;
      for (const auto& a : args) joined += (joined.empty() ? "" : " ") + a;
      ran.push_back(joined);
      auto it = answers.find(joined);
      if (it == answers.end()) return Status::Unavailable("git: unexpected " + joined);
      return it->second;
    };
  }
};

TEST(GitTest, RemoteHeadPicksTheExactRef) {
  FakeGit git;
  git.answers["ls-remote -- origin refs/heads/main"] =
      std::string("1111111aaaa\trefs/heads/main-old\n2222222bbbb\trefs/heads/main\n");
  EXPECT_EQ(*RemoteBranchHead(git.Runner(), "origin", "main"), "2222222bbbb");
  git.answers["ls-remote -- origin refs/heads/gone"] = "";
  Result<std::string> gone = RemoteBranchHead(git.Runner(), "origin", "gone");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), Status::Code::kNotFound);
}

TEST(GitTest, SeqIsGivenOrCountedFromAFullClone) {
  FakeGit git;
  EXPECT_EQ(**ResolveSeq(git.Runner(), 42, false, "abc1234"), 42);
  EXPECT_FALSE(ResolveSeq(git.Runner(), std::nullopt, true, "abc1234")->has_value());
  EXPECT_FALSE(ResolveSeq(git.Runner(), std::nullopt, false, "")->has_value());
  EXPECT_TRUE(git.ran.empty());  // nothing to count in those cases

  git.answers["rev-parse --is-shallow-repository"] = "false\n";
  git.answers["rev-list --count abc1234"] = "1042\n";
  EXPECT_EQ(**ResolveSeq(git.Runner(), std::nullopt, false, "abc1234"), 1042);
}

TEST(GitTest, AShallowCloneRefusesToGuess) {
  FakeGit git;
  git.answers["rev-parse --is-shallow-repository"] = "true\n";
  Result<std::optional<int64_t>> seq = ResolveSeq(git.Runner(), std::nullopt, false, "abc1234");
  ASSERT_FALSE(seq.ok());
  EXPECT_EQ(seq.status().code(), Status::Code::kInvalid);
  EXPECT_THAT(seq.status().message(), HasSubstr("shallow"));
  EXPECT_THAT(seq.status().message(), HasSubstr("--no-seq"));
  EXPECT_EQ(seq.status().message().find('\n'), std::string::npos);  // one line
}

TEST(GitTest, NoRepositoryOrGarbageIsAnErrorNamingSeq) {
  FakeGit none;
  Result<std::optional<int64_t>> seq = ResolveSeq(none.Runner(), std::nullopt, false, "abc1234");
  ASSERT_FALSE(seq.ok());
  EXPECT_THAT(seq.status().message(), HasSubstr("--seq"));
  FakeGit garbage;
  garbage.answers["rev-parse --is-shallow-repository"] = "false\n";
  garbage.answers["rev-list --count abc1234"] = "lots\n";
  EXPECT_FALSE(ResolveSeq(garbage.Runner(), std::nullopt, false, "abc1234").ok());
  EXPECT_FALSE(ResolveSeq(garbage.Runner(), 3, true, "abc1234").ok());  // both flags
  EXPECT_FALSE(ResolveSeq(garbage.Runner(), -1, false, "").ok());
}

}  // namespace
}  // namespace rollcall
