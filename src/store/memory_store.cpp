#include "store/memory_store.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

namespace rollcall {

Result<std::vector<Tenant>> MemoryStore::ListTenants() {
  std::lock_guard lock(mu_);
  std::vector<Tenant> out;
  for (const auto& [slug, t] : tenants_) out.push_back(t);
  return out;
}

Result<Tenant> MemoryStore::GetTenant(const std::string& slug) {
  std::lock_guard lock(mu_);
  auto it = tenants_.find(slug);
  if (it == tenants_.end()) return Status::NotFound(fmt::format("tenant {} not found", slug));
  return it->second;
}

Status MemoryStore::PutTenants(const std::vector<Tenant>& tenants) {
  std::lock_guard lock(mu_);
  ++writes_;
  for (const auto& t : tenants) {
    Tenant next = t;
    if (auto it = tenants_.find(t.slug); it != tenants_.end()) {
      // Observations belong to the server and survive a re-registration.
      next.running_image = it->second.running_image;
      next.running_seq = it->second.running_seq;
      next.quarantined = it->second.quarantined;
      next.quarantine_reason = it->second.quarantine_reason;
    }
    tenants_[t.slug] = std::move(next);
  }
  return Status::Ok();
}

Status MemoryStore::DeleteTenant(const std::string& slug) {
  std::lock_guard lock(mu_);
  ++writes_;
  if (tenants_.erase(slug) == 0) return Status::NotFound(fmt::format("tenant {} not found", slug));
  drift_.erase(slug);
  return Status::Ok();
}

Status MemoryStore::ObserveTenant(const std::string& slug, const TenantObservation& obs) {
  std::lock_guard lock(mu_);
  ++writes_;
  auto it = tenants_.find(slug);
  if (it == tenants_.end()) return Status::NotFound(fmt::format("tenant {} not found", slug));
  Observe(it->second, obs);
  return Status::Ok();
}

void MemoryStore::Observe(Tenant& t, const TenantObservation& obs) {
  if (obs.running_image) t.running_image = *obs.running_image;
  if (obs.running_seq) t.running_seq = obs.running_seq;
  if (obs.quarantined) {
    t.quarantined = *obs.quarantined;
    t.quarantine_reason = *obs.quarantined ? obs.quarantine_reason : "";
  }
}

Status MemoryStore::PutRollout(const Rollout& rollout) {
  std::lock_guard lock(mu_);
  ++writes_;
  Rollout header = rollout;
  header.results.clear();
  rollouts_[rollout.id].header = std::move(header);
  return Status::Ok();
}

Result<Rollout> MemoryStore::GetRollout(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = rollouts_.find(id);
  if (it == rollouts_.end()) return Status::NotFound(fmt::format("rollout {} not found", id));
  Rollout out = it->second.header;
  for (const auto& slug : out.enumerated) {  // plan order
    auto row = it->second.rows.find(slug);
    if (row != it->second.rows.end()) out.results.push_back(row->second);
  }
  return out;
}

Result<std::vector<Rollout>> MemoryStore::ListRollouts(std::optional<RolloutState> state) {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, r] : rollouts_) {
      if (!state || r.header.state == *state) ids.push_back(id);
    }
  }
  std::vector<Rollout> out;
  for (const auto& id : ids) {
    Result<Rollout> r = GetRollout(id);
    if (r.ok()) out.push_back(std::move(r).value());
  }
  return out;
}

Result<std::vector<RolloutListing>> MemoryStore::ListRolloutPage(const RolloutPageQuery& query) {
  std::lock_guard lock(mu_);
  std::vector<const StoredRollout*> newest_first;
  for (const auto& [id, r] : rollouts_) newest_first.push_back(&r);
  auto newer = [](const Rollout& a, const Rollout& b) {
    return std::tie(a.created_at_ms, a.id) > std::tie(b.created_at_ms, b.id);
  };
  std::sort(newest_first.begin(), newest_first.end(),
            [&](const StoredRollout* a, const StoredRollout* b) { return newer(a->header, b->header); });
  const Rollout* cursor = nullptr;
  if (!query.before_id.empty()) {
    auto it = rollouts_.find(query.before_id);
    if (it == rollouts_.end()) return Status::NotFound(fmt::format("rollout {} not found", query.before_id));
    cursor = &it->second.header;
  }
  std::vector<RolloutListing> page;
  for (const StoredRollout* r : newest_first) {
    if (query.limit != 0 && page.size() == query.limit) break;
    if (cursor != nullptr && !newer(*cursor, r->header)) continue;
    if (query.state && r->header.state != *query.state) continue;
    RolloutListing listing{r->header};
    for (const auto& [slug, row] : r->rows) {
      ++listing.rows_by_status[row.status];
      listing.verified += row.verified_on_target;
    }
    page.push_back(std::move(listing));
  }
  return page;
}

