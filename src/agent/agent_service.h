// AgentService: the decisions of rollcall-agent (DESIGN §5), without HTTP
// and without processes.
//
//  - one deploy at a time: a second is refused while one runs;
//  - fencing: a release_seq lower than the one the agent runs is refused
//    unless the request says "rollback": true;
//  - after exit 0, what runs now (the command's proof, else the requested
//    image) and its release_seq are recorded, in the state file when one is
//    configured, before the deploy is answered.
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
#include "drivers/argv_template.h"

namespace rollcall {

// POST /v1/deploy {"image","tag","git_sha","release_seq","rollout_id","rollback"}

// Strict: malformed JSON, unknown fields, wrong types and bad values are
// Invalid naming the field ("image: required", "rollback: must be true or
// false", "tag: not a valid OCI tag").
Result<AgentDeployRequest> ParseAgentDeployRequest(std::string_view body);

// {image}, {tag}, {git_sha}, {release_seq} ("" when absent), {rollout_id}.
PlaceholderValues AgentPlaceholders(const AgentDeployRequest& req);

// {"exit_code","running_image","output"}, plus "error" when the command did
// not complete (exit_code is then null).
Json DeployAnswerJson(const DeployOutcome& outcome);

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
  Result<Slot> BeginDeploy(const AgentDeployRequest& req);

  // Records a successful deploy (exit 0) and returns the outcome to answer
  // with, its running_image filled in as recorded. Internal naming the file
  // when the state cannot be saved (the in-memory state is updated anyway,
  // so fencing keeps working until a restart).
  Result<DeployOutcome> FinishDeploy(Slot slot, const AgentDeployRequest& req,
                                     DeployOutcome outcome);

  AgentState State() const;
  bool Deploying() const;

 private:
  void Release();

  const std::string state_file_;
  mutable std::mutex mu_;
  AgentState state_;        // guarded by mu_
  bool deploying_ = false;  // guarded by mu_
};

}  // namespace rollcall
