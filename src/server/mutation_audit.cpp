#include "server/mutation_audit.h"

#include "core/fleet_log.h"

namespace rollcall {
namespace {

// The request's JSON object, or an empty one (a body is never required to
// be JSON here: the route already answered what was wrong with it).
Json RequestObject(std::string_view body) {
  Json j = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : Json::object();
}

std::string StringField(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

bool BoolField(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

Json FieldOrNull(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() ? *it : Json(nullptr);
}

}  // namespace

AuditEntry AuditOf(const MutationCall& call, const ApiResponse& answer) {
  // Only a small body is read again: a large one is a bulk import, whose
  // answer holds what the entry needs.
  constexpr size_t kMaxBodyRead = 256 << 10;
  const Json request = call.body.size() <= kMaxBodyRead ? RequestObject(call.body) : Json::object();
  const Json& out = answer.body;
  const bool ok = answer.status < 400;
  AuditEntry e;
  e.actor = call.actor;
  e.kind = call.kind;
  e.target = call.args.empty() ? "" : call.args[0];
  e.reason = StringField(request, "reason");
  e.data = {{"route", call.route}, {"status", answer.status}};
  if (!ok && out.is_object()) {
    e.data["error"] = FieldOrNull(out, "error");
    if (out.contains("newer")) e.data["newer"] = out["newer"];
  }
  if (call.kind == "tenant.put") {
    e.kind = answer.status == 201 ? "tenant.create" : answer.status == 200 ? "tenant.replace" : "tenant.put";
  } else if (call.kind == "tenant.state" || call.kind == "rollout.control") {
    // ".../{slug}/cordon", ".../{id}/pause": the second segment is the verb.
    const std::string noun = call.kind == "tenant.state" ? "tenant." : "rollout.";
    if (call.args.size() > 1) e.kind = noun + call.args[1];
  } else if (call.kind == "tenants.import") {
    auto tenants = request.find("tenants");
    e.data["count"] = ok && out.is_object()                               ? FieldOrNull(out, "upserted")
                      : tenants != request.end() && tenants->is_array() ? Json(tenants->size())
                                                                         : Json(nullptr);
  } else if (call.kind == "rollout.create") {
    if (BoolField(request, "rollback")) e.kind = "rollout.rollback";
    e.data["release"] = FieldOrNull(request, "release");
    if (ok && out.is_object()) e.target = StringField(out, "id");
  } else if (call.kind == "channel.promote") {
    e.data["to"] = ok && out.is_object()
                       ? Json{{"tag", FieldOrNull(out, "tag")}, {"seq", FieldOrNull(out, "seq")},
                              {"digest", FieldOrNull(out, "digest")}}
                       : Json{{"tag", FieldOrNull(request, "tag")}, {"seq", FieldOrNull(request, "seq")}};
    const Json from = ok && out.is_object() ? FieldOrNull(out, "replaced") : Json(nullptr);
    e.data["from"] = from.is_object() ? Json{{"tag", FieldOrNull(from, "tag")}, {"seq", FieldOrNull(from, "seq")},
                                             {"digest", FieldOrNull(from, "digest")}}
                                      : Json(nullptr);
  } else if (call.kind == "fleet.recover") {
    if (ok && out.is_object()) {
      e.data["tenants"] = FieldOrNull(out, "tenants");
      const Json rollout = FieldOrNull(out, "rollout");
      if (rollout.is_object()) e.target = StringField(rollout, "id");
    }
  } else if (call.kind == "legacy.redeploy-fleet") {
    e.target = StringField(request, "target_tag");
    e.data["only_slugs"] = FieldOrNull(request, "only_slugs");
    e.data["dry_run"] = BoolField(request, "dry_run");
  }
  return e;
}

std::optional<FleetChange> FleetChangeOf(const AuditEntry& e) {
  const int status = e.data.value("status", 0);
  if (status < 200 || status >= 300) return std::nullopt;
  if (e.kind == "channel.promote") {
    return FleetChange{kEventChannel, Json{{"channel", e.target}, {"to", FieldOrNull(e.data, "to")},
                                           {"from", FieldOrNull(e.data, "from")}, {"by", e.actor}}};
  }
  if (e.kind == "fleet.freeze" || e.kind == "fleet.unfreeze" || e.kind == "tenants.import" ||
      e.kind.rfind("tenant.", 0) == 0) {
    Json data = {{"change", e.kind}, {"by", e.actor}};
    if (!e.target.empty()) data["slug"] = e.target;
    if (e.kind == "fleet.freeze") data["reason"] = e.reason;
    return FleetChange{kEventFleet, std::move(data)};
  }
  return std::nullopt;
}

}  // namespace rollcall
