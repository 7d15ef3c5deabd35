// Man page, completion and "did you mean" come from the command table: a
// command added to it shows up in all three.
#include "runtime/cli_docs.h"

#include <CLI/CLI.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace rollcall {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Demo {
  Demo() {
    app.require_subcommand(1);
    app.add_option("--server", server, "control plane URL");
    app.add_flag("--json", json, "print JSON");
    auto* rollout = app.add_subcommand("rollout", "start a rollout");
    rollout->add_option("--tag", tag, "image tag")->required();
    rollout->add_option("--max-stragglers", tag, "N or N%");
    rollout->footer("Example: demo rollout --tag v2");
    auto* tenants = app.add_subcommand("tenants", "manage tenants");
    tenants->require_subcommand(1);
    tenants->add_subcommand("list", "list tenants");
    tenants->add_subcommand("remove", "remove one")->add_option("SLUG", tag);
    auto* hidden = app.add_subcommand("secret", "not shown");
    hidden->group("");
  }
  CLI::App app{"demo: roll things"};
  std::string server, tag;
  bool json = false;
};

TEST(CliDocsTest, DidYouMeanNamesTheNearestCommandOrFlag) {
  Demo d;
  EXPECT_EQ(DidYouMean(d.app, {"rolout", "--tag", "v2"}), "unknown command \"rolout\": did you mean \"rollout\"?");
  EXPECT_EQ(DidYouMean(d.app, {"tenants", "lst"}), "unknown command \"lst\": did you mean \"list\"?");
  EXPECT_EQ(DidYouMean(d.app, {"rollout", "--max-straglers", "1"}),
            "unknown flag --max-straglers: did you mean --max-stragglers?");
  EXPECT_EQ(DidYouMean(d.app, {"rollout", "--tag", "rolout", "--jsn"}), "unknown flag --jsn: did you mean --json?");
  EXPECT_EQ(DidYouMean(d.app, {"frobnicate"}), "");
  EXPECT_EQ(DidYouMean(d.app, {"tenants", "remove", "acme"}), "");
}

TEST(CliDocsTest, TheManPageHasEveryVisibleCommandWithItsOptionsAndExamples) {
  Demo d;
  const std::string man = ManPage(d.app, "demo", "1.2.3", {{"EXIT STATUS", "0 ok\n\n2 usage"}});
  EXPECT_THAT(man, HasSubstr(".TH DEMO 1 \"\" \"demo 1.2.3\" \"Rollcall\"\n"));
  EXPECT_THAT(man, HasSubstr(".SH NAME\ndemo \\- demo: roll things\n"));
  EXPECT_THAT(man, HasSubstr(".SS \"demo rollout\"\nstart a rollout\n"));
  EXPECT_THAT(man, HasSubstr("\\fB\\-\\-tag\\fR \\fITEXT\\fR\nimage tag\n"));
  EXPECT_THAT(man, HasSubstr(".SS \"demo tenants list\""));
  EXPECT_THAT(man, HasSubstr("Arguments: \\fISLUG\\fR"));
  EXPECT_THAT(man, HasSubstr("Example: demo rollout \\-\\-tag v2"));
  EXPECT_THAT(man, HasSubstr(".SH EXIT STATUS\n.PP\n0 ok\n.PP\n2 usage\n"));
  EXPECT_THAT(man, Not(HasSubstr("secret")));
}

// Runs the generated bash completion for `line` (the cursor at its end).
std::string Complete(const std::string& script, const std::string& line) {
  std::string dir = (std::filesystem::temp_directory_path() / "rollcall-docs-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) return "mkdtemp failed";
  const std::string file = dir + "/completion.bash";
  std::ofstream(file) << script;
  const std::string command = "bash -c 'source " + file + " && COMP_WORDS=(" + line +
                              ") && COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _demo; echo \"${COMPREPLY[*]}\"'";
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    std::array<char, 512> buf{};
    while (fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
    pclose(p);
  }
  std::filesystem::remove_all(dir);
  return out;
}

TEST(CliDocsTest, BashCompletesCommandsThenTheirFlags) {
  Demo d;
  const std::string script = BashCompletion(d.app, "demo");
  EXPECT_THAT(script, HasSubstr("complete -o default -F _demo demo\n"));
  EXPECT_EQ(Complete(script, "demo rol"), "rollout\n");
  EXPECT_EQ(Complete(script, "demo tenants l"), "list\n");
  EXPECT_EQ(Complete(script, "demo rollout --max"), "--max-stragglers\n");
  EXPECT_EQ(Complete(script, "demo rollout --tag v2 --ser"), "--server\n");  // a global flag after the command
  EXPECT_EQ(Complete(script, "demo sec"), "\n");  // hidden
}

TEST(CliDocsTest, ZshGetsAFunctionFileOfTheSameTable) {
  Demo d;
  const std::string script = ZshCompletion(d.app, "demo");
  EXPECT_THAT(script, HasSubstr("#compdef demo\n"));
  EXPECT_THAT(script, HasSubstr("('tenants') words_=(list remove"));
  EXPECT_THAT(script, HasSubstr("_demo \"$@\"\n"));
}

}  // namespace
}  // namespace rollcall
