#include "core/agent_protocol.h"

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

}  // namespace rollcall
