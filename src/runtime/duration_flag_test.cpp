#include "runtime/duration_flag.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

// Parses `args` into one --soak option as the binaries declare it.
struct Parsed {
  bool ok = false;
  double seconds = -1;
  std::string error;
};

Parsed Parse(std::vector<std::string> args) {
  CLI::App app;
  Parsed out;
  app.add_option("--soak", out.seconds)->transform(DurationSeconds());
  args.insert(args.begin(), "test");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
    out.ok = true;
  } catch (const CLI::ParseError& e) {
    out.error = e.what();
  }
  return out;
}

TEST(DurationFlagTest, TakesBareSecondsAndUnits) {
  EXPECT_EQ(Parse({"--soak", "90"}).seconds, 90);
  EXPECT_EQ(Parse({"--soak", "2.5"}).seconds, 2.5);
  EXPECT_EQ(Parse({"--soak", "90s"}).seconds, 90);
  EXPECT_EQ(Parse({"--soak", "5m"}).seconds, 300);
  EXPECT_EQ(Parse({"--soak", "1h30m"}).seconds, 5400);
  EXPECT_EQ(Parse({"--soak", "250ms"}).seconds, 0.25);
}

TEST(DurationFlagTest, AnythingElseIsAUsageErrorNamingTheFlag) {
  for (const char* bad : {"soon", "-5", "5 minutes", "1h30", ""}) {
    Parsed p = Parse({"--soak", bad});
    EXPECT_FALSE(p.ok) << bad;
    EXPECT_NE(p.error.find("--soak"), std::string::npos) << p.error;
    EXPECT_NE(p.error.find("not a duration"), std::string::npos) << p.error;
  }
}

}  // namespace
}  // namespace rollcall
