#include "cli/audit_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rollcall {
namespace {

using ::testing::HasSubstr;

TEST(AuditTableTest, ShowsWhoDidWhatOnWhatAndRefusalsWithTheirError) {
  Json answer = Json::parse(R"({"entries":[
    {"id":3,"at":"2026-12-01T10:00:02.000Z","actor":"ci-deploy","kind":"rollout.create","target":"",
     "reason":"","data":{"route":"POST /v1/rollouts","status":409,"error":"superseded"}},
    {"id":2,"at":"2026-12-01T10:00:01.000Z","actor":"alice@acme","kind":"fleet.freeze","target":"",
     "reason":"incident 7","data":{"route":"POST /v1/fleet/freeze","status":200}},
    {"id":1,"at":"2026-12-01T10:00:00.000Z","actor":"drift-watch","kind":"drift","target":"t0001",
     "reason":"on_target -> drifted","data":{}}],"next_cursor":1})");
  const std::string table = AuditTable(answer);
  EXPECT_THAT(table, HasSubstr("TIME"));
  EXPECT_THAT(table, HasSubstr("ci-deploy"));
  EXPECT_THAT(table, HasSubstr("refused: superseded"));
  EXPECT_THAT(table, HasSubstr("409"));
  EXPECT_THAT(table, HasSubstr("incident 7"));
  EXPECT_THAT(table, HasSubstr("t0001"));
  EXPECT_THAT(table, HasSubstr("older entries: rollcall audit --cursor 1"));
  // Newest first, as the server sent them.
  EXPECT_LT(table.find("ci-deploy"), table.find("alice@acme"));
  EXPECT_LT(table.find("alice@acme"), table.find("drift-watch"));
}

TEST(AuditTableTest, NothingRecordedAndHostileTextAreShownSafely) {
  EXPECT_EQ(AuditTable(Json::parse(R"({"entries":[],"next_cursor":null})")), "no audit entries\n");
  EXPECT_EQ(AuditTable(Json::parse("[]")), "no audit entries\n");
  const std::string table = AuditTable(Json::parse(
      R"({"entries":[{"actor":"x","kind":"k","reason":"\u001b[31mred","data":{"status":"oops"}}]})"));
  EXPECT_THAT(table, ::testing::Not(HasSubstr("\x1b")));
}

}  // namespace
}  // namespace rollcall
