// The legacy synchronous endpoint's request and answer shapes (DESIGN §4),
// kept so existing CI scripts keep working unchanged. Pure.
#pragma once

#include "core/json_reader.h"
#include "core/types.h"

namespace rollcall {

// POST /cp/admin/tenants/redeploy-fleet body: target_tag, canary_slug,
// soak_seconds, batch_size, max_stragglers, dry_run, confirm, only_slugs,
// release_seq. `confirm` must be true unless only_slugs is a non-empty list.
// The rollout uses strategy `batches` with max_parallel = batch_size.
Result<RolloutRequest> ParseLegacyRequest(const Json& body, const Policy& defaults);

// {"ok", "results" (legacy rows), "stragglers" (only when non-empty),
//  "error", "rollout_id"}
Json LegacyAnswer(const Rollout& rollout);

}  // namespace rollcall
