#include "core/argv_template.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

using Argv = std::vector<std::string>;

const PlaceholderValues kValues = {
    {"image", "registry.test/app:v42"}, {"tag", "v42"},        {"host", "10.0.0.5"},
    {"evil", "; touch /tmp/x"},         {"braces", "{image}"},
};

Argv Substituted(const Argv& argv_template) {
  Result<Argv> argv = SubstituteArgv(argv_template, kValues);
  EXPECT_TRUE(argv.ok()) << argv.status().message();
  return argv.ok() ? *argv : Argv{};
}

TEST(SubstituteArgvTest, ReplacesPlaceholdersInsideEachArgument) {
  EXPECT_EQ(Substituted({"ssh", "{host}", "/opt/app/redeploy", "{image}"}),
            (Argv{"ssh", "10.0.0.5", "/opt/app/redeploy", "registry.test/app:v42"}));
  EXPECT_EQ(Substituted({"--tag={tag}@{host}", "{tag}{tag}"}),
            (Argv{"--tag=v42@10.0.0.5", "v42v42"}));
}

TEST(SubstituteArgvTest, KeepsAValueAsOneLiteralArgument) {
  EXPECT_EQ(Substituted({"run", "{evil}"}), (Argv{"run", "; touch /tmp/x"}));
}

TEST(SubstituteArgvTest, NeverRescansSubstitutedText) {
  EXPECT_EQ(Substituted({"{braces}"}), (Argv{"{image}"}));
}

TEST(SubstituteArgvTest, LeavesOtherBracesAlone) {
  EXPECT_EQ(Substituted({"{\"a\": 1}", "${HOME}", "{", "}", "{}", "{1x}", "a{b c}"}),
            (Argv{"{\"a\": 1}", "${HOME}", "{", "}", "{}", "{1x}", "a{b c}"}));
  EXPECT_EQ(Substituted({"cd ${APP_DIR} && ./redeploy {image}"}),
            (Argv{"cd ${APP_DIR} && ./redeploy registry.test/app:v42"}));
}

TEST(SubstituteArgvTest, UnknownPlaceholderIsAnErrorNamingIt) {
  Result<Argv> argv = SubstituteArgv({"ssh", "{host}", "{hots}"}, kValues);
  ASSERT_FALSE(argv.ok());
  EXPECT_EQ(argv.status().code(), Status::Code::kInvalid);
  EXPECT_EQ(argv.status().message(), "argv[2]: unknown placeholder {hots}");
}

TEST(SubstituteArgvTest, EmptyTemplateGivesEmptyArgv) { EXPECT_TRUE(Substituted({}).empty()); }

TEST(PlaceholdersTest, DeployBuiltinsWinOverVars) {
  DeployRequest req;
  req.rollout_id = "r-1";
  req.tenant.slug = "acme";
  req.tenant.vars = {{"image", "attacker/image"}, {"host", "10.0.0.5"}};
  req.release.tag = "v42";
  req.release.git_sha = "abc1234";
  req.release.seq = 42;
  req.image = "registry.test/app:v42";
  PlaceholderValues values = WithVars(DeployBuiltins(req), req.tenant);
  EXPECT_EQ(values.at("image"), "registry.test/app:v42");
  EXPECT_EQ(values.at("host"), "10.0.0.5");
  EXPECT_EQ(values.at("release_seq"), "42");
  EXPECT_EQ(values.at("slug"), "acme");
  EXPECT_EQ(values.at("rollout_id"), "r-1");
  EXPECT_EQ(values.at("git_sha"), "abc1234");
  EXPECT_EQ(values.at("tag"), "v42");
}

TEST(PlaceholdersTest, AbsentSeqIsEmpty) {
  DeployRequest req;
  EXPECT_EQ(DeployBuiltins(req).at("release_seq"), "");
}

TEST(PlaceholdersTest, BuiltinEnvironmentNamesEachBuiltin) {
  auto env = BuiltinEnvironment({{"image", "x:1"}, {"release_seq", "7"}});
  EXPECT_EQ(env, (std::map<std::string, std::string>{{"ROLLCALL_IMAGE", "x:1"},
                                                     {"ROLLCALL_RELEASE_SEQ", "7"}}));
}

}  // namespace
}  // namespace rollcall
