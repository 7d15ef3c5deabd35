#include "core/recovery.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/safe_text.h"

namespace rollcall {
namespace {

DriftStatus StatusOf(const std::map<std::string, DriftStatus>& observed, const std::string& slug) {
  auto it = observed.find(slug);
  return it == observed.end() ? DriftStatus{} : it->second;
}

// Why `t` is not touched, or "" when it may be.
std::string Refusal(const Tenant& t, const DriftStatus& status, const Release& desired,
                    const std::set<std::string>& pending) {
  if (t.state == TenantState::kCordoned) return "cordoned";
  if (status.state == DriftState::kAhead) return "ahead of the desired release: never moved back";
  if (t.running_seq && desired.seq && *t.running_seq > *desired.seq) {
    return fmt::format("fenced: runs seq {}, above the desired release's {}", *t.running_seq, *desired.seq);
  }
  if (pending.count(t.slug) > 0) return "a running rollout has still to deploy it";
  if (!RecoveryMayTouch(t, status, desired)) return "neither quarantined nor drifted";
  return "";
}

// Left behind: what a recovery is for, whether or not it may act on it.
bool LeftBehind(const Tenant& t, const DriftStatus& status) {
  return t.quarantined || status.state == DriftState::kDrifted || status.state == DriftState::kAhead;
}

}  // namespace

Result<RecoveryScope> ScopeRecovery(const std::vector<Tenant>& tenants,
                                    const std::map<std::string, DriftStatus>& observed,
                                    const Release& desired, const std::vector<std::string>& only,
                                    const std::set<std::string>& pending) {
  std::map<std::string, const Tenant*> by_slug;
  for (const Tenant& t : tenants) by_slug[t.slug] = &t;
  for (size_t i = 0; i < only.size(); ++i) {
    if (by_slug.count(only[i]) == 0) {
      return Status::Invalid(fmt::format("only[{}]: no tenant \"{}\"", i, EscapeText(only[i])));
    }
  }
  const std::set<std::string> named(only.begin(), only.end());
  RecoveryScope scope;
  for (const auto& [slug, t] : by_slug) {
    if (!named.empty() && named.count(slug) == 0) continue;
    const DriftStatus status = StatusOf(observed, slug);
    const std::string why = Refusal(*t, status, desired, pending);
    if (why.empty()) {
      scope.slugs.push_back(slug);
    } else if (!named.empty() || LeftBehind(*t, status)) {
      scope.skipped.push_back({slug, why});
    }
  }
  return scope;
}

RolloutRequest RecoveryRequest(const Release& desired, const Policy& base, std::vector<std::string> slugs,
                               std::string reason) {
  RolloutRequest req;
  req.release = desired;
  req.policy = base;
  req.policy.canary.clear();
  req.policy.soak_seconds = 0;
  req.policy.strategy = Strategy::kWindow;
  req.policy.max_stragglers = StragglerLimit{100, /*percent=*/true};
  req.policy.dry_run = false;
  std::sort(slugs.begin(), slugs.end());
  req.policy.only_slugs = std::move(slugs);
  req.reason = std::move(reason);
  req.recovery = true;
  return req;
}

}  // namespace rollcall
