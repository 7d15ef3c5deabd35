// What rollcall-agent runs, and the file that keeps it across restarts.
//
// The state file holds the same JSON GET /v1/state answers:
// {"running_image":"registry/app:v42","release_seq":42} (release_seq may be
// null). It is replaced atomically (temp file, fsync, rename), so a crash
// leaves either the old or the new state, never a torn one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/json_reader.h"
#include "core/status.h"

namespace rollcall {

struct AgentState {
  std::string running_image;  // empty before the first deploy
  std::optional<int64_t> release_seq;

  bool operator==(const AgentState&) const = default;
};

Json ToJson(const AgentState& state);
// Strict: Invalid naming the field on a wrong type or an unknown field.
Result<AgentState> ParseAgentState(const Json& j);

// An absent file is the empty state; an unreadable or corrupt one is an
// error naming the path (the agent refuses to start rather than forget
// which release it runs).
Result<AgentState> LoadAgentState(const std::string& path);
// Replaces the file atomically. Internal naming the path and the errno
// text when it cannot.
Status SaveAgentState(const std::string& path, const AgentState& state);

}  // namespace rollcall
