// ControlPlane: the API of rollcalld (DESIGN §4) as plain functions that
// return an HTTP status and a JSON body, so they are tested without HTTP.
// Reads come from the Store; rollout mutations run on the engine's loop.
// Thread-safe: called from HTTP worker threads.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "core/drift_watch.h"
#include "core/json_reader.h"
#include "core/rollout_service.h"
#include "core/store.h"
#include "server/event_hub.h"

namespace rollcall {

struct ApiResponse {
  int status = 200;
  Json body;
};

// Receives an answer that may come later, from another thread.
using Reply = std::function<void(ApiResponse)>;

// {"error": message} with the status the code maps to (400/404/409/503/500).
ApiResponse ErrorResponse(const Status& status);
ApiResponse ErrorResponse(int http_status, const std::string& message);

enum class RolloutControl { kCancel, kPause, kResume };

struct ControlPlaneConfig {
  std::string image_repo;
  Policy default_policy;  // the server defaults a request's policy starts from
  Duration loop_timeout = std::chrono::seconds(15);  // a mutation waits this long for the loop
};

class ControlPlane {
 public:
  // All borrowed; they outlive the control plane.
  ControlPlane(Clock& loop, Store& store, RolloutService& service, EventHub& hub,
               ControlPlaneConfig config);

  ApiResponse ListTenants();
  ApiResponse GetTenant(const std::string& slug);
  ApiResponse PutTenant(const std::string& slug, std::string_view body);
  ApiResponse BulkTenants(std::string_view body);
  ApiResponse DeleteTenant(const std::string& slug);
  ApiResponse SetCordoned(const std::string& slug, bool cordoned);

  // `actor` (a token's name) is the rollout's created_by.
  ApiResponse CreateRollout(std::string_view body, const std::string& actor = "");
  // GET /v1/rollouts?state=&limit=&cursor=: newest first, without rows
  // (counts instead); next_cursor when the page is full.
  ApiResponse ListRollouts(const std::optional<std::string>& state, const std::optional<std::string>& limit = {},
                           const std::optional<std::string>& cursor = {});
  ApiResponse GetRollout(const std::string& id);
  // A cancel answers once the rollout ended (or after 10 s, with its
  // state then), holding no thread while it waits.
  void Control(const std::string& id, RolloutControl what, Reply reply);
  ApiResponse Fleet();
  // POST /v1/fleet/freeze {"reason"} and /v1/fleet/unfreeze.
  ApiResponse Freeze(std::string_view body);
  ApiResponse Unfreeze();
  // POST /v1/fleet/recover {"only":[...],"reason":"..."}: a recovery of the
  // quarantined and drifted tenants (DESIGN §10).
  ApiResponse Recover(std::string_view body, const std::string& actor = "");
  // A mutation's audit entry: into the ledger, and onto the fleet stream.
  // A failure is logged; the mutation's answer stands.
  void RecordMutation(AuditEntry entry);
  // GET /v1/audit?since=&actor=&kind=&limit=&cursor=, newest first.
  ApiResponse Audit(const std::optional<std::string>& since, const std::optional<std::string>& actor,
                    const std::optional<std::string>& kind, const std::optional<std::string>& limit,
                    const std::optional<std::string>& cursor);

  // The legacy synchronous endpoint: starts a `batches` rollout and answers
  // when it ends, holding no thread meanwhile. The rollout runs on whether
  // or not the caller waits.
  void LegacyRedeployFleet(std::string_view body, Reply reply, const std::string& actor = "");

  // Prometheus text format.
  std::string Metrics();

  // What /v1/fleet and /metrics report of the drift watch; without one (a
  // standby, or the watch off) they report the statuses the ledger kept.
  // Any thread.
  void SetDriftWatch(std::shared_ptr<const DriftWatch> watch);

  Store& store() { return store_; }
  EventHub& hub() { return hub_; }

 private:
  // Runs `fn` on the engine loop and returns its Result, or Unavailable when
  // the loop does not get to it within config_.loop_timeout.
  template <typename R, typename Fn>
  R OnLoop(Fn fn);
  ApiResponse Submit(const RolloutRequest& req, bool legacy);
  void Withdraw(std::vector<std::string> slugs, const std::string& why);
  void WithdrawCordoned(const std::vector<Tenant>& tenants);
  std::map<std::string, DriftStatus> Observed();

  Clock& loop_;
  Store& store_;
  RolloutService& service_;
  EventHub& hub_;
  const ControlPlaneConfig config_;
  std::mutex watch_mu_;
  std::shared_ptr<const DriftWatch> watch_;  // guarded by watch_mu_; set when leading
};

}  // namespace rollcall
