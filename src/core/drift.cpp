#include "core/drift.h"

#include <fmt/format.h>

#include <algorithm>

namespace rollcall {

std::string_view ToString(DriftState s) {
  switch (s) {
    case DriftState::kUnobserved: return "unobserved";
    case DriftState::kOnTarget: return "on_target";
    case DriftState::kDrifted: return "drifted";
    case DriftState::kAhead: return "ahead";
    case DriftState::kUnhealthy: return "unhealthy";
    case DriftState::kUnreachable: return "unreachable";
  }
  return "unobserved";
}

Result<DriftState> ParseDriftState(std::string_view s) {
  for (DriftState d : {DriftState::kUnobserved, DriftState::kOnTarget, DriftState::kDrifted, DriftState::kAhead,
                       DriftState::kUnhealthy, DriftState::kUnreachable}) {
    if (ToString(d) == s) return d;
  }
  return Status::Invalid(fmt::format("unknown drift state \"{}\"", s));
}

namespace {

// The image the tenant runs by the best evidence: the driver's inspect
// (what the engine proves rollouts with), else /buildinfo.
std::string_view ObservedImage(const TenantSighting& s) {
  if (s.inspected && !s.inspected_image.empty()) return s.inspected_image;
  return s.buildinfo_answered ? std::string_view(s.buildinfo_image) : std::string_view();
}

std::optional<std::string> BuildDifference(const TenantSighting& s, const Release& desired,
                                           std::string_view target_image) {
  std::string_view image = ObservedImage(s);
  if (!image.empty() && image != target_image) {
    return fmt::format("runs {}, desired {}", image, target_image);
  }
  if (!desired.git_sha.empty() && s.buildinfo_answered && !s.buildinfo_sha.empty() &&
      s.buildinfo_sha != desired.git_sha) {
    return fmt::format("/buildinfo git_sha {}, desired {}", s.buildinfo_sha, desired.git_sha);
  }
  return std::nullopt;
}

}  // namespace

DriftVerdict Judge(const TenantSighting& s, const std::optional<Release>& desired,
                   std::string_view target_image) {
  if (!s.inspected && !s.buildinfo_answered && !s.health_answered) {
    return {DriftState::kUnreachable, "no answer from inspect, /buildinfo or /healthz"};
  }
  if (desired && desired->seq && s.inspected_seq && *s.inspected_seq > *desired->seq) {
    return {DriftState::kAhead, fmt::format("runs release_seq {}, newer than the desired {}",
                                            *s.inspected_seq, *desired->seq)};
  }
  if (desired) {
    if (auto difference = BuildDifference(s, *desired, target_image)) {
      return {DriftState::kDrifted, *difference};
    }
  }
  if (!s.health_answered) return {DriftState::kUnhealthy, "/healthz: no answer"};
  if (!s.healthy) return {DriftState::kUnhealthy, "/healthz: not 2xx"};
  if (desired && ObservedImage(s).empty() && !(s.buildinfo_answered && !s.buildinfo_sha.empty())) {
    return {DriftState::kUnreachable, "healthy, but neither inspect nor /buildinfo tells its build"};
  }
  return {DriftState::kOnTarget, ""};
}

DriftStatus Advance(const DriftStatus& before, const TenantSighting& s, const DriftVerdict& verdict,
                    bool* changed) {
  DriftStatus after = before;
  after.last = s;
  const bool moves = !s.deploying && verdict.state != before.state;
  if (!s.deploying) {
    after.state = verdict.state;
    after.detail = verdict.detail;
    if (moves) after.since_ms = s.at_ms;
  }
  if (changed != nullptr) *changed = moves;
  return after;
}

bool RecoveryMayTouch(const Tenant& t, const DriftStatus& status, const std::optional<Release>& desired) {
  if (t.state != TenantState::kActive || !desired) return false;
  if (status.state == DriftState::kAhead) return false;
  if (desired->seq && t.running_seq && *t.running_seq > *desired->seq) return false;
  return t.quarantined || status.state == DriftState::kDrifted;
}

Duration RecoveryBackoff(int attempt, Duration base, Duration cap) {
  if (attempt <= 0) return Duration::zero();
  Duration wait = base;
  for (int i = 1; i < attempt && wait < cap; ++i) wait *= 2;
  return std::min(wait, cap);
}

}  // namespace rollcall
