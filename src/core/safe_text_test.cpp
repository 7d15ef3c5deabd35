#include "core/safe_text.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

TEST(SafeText, ValidUtf8IsRecognised) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("gr\xC3\xBC\xC3\x9F" "e \xE2\x9C\x93 \xF0\x9F\x9A\x80"));
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
}

TEST(SafeText, EscapesControlAndInvalidBytesOnly) {
  EXPECT_EQ(EscapeText("t0001"), "t0001");
  EXPECT_EQ(EscapeText("x\nforged INFO"), "x\\x0Aforged INFO");
  EXPECT_EQ(EscapeText("\xFF/a\\b"), "\\xFF/a\\\\b");
  EXPECT_EQ(EscapeText("\xE2\x9C\x93\r"), "\xE2\x9C\x93\\x0D");
  EXPECT_TRUE(IsValidUtf8(EscapeText("\xC3\x28\x7F\xF0\x9F")));
}

TEST(SafeText, DumpJsonNeverThrowsOnInvalidUtf8) {
  nlohmann::json j = {{"error", std::string("tenant \xFF: not found")}};
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);
  std::string dumped = DumpJson(j);
  EXPECT_TRUE(IsValidUtf8(dumped));
  EXPECT_EQ(nlohmann::json::parse(dumped)["error"], "tenant \xEF\xBF\xBD: not found");
}

}  // namespace
}  // namespace rollcall
