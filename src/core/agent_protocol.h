// The agent API's deploy body (DESIGN §5): what the control plane's agent
// driver sends and what agents (rollcall-agent, rollcall-sim) read.
//   {"image","tag","git_sha","release_seq","rollout_id","rollback"}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/json_reader.h"

namespace rollcall {

struct AgentDeployRequest {
  std::string image;
  std::string tag;
  std::string git_sha;
  std::optional<int64_t> release_seq;  // absent: an unfenced release
  std::string rollout_id;
  bool rollback = false;
};

// Strict: malformed JSON, unknown fields and wrong types are Invalid naming
// the field; `image` is required and non-empty. Agents may check values
// further.
Result<AgentDeployRequest> ParseAgentDeployBody(std::string_view body);

Json ToJson(const AgentDeployRequest& req);

}  // namespace rollcall
