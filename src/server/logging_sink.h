// LoggingSink: one structured log line per rollout transition (rollout id,
// tenant, status) and per fleet event (drift, quarantine, audit), then
// forwards the event. Never logs request headers, so
// tokens cannot leak here.
#pragma once

#include <spdlog/spdlog.h>

#include "core/events.h"
#include "core/safe_text.h"

namespace rollcall {

class LoggingSink : public EventSink {
 public:
  explicit LoggingSink(EventSink& next) : next_(next) {}

  void Publish(const RolloutEvent& e) override {
    const auto& d = e.data;
    auto str = [&](const char* key) {
      // Escaped: errors carry command output and other text from outside.
      return d.contains(key) && d[key].is_string() ? EscapeText(d[key].get<std::string>()) : std::string();
    };
    if (e.rollout_id.empty()) {
      // Fleet events: drift transitions and quarantine changes say what
      // moved; an audit entry says who did what.
      if (e.type == "audit") {
        spdlog::info("audit actor={} kind={} target={} reason=\"{}\"", str("actor"), str("kind"), str("target"),
                     str("reason"));
      } else {
        spdlog::info("fleet event={} tenant={} state={}{}", e.type, str("slug"), str("state"),
                     str("reason").empty() ? "" : " reason=\"" + str("reason") + "\"");
      }
    } else if (e.type == kEventRolloutState) {
      spdlog::info("rollout={} event={} state={}{}", e.rollout_id, e.type, str("state"),
                   str("error").empty() ? "" : " error=\"" + str("error") + "\"");
    } else if (e.type == kEventTenantStarted) {
      spdlog::info("rollout={} event={} tenant={} phase={}", e.rollout_id, e.type, str("slug"), str("phase"));
    } else {
      spdlog::info("rollout={} event={} tenant={} status={} verified={}{}", e.rollout_id, e.type,
                   str("slug"), str("status"), d.value("verified_on_target", false),
                   str("error").empty() ? "" : " error=\"" + str("error") + "\"");
    }
    next_.Publish(e);
  }

 private:
  EventSink& next_;
};

}  // namespace rollcall
