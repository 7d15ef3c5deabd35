// Rollout events: the ledger's append-only history and the SSE stream.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace rollcall {

// SSE `event:` names (contract, DESIGN §4).
inline constexpr const char* kEventRolloutState = "rollout_state";
inline constexpr const char* kEventTenantStarted = "tenant_started";
inline constexpr const char* kEventTenantFinished = "tenant_finished";

struct RolloutEvent {
  int64_t id = 0;  // assigned by the Store; increasing within a rollout
  std::string rollout_id;
  std::string type;     // one of the kEvent* names
  nlohmann::json data;  // {"state":..} or {"slug":..,"result":{row}}
  int64_t at_ms = 0;    // wall time
  bool final = false;   // the last event of the rollout
};

// Receives each event after the Store persisted it. Called on the loop.
class EventSink {
 public:
  EventSink() = default;
  EventSink(const EventSink&) = delete;
  EventSink& operator=(const EventSink&) = delete;
  virtual ~EventSink() = default;
  virtual void Publish(const RolloutEvent& event) = 0;
};

}  // namespace rollcall
