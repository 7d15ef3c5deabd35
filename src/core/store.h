// Store: the durable ledger. Every transition is written here before its
// side effect, so a restarted control plane can resume where it stopped.
//
// Implementations: MemoryStore (tests, demo), SQLite, PostgreSQL. Calls come
// from the engine's loop thread and from request handlers; implementations
// are thread-safe. Every method returns a Status rather than throwing.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/drift.h"
#include "core/events.h"
#include "core/process_groups.h"
#include "core/status.h"
#include "core/types.h"

namespace rollcall {

// A tenant the rollout started and has not finished: on resume it is
// re-inspected, never deployed twice at once.
struct InFlightTenant {
  std::string slug;
  std::string phase;
  int64_t started_at_ms = 0;
};

// What a rollout run records about a tenant once it is done with it.
struct TenantObservation {
  std::optional<std::string> running_image{};  // set when proven
  std::optional<int64_t> running_seq{};
  std::optional<bool> quarantined{};  // set to change the quarantine flag
  std::string quarantine_reason{};
};

// A legacy dry run named `slug` as the canary of `tag`.
struct LegacyCanary {
  std::string tag;
  std::string slug;
  std::string dry_run_id;  // the dry run's rollout id
  int64_t at_ms = 0;
};

// One entry of the audit trail: who did what to which tenant, rollout or
// channel, and why. Append-only.
struct AuditEntry {
  int64_t id = 0;  // assigned by the Store; increasing
  int64_t at_ms = 0;
  std::string actor;   // a token's name, or the control plane's own ("drift-watch", "auto-recover")
  std::string kind;    // "drift", "quarantine", "recover", ...
  std::string target;  // the tenant, rollout or channel concerned ("" = the fleet)
  std::string reason;  // for operators
  nlohmann::json data = nlohmann::json::object();
};

// GET /v1/audit's filters; entries come newest first.
struct AuditQuery {
  int64_t since_ms = 0;  // at_ms >= since_ms
  std::string actor;     // "" = any
  std::string kind;      // "" = any
  size_t limit = 100;
  int64_t before_id = 0;  // the cursor: only entries with a smaller id (0 = from the newest)
};

// A page of GET /v1/rollouts (and of `rollcall history`): newest first.
struct RolloutPageQuery {
  std::optional<RolloutState> state{};  // nullopt = any
  size_t limit = 0;                     // 0 = every one
  // The cursor: only rollouts created before this one ("" = from the
  // newest). NotFound when no such rollout exists.
  std::string before_id{};
};

// A rollout as a listing shows it: its header (no result rows) and how many
// rows it has per status, counted by the store.
struct RolloutListing {
  Rollout rollout;                              // results empty
  std::map<TenantStatus, int64_t> rows_by_status{};
  int64_t verified = 0;                         // rows verified on target
};

// The engine's per-tenant ledger writes of one turn (in-flight marks, result
// rows, observed tenants, events), committed together by Store::Commit in
// one transaction, in order: one commit per turn instead of several per
// tenant, and a row never without its event.
struct LedgerWrite {
  enum class Kind { kMarkStarted, kPutResult, kObserveTenant, kAppendEvent };
  Kind kind = Kind::kAppendEvent;
  std::string rollout_id{};        // kMarkStarted, kPutResult
  InFlightTenant in_flight{};      // kMarkStarted
  TenantResult row{};              // kPutResult
  std::string slug{};              // kObserveTenant
  TenantObservation observation{}; // kObserveTenant
  RolloutEvent event{};            // kAppendEvent: Commit sets its id
  // kAppendEvent: set by a store whose commit may land although it reported
  // a lost connection; the retry of the same write carries it, so the store
  // writes the event once.
  std::string commit_key{};
};

class LedgerBatch {
 public:
  void MarkStarted(const std::string& rollout_id, InFlightTenant t) {
    writes_.push_back(LedgerWrite{.kind = LedgerWrite::Kind::kMarkStarted, .rollout_id = rollout_id,
                                  .in_flight = std::move(t)});
  }
  void PutResult(const std::string& rollout_id, TenantResult row) {
    writes_.push_back(
        LedgerWrite{.kind = LedgerWrite::Kind::kPutResult, .rollout_id = rollout_id, .row = std::move(row)});
  }
  void ObserveTenant(const std::string& slug, TenantObservation obs) {
    writes_.push_back(
        LedgerWrite{.kind = LedgerWrite::Kind::kObserveTenant, .slug = slug, .observation = std::move(obs)});
  }
  void AppendEvent(RolloutEvent event) {
    writes_.push_back(LedgerWrite{.kind = LedgerWrite::Kind::kAppendEvent, .event = std::move(event)});
  }

  bool empty() const { return writes_.empty(); }
  std::vector<LedgerWrite>& writes() { return writes_; }
  const std::vector<LedgerWrite>& writes() const { return writes_; }

 private:
  std::vector<LedgerWrite> writes_;
};

class Store : public ProcessGroupLedger {
 public:
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  virtual ~Store() = default;

