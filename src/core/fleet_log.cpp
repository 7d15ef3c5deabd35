#include "core/fleet_log.h"

#include "core/json_codec.h"

namespace rollcall {

Status RecordFleetEvent(Store& store, EventSink& sink, int64_t now_ms, const char* type, nlohmann::json data) {
  RolloutEvent event;
  event.type = type;
  event.data = std::move(data);
  event.at_ms = now_ms;
  if (Status s = store.AppendEvent(event); !s.ok()) return s;
  sink.Publish(event);
  return Status::Ok();
}

Status RecordAudit(Store& store, EventSink& sink, int64_t now_ms, AuditEntry& entry) {
  if (entry.at_ms == 0) entry.at_ms = now_ms;
  if (Status s = store.AppendAudit(entry); !s.ok()) return s;
  return RecordFleetEvent(store, sink, now_ms, kEventAudit, ToJson(entry));
}

}  // namespace rollcall
