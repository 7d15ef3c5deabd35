// The fleet's own history, beside the rollouts': fleet events on the
// ledger's one event sequence (GET /v1/events) and the audit trail
// (GET /v1/audit). Persisted first, then published.
#pragma once

#include <nlohmann/json.hpp>

#include "core/engine_env.h"

namespace rollcall {

// Fleet event types on GET /v1/events, beside the rollout ones (events.h).
inline constexpr const char* kEventDrift = "drift";            // a tenant's drift state moved
inline constexpr const char* kEventQuarantine = "quarantine";  // a tenant entered or left quarantine
inline constexpr const char* kEventAudit = "audit";            // an audit entry
inline constexpr const char* kEventFleet = "fleet";            // the registry or the freeze changed
inline constexpr const char* kEventChannel = "channel";        // a channel was promoted

// Actors the control plane records for its own acts.
inline constexpr const char* kActorDriftWatch = "drift-watch";
inline constexpr const char* kActorAutoRecover = "auto-recover";

// Appends a fleet event (no rollout) at `now_ms` and publishes it.
Status RecordFleetEvent(Store& store, EventSink& sink, int64_t now_ms, const char* type, nlohmann::json data);
// Appends `entry` (at_ms 0 becomes `now_ms`) to the audit trail and
// publishes it as an `audit` event.
Status RecordAudit(Store& store, EventSink& sink, int64_t now_ms, AuditEntry& entry);

inline Status RecordFleetEvent(EngineEnv& env, const char* type, nlohmann::json data) {
  return RecordFleetEvent(env.store, env.sink, env.clock.WallMillis(), type, std::move(data));
}
inline Status RecordAudit(EngineEnv& env, AuditEntry& entry) {
  return RecordAudit(env.store, env.sink, env.clock.WallMillis(), entry);
}

}  // namespace rollcall