Result<std::map<RolloutState, int64_t>> MemoryStore::CountRollouts() {
  std::lock_guard lock(mu_);
  std::map<RolloutState, int64_t> counts;
  for (const auto& [id, r] : rollouts_) ++counts[r.header.state];
  return counts;
}

Status MemoryStore::MarkStarted(const std::string& rollout_id, const InFlightTenant& t) {
  std::lock_guard lock(mu_);
  ++writes_;
  auto it = rollouts_.find(rollout_id);
  if (it == rollouts_.end()) return Status::NotFound(fmt::format("rollout {} not found", rollout_id));
  it->second.in_flight[t.slug] = t;
  return Status::Ok();
}

Status MemoryStore::PutResult(const std::string& rollout_id, const TenantResult& row) {
  std::lock_guard lock(mu_);
  ++writes_;
  auto it = rollouts_.find(rollout_id);
  if (it == rollouts_.end()) return Status::NotFound(fmt::format("rollout {} not found", rollout_id));
  StoredRollout& r = it->second;
  r.rows[row.slug] = row;
  r.in_flight.erase(row.slug);
  return Status::Ok();
}

Result<std::vector<InFlightTenant>> MemoryStore::InFlight(const std::string& rollout_id) {
  std::lock_guard lock(mu_);
  auto it = rollouts_.find(rollout_id);
  if (it == rollouts_.end()) return Status::NotFound(fmt::format("rollout {} not found", rollout_id));
  std::vector<InFlightTenant> out;
  for (const auto& [slug, t] : it->second.in_flight) out.push_back(t);
  return out;
}

Status MemoryStore::AppendEvent(RolloutEvent& event) {
  std::lock_guard lock(mu_);
  ++writes_;
  auto it = rollouts_.find(event.rollout_id);
  if (!event.rollout_id.empty() && it == rollouts_.end()) {
    return Status::NotFound(fmt::format("rollout {} not found", event.rollout_id));
  }
  event.id = next_event_id_++;
  if (it != rollouts_.end()) it->second.events.push_back(event);
  all_events_.push_back(event);
  return Status::Ok();
}

Status MemoryStore::Commit(LedgerBatch& batch) {
  std::lock_guard lock(mu_);
  ++writes_;
  // All or none: every rollout it names must exist before anything changes.
  for (const LedgerWrite& w : batch.writes()) {
    const std::string& id = w.kind == LedgerWrite::Kind::kAppendEvent ? w.event.rollout_id : w.rollout_id;
    if (w.kind != LedgerWrite::Kind::kObserveTenant && !id.empty() && rollouts_.count(id) == 0) {
      return Status::NotFound(fmt::format("rollout {} not found", id));
    }
  }
  for (LedgerWrite& w : batch.writes()) {
    switch (w.kind) {
      case LedgerWrite::Kind::kMarkStarted:
        rollouts_[w.rollout_id].in_flight[w.in_flight.slug] = w.in_flight;
        break;
      case LedgerWrite::Kind::kPutResult: {
        StoredRollout& r = rollouts_[w.rollout_id];
        r.rows[w.row.slug] = w.row;
        r.in_flight.erase(w.row.slug);
        break;
      }
      case LedgerWrite::Kind::kObserveTenant:
        if (auto it = tenants_.find(w.slug); it != tenants_.end()) Observe(it->second, w.observation);
        break;
      case LedgerWrite::Kind::kAppendEvent:
        w.event.id = next_event_id_++;
        if (!w.event.rollout_id.empty()) rollouts_[w.event.rollout_id].events.push_back(w.event);
        all_events_.push_back(w.event);
        break;
    }
  }
  return Status::Ok();
}

Result<std::vector<RolloutEvent>> MemoryStore::FleetEventsAfter(int64_t after_id, size_t limit) {
  std::lock_guard lock(mu_);
  auto first = std::upper_bound(all_events_.begin(), all_events_.end(), after_id,
                                [](int64_t id, const RolloutEvent& e) { return id < e.id; });
  std::vector<RolloutEvent> out;
  for (; first != all_events_.end() && out.size() < limit; ++first) out.push_back(*first);
  return out;
}

Result<int64_t> MemoryStore::LastEventId() {
  std::lock_guard lock(mu_);
  return next_event_id_ - 1;
}

Status MemoryStore::AppendAudit(AuditEntry& entry) {
  std::lock_guard lock(mu_);
  ++writes_;
  entry.id = static_cast<int64_t>(audit_.size()) + 1;
  audit_.push_back(entry);
  return Status::Ok();
}

Result<std::vector<AuditEntry>> MemoryStore::ListAudit(const AuditQuery& query) {
  std::lock_guard lock(mu_);
  std::vector<AuditEntry> out;
  for (auto it = audit_.rbegin(); it != audit_.rend() && out.size() < query.limit; ++it) {
    if (query.before_id != 0 && it->id >= query.before_id) continue;
    if (it->at_ms < query.since_ms) continue;
    if (!query.actor.empty() && it->actor != query.actor) continue;
    if (!query.kind.empty() && it->kind != query.kind) continue;
    out.push_back(*it);
  }
  return out;
}

