#include "sim/fleet.h"

#include <fmt/format.h>

namespace rollcall::sim {

SimTenant::SimTenant(std::string slug, Build initial)
    : slug_(std::move(slug)), running_(initial), previous_(initial), history_{initial.image} {}

Fate SimTenant::Admit(Route route, bool authorized) {
  if (faults_.dead) return Fate::kNeverAnswer;
  if (route != Route::kAgentDeploy && route != Route::kAgentState) return Fate::kServe;
  // The token is checked before the faults, so a caller with a wrong token
  // cannot use up a flaky tenant's failures.
  if (!authorized) return Fate::kUnauthorized;
  if (faults_.crash) return Fate::kDropConnection;
  if (faults_.flaky_calls > 0) {
    --faults_.flaky_calls;
    return Fate::kBadGateway;
  }
  return Fate::kServe;
}

void SimTenant::Settle(TimePoint now) {
  if (reverted_ || !revert_at_ || now < *revert_at_ || in_flight_) return;
  // The host came back from an old snapshot: everything shows the old build.
  reverted_ = true;
  std::swap(running_, previous_);
  landed_at_.reset();
  history_.push_back(running_.image);
}

const Build& SimTenant::VisibleBuild(TimePoint now) const {
  if (landed_at_ && now < *landed_at_ + faults_.lag) return previous_;
  return running_;
}

Result<DeployTicket> SimTenant::StartDeploy(const DeployOrder& order, Duration duration, int64_t started_at_ms,
                                            std::string by) {
  if (in_flight_) {
    return Status::Conflict(
        fmt::format("deploy in progress: {} is deploying {}", slug_, in_flight_->image));
  }
  if (order.release_seq && release_seq_ && *order.release_seq < *release_seq_ && !order.rollback) {
    return Status::Conflict(fmt::format(
        "release_seq: {} is older than the running release_seq {}; send rollback=true to move back",
        *order.release_seq, *release_seq_));
  }
  in_flight_ = order;
  in_flight_since_ms_ = started_at_ms;
  starts_.push_back(DeployStart{std::move(by), started_at_ms});
  ++deploys_started_;
  return DeployTicket{.deploy_number = deploys_started_,
                      .duration = faults_.slow.value_or(duration)};
}

DeployAnswer SimTenant::FinishDeploy(TimePoint now) {
  DeployOrder order = std::move(*in_flight_);
  in_flight_.reset();
  ++deploys_finished_;
  // It ran the deploy, stuck or not: nothing older gets in after it.
  release_seq_ = AgentFenceAfter(release_seq_, order.release_seq, order.rollback);
  if (faults_.stuck) {
    // The failure this fault models: the deploy "succeeded" and the old
    // container kept running. The answer tells the truth about the image.
    return DeployAnswer{.exit_code = 0,
                        .running_image = running_.image,
                        .output = fmt::format("pulled {}; restart reported success; running {}",
                                              order.image, running_.image)};
  }
  previous_ = running_;
  running_ = Build{.image = order.image, .git_sha = order.git_sha};
  landed_at_ = now;
  if (faults_.revert && !revert_at_) revert_at_ = now + *faults_.revert;
  history_.push_back(order.image);
  return DeployAnswer{.exit_code = 0,
                      .running_image = running_.image,
                      .output = fmt::format("pulled {}; container restarted; running {}",
                                            order.image, running_.image)};
}

AgentStateAnswer SimTenant::AgentState() const {
  AgentStateAnswer state{running_.image, release_seq_, std::nullopt};
  if (in_flight_) {
    state.deploying = AgentDeploying{in_flight_->image, in_flight_->release_seq, in_flight_->rollout_id,
                                     in_flight_since_ms_};
  }
  return state;
}

TenantSnapshot SimTenant::Snapshot() const {
  return TenantSnapshot{.slug = slug_,
                        .build = running_,
                        .release_seq = release_seq_,
                        .deploy_count = deploys_finished_,
                        .history = history_,
                        .deploying = in_flight_.has_value(),
                        .faults = faults_.names,
                        .starts = starts_};
}

Fleet::Fleet(FleetConfig config) : config_(std::move(config)) {
  const Build initial{.image = config_.initial_image, .git_sha = config_.initial_sha};
  for (const auto& slug : config_.slugs) {
    SimTenant& tenant = tenants_.emplace_back(slug, initial);
    by_slug_.emplace(tenant.slug(), &tenant);
  }
}

Status Fleet::AddFault(std::string_view slug, const Fault& fault) {
  SimTenant* tenant = Find(slug);
  if (tenant == nullptr) return Status::NotFound(fmt::format("{}: no such tenant", slug));
  tenant->AddFault(fault);
  return Status::Ok();
}

SimTenant* Fleet::Find(std::string_view slug) {
  auto it = by_slug_.find(slug);
  return it == by_slug_.end() ? nullptr : it->second;
}

const SimTenant* Fleet::Find(std::string_view slug) const {
  auto it = by_slug_.find(slug);
  return it == by_slug_.end() ? nullptr : it->second;
}

Result<DeployTicket> Fleet::StartDeploy(SimTenant& tenant, const DeployOrder& order, int64_t started_at_ms,
                                        std::string by) {
  Duration duration =
      DrawDeployDuration(config_.timing, config_.seed, tenant.slug(), tenant.deploys_started() + 1);
  return tenant.StartDeploy(order, duration, started_at_ms, std::move(by));
}

void Fleet::SettleAll(TimePoint now) {
  for (auto& tenant : tenants_) tenant.Settle(now);
}

std::vector<TenantSnapshot> Fleet::SnapshotAll() const {
  std::vector<TenantSnapshot> all;
  all.reserve(tenants_.size());
  for (const auto& tenant : tenants_) all.push_back(tenant.Snapshot());
  return all;
}

}  // namespace rollcall::sim
