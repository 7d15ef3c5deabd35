// AgentService: the decisions of rollcall-agent (DESIGN §5), without HTTP
// and without processes.
//
//  - one deploy at a time: a second is refused while one runs;
//  - fencing: a release_seq lower than the one the agent runs is refused
//    unless the request says "rollback": true;
//  - after exit 0, what runs now (the command's proof: its marker line or
//    the inspect command's output; nothing when neither proved it, never
//    the image asked for) and the fence (the highest release_seq it has run,
//    lowered only by a rollback) are recorded, in the state file when one is
//    configured, before the deploy is answered;
//  - while a deploy runs, the state says so (`deploying`), so a restarted
//    control plane waits for it instead of deploying beside it.
//
// The HTTP glue parses the request, asks BeginDeploy, runs the command
// (ExecJob) and hands the outcome to FinishDeploy. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "agent/agent_state.h"
#include "core/agent_protocol.h"
#include "core/driver.h"
#include "core/argv_template.h"

namespace rollcall {

// POST /v1/deploy {"image","tag","git_sha","release_seq","rollout_id","rollback"}

// Strict: malformed JSON, unknown fields, wrong types and bad values are
// Invalid naming the field ("image: required", "rollback: must be true or
// false", "tag: not a valid OCI tag").
Result<AgentDeployRequest> ParseAgentDeployRequest(std::string_view body);

// {image}, {tag}, {git_sha}, {release_seq} ("" when absent), {rollout_id}.
PlaceholderValues AgentPlaceholders(const AgentDeployRequest& req);

// The answer to POST /v1/deploy (core/agent_protocol.h).
AgentDeployAnswer DeployAnswerOf(const DeployOutcome& outcome);

class AgentService {
 public:
  // Holds the single deploy slot; releasing it (destruction, or passing it
  // to FinishDeploy) lets the next deploy in. Move-only.
  class Slot {
   public:
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&&) = delete;
    ~Slot();

   private:
    friend class AgentService;
    explicit Slot(AgentService* owner) : owner_(owner) {}
    AgentService* owner_;
  };

  // Starts from the state file (absent = nothing deployed yet); an empty
  // path keeps the state in memory only. Errors when the file is corrupt.
  static Result<std::unique_ptr<AgentService>> Open(std::string state_file);
  AgentService(std::string state_file, AgentState initial);

  // Conflict "a deploy is already running", or Conflict "superseded: ..."
  // when req.release_seq is lower than the running one without rollback.
  // `started_at_ms`: Unix ms, shown in the state's `deploying`.
  Result<Slot> BeginDeploy(const AgentDeployRequest& req, int64_t started_at_ms = 0);

  // Records a successful deploy (exit 0) and returns the outcome to answer
  // with, its running_image filled in as recorded. Internal naming the file
  // when the state cannot be saved (the in-memory state is updated anyway,
  // so fencing keeps working until a restart).
  Result<DeployOutcome> FinishDeploy(Slot slot, const AgentDeployRequest& req,
                                     DeployOutcome outcome);

  AgentState State() const;
  bool Deploying() const;
  // GET /v1/state: the recorded state and the deploy in progress, if any.
  AgentStateAnswer StateAnswer() const;

 private:
  void Release();

  const std::string state_file_;
  mutable std::mutex mu_;
  AgentState state_;                        // guarded by mu_
  std::optional<AgentDeploying> deploying_;  // guarded by mu_
};

}  // namespace rollcall
