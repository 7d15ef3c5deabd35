// Drift rules (DESIGN §10): what one look at a tenant says about it against
// the fleet's desired release, how its state and "since when" move from one
// look to the next, which tenants a recovery may touch, and the automatic
// recovery's backoff. Pure: the watcher that gathers sightings and the
// recovery that acts on them live around it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "core/types.h"

namespace rollcall {

// One look at a tenant: the driver's inspect, GET /buildinfo, GET /healthz.
struct TenantSighting {
  int64_t at_ms = 0;  // wall time of the look
  bool inspected = false;  // the driver's inspect answered
  std::string inspected_image;  // "" when it could not tell
  std::optional<int64_t> inspected_seq;  // the agent's release_seq, when it has one
  bool deploying = false;  // a deploy runs on the tenant now
  bool buildinfo_answered = false;
  std::string buildinfo_sha;
  std::string buildinfo_image;
  bool health_answered = false;  // /healthz gave an HTTP answer
  bool healthy = false;          // ... and it was 2xx
};

enum class DriftState {
  kUnobserved,   // not looked at yet
  kOnTarget,     // runs the desired release and is healthy
  kDrifted,      // runs another build than the desired release
  kAhead,        // runs a newer release than the desired one: reported, never moved back
  kUnhealthy,    // on target (or unknown build) but /healthz fails
  kUnreachable,  // nothing answered: no inspect, no /buildinfo, no /healthz
};

std::string_view ToString(DriftState s);  // "on_target", "drifted", ...
Result<DriftState> ParseDriftState(std::string_view s);

struct DriftVerdict {
  DriftState state = DriftState::kUnobserved;
  std::string detail;  // for operators: what differs, what failed
};

// What `s` says about a tenant whose desired image is `target_image` for
// `desired` (nullopt: the fleet has no desired release yet, so only health
// and reachability count). A build differing by image or by git_sha is
// drifted; a newer release_seq than the desired one is ahead, whatever the
// image; a deploying tenant is judged by its last state (see Advance).
DriftVerdict Judge(const TenantSighting& s, const std::optional<Release>& desired,
                   std::string_view target_image);

// A tenant's drift state over time.
struct DriftStatus {
  DriftState state = DriftState::kUnobserved;
  int64_t since_ms = 0;  // when it entered `state`
  std::string detail;
  TenantSighting last;  // the latest look
};

// The status after sighting `s` judged `verdict`: `since_ms` stays when the
// state does not change. A sighting taken while a deploy runs updates
// `last` only (a rollout's own work is not drift). Sets `*changed` when the
// state moved.
DriftStatus Advance(const DriftStatus& before, const TenantSighting& s, const DriftVerdict& verdict,
                    bool* changed = nullptr);

// Whether a recovery may roll the desired release out to `t` in `status`:
// active (not cordoned), and quarantined or drifted — never ahead (that
// would move it backward) and never one whose own fence (`running_seq`)
// is above the desired release's seq.
bool RecoveryMayTouch(const Tenant& t, const DriftStatus& status, const std::optional<Release>& desired);

// Whether a quarantined tenant seen in `status` leaves quarantine: observed
// on target and healthy.
inline bool LeavesQuarantine(const DriftStatus& status) { return status.state == DriftState::kOnTarget; }

// Automatic recovery's wait before attempt `attempt` (0 = the first, at
// once): `base`, doubling per attempt, never above `cap`.
Duration RecoveryBackoff(int attempt, Duration base, Duration cap);

}  // namespace rollcall
