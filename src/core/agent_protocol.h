// The agent API's wire formats (DESIGN §5), once for everyone: what the
// control plane's agent driver sends and reads, and what the agents
// (rollcall-agent, rollcall-sim) read and answer.
//   POST /v1/deploy {"image","tag","git_sha","release_seq","rollout_id","rollback"}
//     -> {"exit_code","running_image","output"} (+ "error")
//   GET /v1/state -> {"running_image","release_seq","deploying"}
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

// The deploy's answer. running_image is empty (JSON null) unless the deploy
// command or the agent's inspect command proved it: never the image asked for.
struct AgentDeployAnswer {
  std::optional<int> exit_code;  // absent: the command did not complete
  std::string running_image;
  std::string output;
  std::string error;  // why it did not complete; empty otherwise
};
Json ToJson(const AgentDeployAnswer& answer);
// Lenient about absent fields, strict about types: Invalid naming the field.
// A running_image that is not a valid image reference is no proof: empty.
Result<AgentDeployAnswer> ParseAgentDeployAnswer(std::string_view body);

// A deploy the agent is running right now.
struct AgentDeploying {
  std::string image;
  std::optional<int64_t> release_seq;
  std::string rollout_id;
  int64_t started_at_ms = 0;
};

struct AgentStateAnswer {
  std::string running_image;           // "" (JSON null) when unknown
  std::optional<int64_t> release_seq;  // the highest it has run (its fence)
  std::optional<AgentDeploying> deploying;
};
Json ToJson(const AgentStateAnswer& state);
// As ParseAgentDeployAnswer.
Result<AgentStateAnswer> ParseAgentStateAnswer(std::string_view body);

// The fence an agent keeps after running a deploy of `requested` (exit 0):
// the highest release_seq it has run, unless a rollback sets it lower; a
// deploy without release_seq never lowers it.
std::optional<int64_t> AgentFenceAfter(std::optional<int64_t> current, std::optional<int64_t> requested,
                                       bool rollback);

}  // namespace rollcall
