#include "runtime/suggest.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

const std::vector<std::string> kCommands = {"plan", "rollout", "verify", "promote", "deploy", "status",
                                            "watch", "cancel", "pause", "resume", "tenants", "fleet"};

TEST(SuggestTest, TyposFindTheirCommand) {
  EXPECT_EQ(EditDistance("rolout", "rollout"), 1u);
  EXPECT_EQ(EditDistance("stauts", "status"), 1u);  // a swap is one edit
  EXPECT_EQ(Suggest("rolout", kCommands), "rollout");
  EXPECT_EQ(Suggest("stauts", kCommands), "status");
  EXPECT_EQ(Suggest("veryfi", kCommands), "verify");
  EXPECT_EQ(Suggest("promo", kCommands), "promote");
  EXPECT_EQ(Suggest("--max-straglers", {"--max-stragglers", "--max-parallel"}), "--max-stragglers");
}

TEST(SuggestTest, NothingNearIsNoSuggestion) {
  EXPECT_EQ(Suggest("frobnicate", kCommands), std::nullopt);
  EXPECT_EQ(Suggest("", kCommands), std::nullopt);
  EXPECT_EQ(Suggest("xy", kCommands), std::nullopt);
}

TEST(SuggestTest, TwoEquallyNearIsNoSuggestion) {
  EXPECT_EQ(Suggest("pase", {"pause", "parse"}), std::nullopt);
}

}  // namespace
}  // namespace rollcall
