// The read commands' tables: newest first, the columns an operator scans.
#include "cli/read_tables.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/time.h"

namespace rollcall {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kNow = 1'800'000'000'000;

Json Listed(const std::string& id, const std::string& tag, int64_t seq, const std::string& state, bool dry = false) {
  return {{"id", id},
          {"state", state},
          {"release", {{"tag", tag}, {"seq", seq}, {"git_sha", "abc1234def"}}},
          {"policy", {{"dry_run", dry}, {"strategy", "window"}, {"max_parallel", 3}, {"max_stragglers", 1}}},
          {"rollback", false},
          {"recovery", false},
          {"created_by", "ci-deploy"},
          {"created_at", FormatWallMillis(kNow - 600'000)},
          {"started_at", FormatWallMillis(kNow - 600'000)},
          {"finished_at", FormatWallMillis(kNow - 480'000)},
          {"stragglers", Json::array({"t0007"})},
          {"error", nullptr},
          {"verified", 49},
          {"tenants", 50}};
}

TEST(ReadTablesTest, RolloutsShowStateReleaseWhoHowLongAndCoverage) {
  Json answer = {{"rollouts", {Listed("r2", "v2", 2, "running"), Listed("r1", "v1", 1, "succeeded")}},
                 {"next_cursor", "r1"}};
  const std::string table = RolloutsTable(answer, kNow, false);
  EXPECT_THAT(table, HasSubstr("ID  STATE      RELEASE  SEQ  BY         AGE         DURATION  VERIFIED  STRAGGLERS\n"));
  EXPECT_THAT(table, HasSubstr("r2  running    v2       2    ci-deploy  10m00s ago  2m00s     49/50     1 (t0007)\n"));
  EXPECT_LT(table.find("r2"), table.find("r1"));
  EXPECT_THAT(table, HasSubstr("older rollouts: --cursor r1\n"));
  EXPECT_THAT(table, Not(HasSubstr("SHA")));
  EXPECT_THAT(RolloutsTable(answer, kNow, true), HasSubstr("abc1234"));
  EXPECT_EQ(RolloutsTable(Json{{"rollouts", Json::array()}}, kNow, false), "no rollouts\n");
}

TEST(ReadTablesTest, HistoryLeavesDryRunsOutAndMarksRollbacks) {
  Json back = Listed("r3", "v1", 1, "succeeded");
  back["rollback"] = true;
  back["reason"] = "v2 breaks logins";
  Json answer = {{"rollouts", {back, Listed("r2d", "v2", 2, "succeeded", true), Listed("r1", "v1", 1, "succeeded")}}};
  const std::string table = HistoryTable(answer, kNow, true);
  EXPECT_THAT(table, HasSubstr("succeeded (rollback)"));
  EXPECT_THAT(table, HasSubstr("v2 breaks logins"));
  EXPECT_THAT(table, Not(HasSubstr("r2d")));
  EXPECT_THAT(table, HasSubstr("49/50"));
}

TEST(ReadTablesTest, TenantsAndChannels) {
  Json tenants = Json::parse(R"({"tenants":[{"slug":"acme","state":"active","driver":"agent",
    "running_image":"app:v2","running_seq":2,"quarantined":true,"quarantine_reason":"rollout r1: OffTarget",
    "base_url":"http://10.0.0.5:8080","public_url":"https://acme.example.com","labels":{"region":"eu"}}]})");
  EXPECT_THAT(TenantsTable(tenants, false), HasSubstr("acme    active  agent   app:v2   2    yes\n"));
  const std::string wide = TenantsTable(tenants, true);
  EXPECT_THAT(wide, HasSubstr("https://acme.example.com"));
  EXPECT_THAT(wide, HasSubstr("region=eu"));
  EXPECT_THAT(wide, HasSubstr("rollout r1: OffTarget"));

  Json channel = Json::parse(R"({"channel":"latest","tag":"v2","seq":2,"digest":"sha256:bb","history":[
    {"channel":"latest","tag":"v1","seq":1,"digest":"sha256:aa","promoted_at":"2026-12-01T10:00:00.000Z","created_by":"ci"},
    {"channel":"latest","tag":"v2","seq":2,"digest":"sha256:bb","promoted_at":"2026-12-02T10:00:00.000Z","created_by":"ci"}]})");
  const std::string history = ChannelHistoryTable(channel, false);
  EXPECT_THAT(history, HasSubstr("channel latest: v2 (seq 2), digest sha256:bb\n"));
  EXPECT_LT(history.find("sha256:bb  2026-12-02"), history.find("sha256:aa"));  // newest first
}

TEST(ReadTablesTest, OneRolloutsHeaderSaysWhatWhoAndHowItEnded) {
  Json r = Listed("r2", "v2", 2, "failed");
  r["error"] = "halted: 2 stragglers exceed the tolerance of 1";
  const std::string header = RolloutHeader(r);
  EXPECT_THAT(header, HasSubstr("rollout   r2\nstate     failed\nrelease   v2 (seq 2), sha abc1234\n"));
  EXPECT_THAT(header, HasSubstr("by ci-deploy"));
  EXPECT_THAT(header, HasSubstr("error     halted: 2 stragglers"));
}

}  // namespace
}  // namespace rollcall