  // Tenants.
  virtual Result<std::vector<Tenant>> ListTenants() = 0;
  virtual Result<Tenant> GetTenant(const std::string& slug) = 0;  // NotFound if absent
  // The tenants of `slugs` that exist, by slug: one read for the tenants an
  // engine turn starts or observes. This default asks GetTenant for each (a
  // local store pays no round trip); a networked store reads them at once.
  virtual Result<std::map<std::string, Tenant>> GetTenants(const std::vector<std::string>& slugs) {
    std::map<std::string, Tenant> found;
    for (const std::string& slug : slugs) {
      Result<Tenant> t = GetTenant(slug);
      if (t.ok()) {
        found.emplace(slug, std::move(t).value());
      } else if (t.status().code() != Status::Code::kNotFound) {
        return t.status();
      }
    }
    return found;
  }
  virtual Status PutTenants(const std::vector<Tenant>& tenants) = 0;  // all or none
  virtual Status DeleteTenant(const std::string& slug) = 0;
  virtual Status ObserveTenant(const std::string& slug, const TenantObservation& obs) = 0;

  // Rollouts. PutRollout writes the header (everything but results, which
  // PutResult writes row by row).
  virtual Status PutRollout(const Rollout& rollout) = 0;
  virtual Result<Rollout> GetRollout(const std::string& id) = 0;  // with results
  virtual Result<std::vector<Rollout>> ListRollouts(std::optional<RolloutState> state) = 0;
  // Listings without result rows, newest first (created_at, then id): what
  // GET /v1/rollouts and history read, whatever the size of the fleet.
  virtual Result<std::vector<RolloutListing>> ListRolloutPage(const RolloutPageQuery& query) = 0;
  // How many rollouts are in each state (/metrics): no rollout is read.
  virtual Result<std::map<RolloutState, int64_t>> CountRollouts() = 0;
  virtual Status MarkStarted(const std::string& rollout_id, const InFlightTenant& t) = 0;
  virtual Status PutResult(const std::string& rollout_id, const TenantResult& row) = 0;
  virtual Result<std::vector<InFlightTenant>> InFlight(const std::string& rollout_id) = 0;
  // Applies every write of `batch` in one transaction, all or none, and
  // sets each appended event's id. The engine wrote its rollouts first, so
  // no write looks a rollout up; an observation of a tenant removed
  // meanwhile is skipped.
  virtual Status Commit(LedgerBatch& batch) = 0;

  // Events: assigns event.id, increasing across the whole ledger. An event
  // with an empty rollout_id belongs to the fleet (drift, quarantine, audit).
  virtual Status AppendEvent(RolloutEvent& event) = 0;
  virtual Result<std::vector<RolloutEvent>> EventsAfter(const std::string& rollout_id,
                                                        int64_t after_id) = 0;
  // Every event, of every rollout and of the fleet, with an id above
  // `after_id`, oldest first, at most `limit` of them.
  virtual Result<std::vector<RolloutEvent>> FleetEventsAfter(int64_t after_id, size_t limit) = 0;
  // The highest event id so far (0: none).
  virtual Result<int64_t> LastEventId() = 0;

  // The audit trail. AppendAudit assigns entry.id.
  virtual Status AppendAudit(AuditEntry& entry) = 0;
  virtual Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) = 0;

  // What the drift watch last concluded about each tenant (written when the
  // state moves, so "since when" survives a restart). Deleting a tenant
  // deletes its status.
  virtual Status PutDriftStatus(const std::string& slug, const DriftStatus& status) = 0;
  virtual Result<std::map<std::string, DriftStatus>> ListDriftStatus() = 0;

  // Fencing: the highest-seq release a rollout was accepted for.
  virtual Result<std::optional<Release>> DesiredRelease() = 0;
  virtual Status SetDesiredRelease(const Release& release) = 0;
  // Makes `next` the desired release only while the stored one still equals
  // `expected` exactly (nullopt: none yet), in one transaction; Conflict
  // otherwise, so two requests (or two control planes) racing to accept
  // releases can never both win.
  virtual Status AdvanceDesiredRelease(const Release& next, const std::optional<Release>& expected) = 0;

  // The fleet freeze; nullopt when deploys are allowed.
  virtual Result<std::optional<FleetFreeze>> GetFreeze() = 0;
  virtual Status SetFreeze(const std::optional<FleetFreeze>& freeze) = 0;

  // Channels (fenced promotion). A channel with no promotion yet is absent.
  virtual Result<std::optional<ChannelRecord>> GetChannel(const std::string& channel) = 0;
  virtual Result<std::vector<ChannelRecord>> ListChannels() = 0;  // by channel name
  // Every promotion of `channel`, oldest first.
  virtual Result<std::vector<ChannelRecord>> ChannelHistory(const std::string& channel) = 0;
  // Makes `next` its channel's record and appends it to the history, in one
  // transaction, only while the channel's record still equals `replaces`
  // (nullopt: the channel has none); Conflict otherwise, so two racing
  // promotions can never both win.
  virtual Status RecordPromotion(const ChannelRecord& next,
                                 const std::optional<ChannelRecord>& replaces) = 0;

  // The legacy endpoint's canary memory (DESIGN §4): the canary a legacy
  // dry run named for a target tag. Replaces the tag's earlier one.
  virtual Status RememberLegacyCanary(const LegacyCanary& canary) = 0;
  virtual Result<std::optional<LegacyCanary>> LegacyCanaryFor(const std::string& tag) = 0;
};

}  // namespace rollcall
