// The simulated fleet: per-tenant state, faults and deploy bookkeeping.
//
// A pure model: no I/O, no clock. Callers pass the current time in, and the
// HTTP glue (sim_service.h) turns a DeployTicket into a timer that calls
// FinishDeploy when the deploy time has passed. Agent semantics follow
// DESIGN §5: one deploy at a time per tenant, and a release_seq lower than
// the running one is refused unless it is a rollback. Not thread-safe; the
// simulator's single loop thread owns it.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/agent_protocol.h"
#include "core/status.h"
#include "core/time.h"
#include "sim/deploy_timing.h"
#include "sim/faults.h"

namespace rollcall::sim {

struct FleetConfig {
  std::vector<std::string> slugs;  // unique; the order of reports
  std::string initial_image = "registry.test/app:initial";
  std::string initial_sha = "0000000";
  DeployTiming timing;  // fixed 200 ms unless set
  uint64_t seed = 0;
};

// The agent API's deploy order: POST .../agent/v1/deploy.
using DeployOrder = AgentDeployRequest;  // what a deploy call asks for

struct Build {
  std::string image;
  std::string git_sha;
};

// Which tenant route a request is for; faults treat them differently.
enum class Route { kHealthz, kBuildInfo, kAgentDeploy, kAgentState };

// How a request fares before it is served.
enum class Fate {
  kServe,
  kNeverAnswer,     // dead: hold the request forever
  kUnauthorized,    // agent route without the right token: 401
  kDropConnection,  // crash: close without an answer
  kBadGateway,      // flaky: 502
};

struct DeployTicket {
  uint64_t deploy_number = 0;  // 1-based, per tenant
  Duration duration{0};        // call FinishDeploy after it
};

struct DeployAnswer {
  int exit_code = 0;
  std::string running_image;  // what the tenant runs after the deploy
  std::string output;
};

// One deploy a tenant was asked for: who asked (the X-Rollcall-Controller
// header of the controller that sent it) and when it began.
struct DeployStart {
  std::string by;
  int64_t at_ms = 0;
};

struct TenantSnapshot {
  std::string slug;
  Build build;  // what it really runs (lag does not hide it here)
  std::optional<int64_t> release_seq;
  uint64_t deploy_count = 0;         // deploys that completed, stuck ones included
  std::vector<std::string> history;  // images it ran, oldest first, initial included
  bool deploying = false;
  std::vector<std::string> faults;
  std::vector<DeployStart> starts{};  // every deploy begun, oldest first
};

class SimTenant {
 public:
  SimTenant(std::string slug, Build initial);

  const std::string& slug() const { return slug_; }
  void AddFault(const Fault& fault) { faults_.Add(fault); }
  // The host is fixed: every fault is gone (a revert already done stays).
  void ClearFaults() { faults_ = TenantFaults{}; }

  // Decides a request's fate; consumes one flaky call when it answers 502.
  // Dead beats everything (even a missing token); then the token; then
  // crash, then flaky. Health and buildinfo routes need no token.
  Fate Admit(Route route, bool authorized);

  // Applies what time alone changes: a revert fault falls back to the build
  // before its first successful deploy once its delay has passed (once:
  // later deploys stay). Call before serving a request at `now`.
  void Settle(TimePoint now);

  bool Healthy() const { return !faults_.unhealthy; }
  // What /healthz and /buildinfo show at `now`: the previous build while a
  // lag fault hides the last deploy, else the running one.
  const Build& VisibleBuild(TimePoint now) const;
  const Build& running() const { return running_; }
  const std::optional<int64_t>& release_seq() const { return release_seq_; }

  // Accepts `order` or refuses it: Conflict while another deploy runs, or
  // when order.release_seq is lower than the running one without rollback.
  // `duration` is used unless a slow fault overrides it.
  // `started_at_ms` (Unix ms) is what the agent state's `deploying` shows.
  Result<DeployTicket> StartDeploy(const DeployOrder& order, Duration duration, int64_t started_at_ms = 0,
                                  std::string by = "");
  // Completes the deploy in flight (precondition: one is). A stuck tenant
  // reports success but keeps running its old build.
  DeployAnswer FinishDeploy(TimePoint now);
  uint64_t deploys_started() const { return deploys_started_; }
  bool deploying() const { return in_flight_.has_value(); }
  // GET .../agent/v1/state: the truth (the simulator knows what runs), the
  // fence, and the deploy in progress.
  AgentStateAnswer AgentState() const;

  TenantSnapshot Snapshot() const;

 private:
  std::string slug_;
  TenantFaults faults_;
  Build running_;
  Build previous_;  // shown during a lag window
  std::optional<int64_t> release_seq_;
  std::optional<TimePoint> landed_at_;
  std::optional<TimePoint> revert_at_;  // set by the first successful deploy of a revert tenant
  bool reverted_ = false;
  std::vector<std::string> history_;
  uint64_t deploys_started_ = 0;
  uint64_t deploys_finished_ = 0;
  std::optional<DeployOrder> in_flight_;
  std::vector<DeployStart> starts_;
  int64_t in_flight_since_ms_ = 0;
};

class Fleet {
 public:
  // Every slug in config.slugs becomes a tenant running the initial build.
  explicit Fleet(FleetConfig config);
  Fleet(const Fleet&) = delete;  // by_slug_ points into tenants_
  Fleet& operator=(const Fleet&) = delete;

  // NotFound when `slug` is not a tenant.
  Status AddFault(std::string_view slug, const Fault& fault);
  // nullptr when `slug` is not a tenant. Pointers stay valid for the
  // fleet's lifetime.
  SimTenant* Find(std::string_view slug);
  const SimTenant* Find(std::string_view slug) const;

  // Starts a deploy whose duration is drawn from the timing model, keyed by
  // (seed, slug, deploy number).
  Result<DeployTicket> StartDeploy(SimTenant& tenant, const DeployOrder& order, int64_t started_at_ms = 0,
                                  std::string by = "");

  // SimTenant::Settle for every tenant.
  void SettleAll(TimePoint now);
  std::vector<TenantSnapshot> SnapshotAll() const;
  const FleetConfig& config() const { return config_; }
  size_t size() const { return tenants_.size(); }

 private:
  FleetConfig config_;
  std::deque<SimTenant> tenants_;  // a deque: growth never moves a tenant
  std::unordered_map<std::string_view, SimTenant*> by_slug_;  // keys point into tenants_
};

}  // namespace rollcall::sim
