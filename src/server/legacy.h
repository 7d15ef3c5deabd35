// The legacy synchronous endpoint's request and answer shapes (DESIGN §4),
// kept so existing CI scripts keep working unchanged. Pure.
#pragma once

#include <optional>

#include "core/json_reader.h"
#include "core/store.h"
#include "core/types.h"

namespace rollcall {

// POST /cp/admin/tenants/redeploy-fleet body: target_tag, canary_slug,
// soak_seconds, batch_size, max_stragglers, dry_run, confirm, only_slugs,
// release_seq. `confirm` must be true unless only_slugs is a non-empty list.
// The rollout uses strategy `batches` with max_parallel = batch_size; a
// call with only_slugs is `legacy_scoped` (its orchestrator gates the fleet).
Result<RolloutRequest> ParseLegacyRequest(const Json& body, const Policy& defaults);

// {"ok", "results" (legacy rows), "stragglers" (only when non-empty),
//  "error", "rollout_id"}
Json LegacyAnswer(const Rollout& rollout);

// The canary memory (DESIGN §4). The orchestrators first send a dry run
// naming canary_slug C for target_tag T, then the canary alone as a scoped
// call (only_slugs [C], canary_slug removed), then the chunks. What a dry
// run teaches: C for T, or nothing.
std::optional<LegacyCanary> CanaryTaughtBy(const RolloutRequest& dry_run, const std::string& rollout_id,
                                           int64_t now_ms);
// Whether `req` is the canary call a remembered dry run announced: not a dry
// run, no canary of its own, only_slugs exactly [C], for the same tag.
bool IsRememberedCanaryCall(const RolloutRequest& req, const LegacyCanary& memory);
// Runs C as the canary (phase canary, any failure fatal whatever
// max_stragglers says), noting where it came from in the rollout's events.
void ApplyRememberedCanary(RolloutRequest& req, const LegacyCanary& memory);

}  // namespace rollcall
