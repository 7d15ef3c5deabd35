#include "server/mutation_audit.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

MutationCall Call(std::string kind, std::vector<std::string> args, std::string_view body = "") {
  return MutationCall{"ci-deploy", std::move(kind), "POST /v1/x", std::move(args), body};
}

TEST(MutationAuditTest, NamesTheActorRouteTargetReasonAndStatus) {
  AuditEntry e = AuditOf(Call("fleet.freeze", {}, R"({"reason":"incident 42"})"), {200, Json::object()});
  EXPECT_EQ(e.actor, "ci-deploy");
  EXPECT_EQ(e.kind, "fleet.freeze");
  EXPECT_EQ(e.target, "");
  EXPECT_EQ(e.reason, "incident 42");
  EXPECT_EQ(e.data["route"], "POST /v1/x");
  EXPECT_EQ(e.data["status"], 200);
  EXPECT_FALSE(e.data.contains("error"));
}

TEST(MutationAuditTest, ARefusalKeepsItsErrorAndTheNewerRelease) {
  ApiResponse refused{409, Json{{"error", "superseded"}, {"newer", {{"tag", "v9"}, {"seq", 9}}}}};
  AuditEntry e = AuditOf(Call("rollout.create", {}, R"({"release":{"tag":"v1","seq":1}})"), refused);
  EXPECT_EQ(e.kind, "rollout.create");
  EXPECT_EQ(e.data["status"], 409);
  EXPECT_EQ(e.data["error"], "superseded");
  EXPECT_EQ(e.data["newer"]["seq"], 9);
  EXPECT_EQ(e.data["release"]["tag"], "v1");
  EXPECT_EQ(e.target, "");
}

TEST(MutationAuditTest, EachKindSaysWhatItChanged) {
  EXPECT_EQ(AuditOf(Call("tenant.put", {"acme"}), {201, Json::object()}).kind, "tenant.create");
  EXPECT_EQ(AuditOf(Call("tenant.put", {"acme"}), {200, Json::object()}).kind, "tenant.replace");
  EXPECT_EQ(AuditOf(Call("tenant.put", {"acme"}), {400, Json{{"error", "x"}}}).kind, "tenant.put");
  AuditEntry cordon = AuditOf(Call("tenant.state", {"acme", "cordon"}), {200, Json::object()});
  EXPECT_EQ(cordon.kind, "tenant.cordon");
  EXPECT_EQ(cordon.target, "acme");
  EXPECT_EQ(AuditOf(Call("rollout.control", {"r1", "pause"}), {200, Json::object()}).kind, "rollout.pause");
  AuditEntry import = AuditOf(Call("tenants.import", {}, R"({"tenants":[{},{},{}]})"), {200, Json{{"upserted", 3}}});
  EXPECT_EQ(import.data["count"], 3);
  AuditEntry refused_import = AuditOf(Call("tenants.import", {}, R"({"tenants":[{},{}]})"), {400, Json{{"error", "x"}}});
  EXPECT_EQ(refused_import.data["count"], 2);
  AuditEntry rollback = AuditOf(Call("rollout.create", {}, R"({"release":{"tag":"v1"},"rollback":true,"reason":"bad"})"),
                                {202, Json{{"id", "r7"}}});
  EXPECT_EQ(rollback.kind, "rollout.rollback");
  EXPECT_EQ(rollback.target, "r7");
  EXPECT_EQ(rollback.reason, "bad");
  AuditEntry promote = AuditOf(Call("channel.promote", {"latest"}, R"({"tag":"v2","seq":2})"),
                               {200, Json{{"tag", "v2"}, {"seq", 2}, {"digest", "sha256:bb"},
                                          {"replaced", {{"tag", "v1"}, {"seq", 1}, {"digest", "sha256:aa"}}}}});
  EXPECT_EQ(promote.target, "latest");
  EXPECT_EQ(promote.data["from"]["digest"], "sha256:aa");
  EXPECT_EQ(promote.data["to"]["digest"], "sha256:bb");
}

TEST(MutationAuditTest, ABodyThatIsNotJsonOrHasOddTypesIsNoProblem) {
  AuditEntry e = AuditOf(Call("rollout.create", {}, "not json{"), {400, Json{{"error", "bad json"}}});
  EXPECT_EQ(e.reason, "");
  AuditEntry odd = AuditOf(Call("rollout.create", {}, R"({"rollback":"yes","reason":7})"), {400, Json{{"error", "x"}}});
  EXPECT_EQ(odd.kind, "rollout.create");
  EXPECT_EQ(odd.reason, "");
}

TEST(MutationAuditTest, AcceptedFleetAndChannelChangesBecomeFleetEvents) {
  AuditEntry freeze = AuditOf(Call("fleet.freeze", {}, R"({"reason":"incident 42"})"), {200, Json::object()});
  std::optional<FleetChange> f = FleetChangeOf(freeze);
  ASSERT_TRUE(f);
  EXPECT_STREQ(f->type, "fleet");
  EXPECT_EQ(f->data, Json::parse(R"({"change":"fleet.freeze","by":"ci-deploy","reason":"incident 42"})"));
  AuditEntry cordon = AuditOf(Call("tenant.state", {"acme", "cordon"}), {200, Json::object()});
  EXPECT_EQ(FleetChangeOf(cordon)->data["slug"], "acme");
  ApiResponse promoted{200, Json{{"tag", "v2"}, {"seq", 2}, {"digest", "sha256:bb"}, {"replaced", nullptr}}};
  std::optional<FleetChange> c = FleetChangeOf(AuditOf(Call("channel.promote", {"latest"}, R"({"tag":"v2"})"), promoted));
  ASSERT_TRUE(c);
  EXPECT_STREQ(c->type, "channel");
  EXPECT_EQ(c->data["channel"], "latest");
  EXPECT_EQ(c->data["to"]["digest"], "sha256:bb");
  // Refusals and rollouts change nothing a fleet event would say.
  EXPECT_FALSE(FleetChangeOf(AuditOf(Call("fleet.freeze", {}, "{}"), {409, Json{{"error", "x"}}})));
  EXPECT_FALSE(FleetChangeOf(AuditOf(Call("rollout.create", {}, "{}"), {202, Json{{"id", "r1"}}})));
}

}  // namespace
}  // namespace rollcall
