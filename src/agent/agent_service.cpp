#include "agent/agent_service.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/types.h"

namespace rollcall {
namespace {

bool HasSpaceOrControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

// Values end up as arguments of the deploy command: nothing that a program
// could read as an option, and nothing invisible.
Status ValidateDeployRequest(const AgentDeployRequest& req) {
  if (req.image.empty()) return Status::Invalid("image: must not be empty");
  if (req.image.front() == '-' || HasSpaceOrControl(req.image)) {
    return Status::Invalid(
        "image: must not start with '-' or contain spaces or control characters");
  }
  if (!req.tag.empty() && !IsValidTag(req.tag)) return Status::Invalid("tag: not a valid OCI tag");
  if (!req.git_sha.empty() && !IsValidGitSha(req.git_sha)) {
    return Status::Invalid("git_sha: must be 7 to 40 hex digits");
  }
  if (req.rollout_id.size() > 200 || HasSpaceOrControl(req.rollout_id)) {
    return Status::Invalid("rollout_id: at most 200 characters, no spaces or control characters");
  }
  return Status::Ok();
}

}  // namespace

Result<AgentDeployRequest> ParseAgentDeployRequest(std::string_view body) {
  Result<AgentDeployRequest> req = ParseAgentDeployBody(body);
  if (!req.ok()) return req.status();
  if (Status s = ValidateDeployRequest(*req); !s.ok()) return s;
  return req;
}

PlaceholderValues AgentPlaceholders(const AgentDeployRequest& req) {
  return PlaceholderValues{
      {"image", req.image},
      {"tag", req.tag},
      {"git_sha", req.git_sha},
      {"release_seq", req.release_seq ? std::to_string(*req.release_seq) : ""},
      {"rollout_id", req.rollout_id},
  };
}

AgentDeployAnswer DeployAnswerOf(const DeployOutcome& outcome) {
  return AgentDeployAnswer{outcome.exit_code, outcome.running_image, outcome.output, outcome.error};
}

AgentService::Slot::Slot(Slot&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}

AgentService::Slot::~Slot() {
  if (owner_) owner_->Release();
}

Result<std::unique_ptr<AgentService>> AgentService::Open(std::string state_file) {
  AgentState initial;
  if (!state_file.empty()) {
    Result<AgentState> loaded = LoadAgentState(state_file);
    if (!loaded.ok()) return loaded.status();
    initial = *loaded;
  }
  return std::make_unique<AgentService>(std::move(state_file), std::move(initial));
}

AgentService::AgentService(std::string state_file, AgentState initial)
    : state_file_(std::move(state_file)), state_(std::move(initial)) {}

Result<AgentService::Slot> AgentService::BeginDeploy(const AgentDeployRequest& req, int64_t started_at_ms) {
  std::lock_guard lock(mu_);
  if (deploying_) return Status::Conflict("a deploy is already running");
  if (req.release_seq && state_.release_seq && *req.release_seq < *state_.release_seq &&
      !req.rollback) {
    return Status::Conflict(fmt::format(
        "superseded: release_seq {} is lower than the running release_seq {} (send \"rollback\": "
        "true to go back)",
        *req.release_seq, *state_.release_seq));
  }
  deploying_ = AgentDeploying{req.image, req.release_seq, req.rollout_id, started_at_ms};
  return Slot(this);
}

Result<DeployOutcome> AgentService::FinishDeploy([[maybe_unused]] Slot slot,
                                                 const AgentDeployRequest& req,
                                                 DeployOutcome outcome) {
  // A failed or unfinished deploy records nothing: what runs now is unknown.
  if (!outcome.exit_code || *outcome.exit_code != 0) return outcome;
  AgentState next;
  {
    std::lock_guard lock(mu_);
    // Only what the command proved; "" (null) when nothing did. The fence is
    // the highest seq this agent has run: an unproven or stuck deploy of a
    // release still rules out anything older.
    next.running_image = outcome.running_image;
    next.release_seq = AgentFenceAfter(state_.release_seq, req.release_seq, req.rollback);
    state_ = next;
  }
  // `slot` is held until the call returns: no other deploy writes the file meanwhile.
  if (!state_file_.empty()) {
    if (Status saved = SaveAgentState(state_file_, next); !saved.ok()) return saved;
  }
  return outcome;
}

AgentState AgentService::State() const {
  std::lock_guard lock(mu_);
  return state_;
}

bool AgentService::Deploying() const {
  std::lock_guard lock(mu_);
  return deploying_.has_value();
}

AgentStateAnswer AgentService::StateAnswer() const {
  std::lock_guard lock(mu_);
  return AgentStateAnswer{state_.running_image, state_.release_seq, deploying_};
}

void AgentService::Release() {
  std::lock_guard lock(mu_);
  deploying_.reset();
}

}  // namespace rollcall
