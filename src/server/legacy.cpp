#include "server/legacy.h"

#include <fmt/format.h>

#include "core/json_codec.h"

namespace rollcall {

Result<RolloutRequest> ParseLegacyRequest(const Json& body, const Policy& defaults) {
  RolloutRequest req;
  req.policy = defaults;
  req.policy.strategy = Strategy::kBatches;
  FieldReader r(body, "");
  bool confirm = false;
  std::string canary;
  r.Read("confirm", confirm);
  r.Read("target_tag", req.release.tag);
  r.Read("canary_slug", canary);
  r.Read("soak_seconds", req.policy.soak_seconds);
  r.Read("batch_size", req.policy.max_parallel);
  r.Read("dry_run", req.policy.dry_run);
  r.Read("only_slugs", req.policy.only_slugs);
  r.Read("release_seq", req.release.seq);
  if (const Json* limit = r.Raw("max_stragglers")) {
    // Same rules as the v1 policy field: an integer or "N%".
    Result<Policy> parsed = ParsePolicy(Json{{"max_stragglers", *limit}}, req.policy, "");
    if (!parsed.ok()) return parsed.status();
    req.policy.max_stragglers = parsed->max_stragglers;
  }
  if (Status s = r.Finish(); !s.ok()) return s;
  const bool targeted = req.policy.only_slugs && !req.policy.only_slugs->empty();
  if (req.policy.only_slugs && req.policy.only_slugs->empty()) {
    return Status::Invalid("only_slugs: must not be an empty list");
  }
  if (!confirm && !targeted) {
    return Status::Invalid("confirm: must be true to redeploy the whole fleet (or give only_slugs)");
  }
  if (req.release.tag.empty()) return Status::Invalid("target_tag: required");
  // Checked under the legacy names, so the error names the field the caller sent.
  if (!IsValidTag(req.release.tag)) {
    return Status::Invalid("target_tag: must match ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$");
  }
  if (req.release.seq && *req.release.seq < 0) return Status::Invalid("release_seq: must be >= 0");
  if (req.policy.max_parallel < 1) return Status::Invalid("batch_size: must be >= 1");
  if (!canary.empty()) {
    if (!IsValidSlug(canary)) return Status::Invalid("canary_slug: not a valid slug");
    req.policy.canary = {canary};
  }
  if (Status s = Validate(req.policy, ""); !s.ok()) return s;  // soak_seconds, only_slugs
  req.legacy_scoped = targeted;
  return req;
}

Json LegacyAnswer(const Rollout& rollout) {
  return LegacyAnswerJson(rollout.results, rollout.state == RolloutState::kSucceeded, rollout.stragglers,
                          rollout.error, rollout.id);
}

std::optional<LegacyCanary> CanaryTaughtBy(const RolloutRequest& dry_run, const std::string& rollout_id,
                                           int64_t now_ms) {
  if (!dry_run.policy.dry_run || dry_run.policy.canary.size() != 1) return std::nullopt;
  return LegacyCanary{dry_run.release.tag, dry_run.policy.canary.front(), rollout_id, now_ms};
}

bool IsRememberedCanaryCall(const RolloutRequest& req, const LegacyCanary& memory) {
  return !req.policy.dry_run && req.policy.canary.empty() && req.release.tag == memory.tag &&
         req.policy.only_slugs && *req.policy.only_slugs == std::vector<std::string>{memory.slug};
}

void ApplyRememberedCanary(RolloutRequest& req, const LegacyCanary& memory) {
  req.policy.canary = {memory.slug};
  req.notes.push_back(fmt::format("canary {} from the legacy dry run {} for {}: any failure is fatal",
                                  memory.slug, memory.dry_run_id, memory.tag));
}

}  // namespace rollcall
