#include "core/agent_protocol.h"

#include <algorithm>
#include <fmt/format.h>

#include "core/image_ref.h"
#include "core/time.h"

namespace rollcall {

Result<AgentDeployRequest> ParseAgentDeployBody(std::string_view body) {
  Result<Json> json = ParseJsonObject(body);
  if (!json.ok()) return json.status();
  AgentDeployRequest req;
  FieldReader reader(*json, "");
  reader.Require("image");
  reader.Read("image", req.image);
  reader.Read("tag", req.tag);
  reader.Read("git_sha", req.git_sha);
  reader.Read("release_seq", req.release_seq);
  reader.Read("rollout_id", req.rollout_id);
  reader.Read("rollback", req.rollback);
  if (Status s = reader.Finish(); !s.ok()) return s;
  if (req.image.empty()) return Status::Invalid("image: must not be empty");
  return req;
}

Json ToJson(const AgentDeployRequest& req) {
  return {{"image", req.image},
          {"tag", req.tag},
          {"git_sha", req.git_sha},
          {"release_seq", req.release_seq ? Json(*req.release_seq) : Json(nullptr)},
          {"rollout_id", req.rollout_id},
          {"rollback", req.rollback}};
}

namespace {

Json OptionalString(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }
Json OptionalInt(const std::optional<int64_t>& v) { return v ? Json(*v) : Json(nullptr); }

// A claimed image that is not a valid reference proves nothing.
std::string ProvenImage(const std::string& claimed) { return IsValidImageReference(claimed) ? claimed : ""; }

}  // namespace

Json ToJson(const AgentDeployAnswer& a) {
  Json j{{"exit_code", a.exit_code ? Json(*a.exit_code) : Json(nullptr)},
         {"running_image", OptionalString(a.running_image)},
         {"output", a.output}};
  if (!a.error.empty()) j["error"] = a.error;
  return j;
}

Result<AgentDeployAnswer> ParseAgentDeployAnswer(std::string_view body) {
  Result<Json> json = ParseJsonObject(body);
  if (!json.ok()) return json.status();
  AgentDeployAnswer a;
  std::optional<int64_t> exit_code;
  FieldReader r(*json, "");
  r.Read("exit_code", exit_code);
  r.Read("running_image", a.running_image);
  r.Read("output", a.output);
  r.Read("error", a.error);
  if (Status s = r.FinishIgnoringUnknown(); !s.ok()) return s;
  if (exit_code) a.exit_code = static_cast<int>(*exit_code);
  a.running_image = ProvenImage(a.running_image);
  return a;
}

Json ToJson(const AgentStateAnswer& st) {
  Json deploying = nullptr;
  if (st.deploying) {
    deploying = Json{{"image", st.deploying->image},
                     {"release_seq", OptionalInt(st.deploying->release_seq)},
                     {"rollout_id", st.deploying->rollout_id},
                     {"started_at", FormatWallMillis(st.deploying->started_at_ms)}};
  }
  return Json{{"running_image", OptionalString(st.running_image)},
              {"release_seq", OptionalInt(st.release_seq)},
              {"deploying", std::move(deploying)}};
}

Result<AgentStateAnswer> ParseAgentStateAnswer(std::string_view body) {
  Result<Json> json = ParseJsonObject(body);
  if (!json.ok()) return json.status();
  AgentStateAnswer st;
  FieldReader r(*json, "");
  r.Read("running_image", st.running_image);
  r.Read("release_seq", st.release_seq);
  if (const Json* d = r.Raw("deploying")) {
    if (!d->is_object()) return Status::Invalid("deploying: must be an object or null");
    AgentDeploying deploying;
    std::string started_at;
    FieldReader dr(*d, "deploying.");
    dr.Read("image", deploying.image);
    dr.Read("release_seq", deploying.release_seq);
    dr.Read("rollout_id", deploying.rollout_id);
    dr.Read("started_at", started_at);
    if (Status s = dr.FinishIgnoringUnknown(); !s.ok()) return s;
    deploying.started_at_ms = ParseWallMillis(started_at).value_or(0);
    st.deploying = std::move(deploying);
  }
  if (Status s = r.FinishIgnoringUnknown(); !s.ok()) return s;
  st.running_image = ProvenImage(st.running_image);
  return st;
}

std::optional<int64_t> AgentFenceAfter(std::optional<int64_t> current, std::optional<int64_t> requested,
                                       bool rollback) {
  if (!requested) return current;
  if (rollback || !current) return requested;
  return std::max(*current, *requested);
}

}  // namespace rollcall