Status MemoryStore::PutDriftStatus(const std::string& slug, const DriftStatus& status) {
  std::lock_guard lock(mu_);
  ++writes_;
  if (tenants_.count(slug) == 0) return Status::NotFound(fmt::format("tenant {} not found", slug));
  drift_[slug] = status;
  return Status::Ok();
}

Result<std::map<std::string, DriftStatus>> MemoryStore::ListDriftStatus() {
  std::lock_guard lock(mu_);
  return drift_;
}

Result<std::vector<RolloutEvent>> MemoryStore::EventsAfter(const std::string& rollout_id,
                                                           int64_t after_id) {
  std::lock_guard lock(mu_);
  auto it = rollouts_.find(rollout_id);
  if (it == rollouts_.end()) return Status::NotFound(fmt::format("rollout {} not found", rollout_id));
  std::vector<RolloutEvent> out;
  for (const auto& e : it->second.events) {
    if (e.id > after_id) out.push_back(e);
  }
  return out;
}

Result<std::optional<Release>> MemoryStore::DesiredRelease() {
  std::lock_guard lock(mu_);
  return desired_;
}

Status MemoryStore::SetDesiredRelease(const Release& release) {
  std::lock_guard lock(mu_);
  ++writes_;
  desired_ = release;
  return Status::Ok();
}

Result<std::optional<ChannelRecord>> MemoryStore::GetChannel(const std::string& channel) {
  std::lock_guard lock(mu_);
  auto it = channels_.find(channel);
  if (it == channels_.end()) return std::optional<ChannelRecord>();
  return std::optional<ChannelRecord>(it->second.back());
}

Result<std::vector<ChannelRecord>> MemoryStore::ListChannels() {
  std::lock_guard lock(mu_);
  std::vector<ChannelRecord> out;
  for (const auto& [name, history] : channels_) out.push_back(history.back());
  return out;
}

Result<std::vector<ChannelRecord>> MemoryStore::ChannelHistory(const std::string& channel) {
  std::lock_guard lock(mu_);
  auto it = channels_.find(channel);
  return it == channels_.end() ? std::vector<ChannelRecord>() : it->second;
}

Status MemoryStore::RecordPromotion(const ChannelRecord& next, const std::optional<ChannelRecord>& replaces) {
  std::lock_guard lock(mu_);
  ++writes_;
  auto it = channels_.find(next.channel);
  const bool matches = it == channels_.end() ? !replaces : replaces && it->second.back().SameAs(*replaces);
  if (!matches) return Status::Conflict("channel " + next.channel + ": moved by another promotion");
  channels_[next.channel].push_back(next);
  return Status::Ok();
}

Status MemoryStore::AdvanceDesiredRelease(const Release& next, const std::optional<Release>& expected) {
  std::lock_guard lock(mu_);
  ++writes_;
  if (desired_ != expected) return Status::Conflict("desired release: moved by another request; retry");
  desired_ = next;
  return Status::Ok();
}

Result<std::optional<FleetFreeze>> MemoryStore::GetFreeze() {
  std::lock_guard lock(mu_);
  return freeze_;
}

Status MemoryStore::SetFreeze(const std::optional<FleetFreeze>& freeze) {
  std::lock_guard lock(mu_);
  ++writes_;
  freeze_ = freeze;
  return Status::Ok();
}

Status MemoryStore::RememberLegacyCanary(const LegacyCanary& canary) {
  std::lock_guard lock(mu_);
  ++writes_;
  legacy_canaries_[canary.tag] = canary;
  return Status::Ok();
}

Result<std::optional<LegacyCanary>> MemoryStore::LegacyCanaryFor(const std::string& tag) {
  std::lock_guard lock(mu_);
  auto it = legacy_canaries_.find(tag);
  if (it == legacy_canaries_.end()) return std::optional<LegacyCanary>();
  return std::optional<LegacyCanary>(it->second);
}

Status MemoryStore::RecordProcessGroup(const ProcessGroupRecord& record) {
  std::lock_guard lock(mu_);
  ++writes_;
  process_groups_[record.slug] = record;
  return Status::Ok();
}

Result<std::optional<ProcessGroupRecord>> MemoryStore::ProcessGroupOf(const std::string& slug) {
  std::lock_guard lock(mu_);
  auto it = process_groups_.find(slug);
  if (it == process_groups_.end()) return std::optional<ProcessGroupRecord>();
  return std::optional<ProcessGroupRecord>(it->second);
}

Status MemoryStore::ClearProcessGroup(const std::string& slug, int64_t pgid) {
  std::lock_guard lock(mu_);
  ++writes_;
  auto it = process_groups_.find(slug);
  if (it != process_groups_.end() && it->second.pgid == pgid) process_groups_.erase(it);
  return Status::Ok();
}

}  // namespace rollcall
