#include "core/fencing.h"

#include <fmt/format.h>

namespace rollcall {

RolloutKey KeyOf(const Release& release, const Policy& policy, bool rollback) {
  RolloutKey key{release, std::nullopt, policy.canary, policy.dry_run, rollback};
  if (policy.only_slugs) key.only_slugs.emplace(policy.only_slugs->begin(), policy.only_slugs->end());
  return key;
}

namespace {

Admission Decide(const AdmissionRequest& req) {
  Admission out;
  const Release& release = req.key.release;
  const bool rollback = req.key.rollback;
  if (rollback && req.reason.empty()) {
    out.kind = Admission::Kind::kInvalid;
    out.error = "reason: required when rollback is true";
    return out;
  }
  for (const auto& active : req.active) {
    if (active.key == req.key) {
      out.kind = Admission::Kind::kExisting;
      out.existing_id = active.id;
      return out;
    }
  }
  if (!release.seq) {
    // Unfenced: it neither moves the desired release nor stops a fenced
    // rollout, so it can never push the fleet backward by omission.
    out.warnings.push_back(fmt::format(
        "release {} has no seq: it is not fenced and supersedes nothing", release.tag));
    return out;
  }
  const int64_t seq = *release.seq;
  if (req.desired && req.desired->seq && !rollback) {
    const Release& desired = *req.desired;
    if (*desired.seq > seq) {
      out.kind = Admission::Kind::kSuperseded;
      out.newer = desired;
      return out;
    }
    if (*desired.seq == seq && desired.tag != release.tag) {
      out.kind = Admission::Kind::kConflict;
      out.error = fmt::format("release.seq: {} already names tag {}", seq, desired.tag);
      return out;
    }
  }
  for (const auto& active : req.active) {
    if (!active.key.dry_run && !active.key.release.SameAs(release)) out.supersede_ids.push_back(active.id);
  }
  out.set_desired = true;
  if (rollback) {
    out.warnings.push_back(fmt::format("rollback to {}: {}", release.Describe(), req.reason));
  }
  return out;
}

}  // namespace

Admission DecideAdmission(const AdmissionRequest& req) {
  Admission out = Decide(req);
  if (req.key.dry_run && out.kind == Admission::Kind::kAccept) {
    out.supersede_ids.clear();  // a dry run only answers what the real run would
    out.set_desired = false;
  }
  return out;
}

PromotionDecision DecidePromotion(const PromotionRequest& req) {
  PromotionDecision out;
  if (req.rollback && req.reason.empty()) {
    out.kind = PromotionDecision::Kind::kInvalid;
    out.error = "reason: required when rollback is true";
    return out;
  }
  if (!req.release.seq) {
    out.warnings.push_back(fmt::format("release {} has no seq: promoting {} unfenced", req.release.tag, req.channel));
    return out;
  }
  const int64_t seq = *req.release.seq;
  if (req.rollback) {
    out.warnings.push_back(fmt::format("rollback of {} to {}: {}", req.channel, req.release.Describe(), req.reason));
    return out;
  }
  if (req.current && req.current->seq) {
    if (*req.current->seq > seq) {
      out.kind = PromotionDecision::Kind::kSuperseded;
      out.newer = Release{req.current->tag, "", req.current->seq};
      return out;
    }
    if (*req.current->seq == seq && req.current->tag != req.release.tag) {
      out.kind = PromotionDecision::Kind::kConflict;
      out.error = fmt::format("seq: {} already names tag {} on {}", seq, req.current->tag, req.channel);
      return out;
    }
  }
  if (req.desired && req.desired->seq && *req.desired->seq > seq) {
    out.kind = PromotionDecision::Kind::kSuperseded;
    out.newer = *req.desired;
    return out;
  }
  return out;
}

Status FreezeRefusal(const std::optional<FleetFreeze>& freeze, bool rollback) {
  if (!freeze || rollback) return Status::Ok();
  return Status::Conflict(fmt::format("fleet frozen: {} (unfreeze it, or send a rollback with a reason)",
                                      freeze->reason));
}

std::optional<int64_t> NextRunningSeq(std::optional<int64_t> current, std::optional<int64_t> release_seq,
                                      bool rollback) {
  if (!release_seq) return std::nullopt;
  if (!rollback && current && *current > *release_seq) return std::nullopt;
  return release_seq;
}

std::string TenantFenceRefusal(std::optional<int64_t> running_seq, const Release& release,
                               bool rollback) {
  if (rollback || !running_seq || !release.seq || *running_seq <= *release.seq) return "";
  return fmt::format("fenced: tenant runs release seq {}, newer than {}", *running_seq,
                     *release.seq);
}

}  // namespace rollcall
