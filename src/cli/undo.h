// `rollcall undo`: which release a rollback goes to. Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/json_reader.h"
#include "core/status.h"
#include "core/types.h"

namespace rollcall {

struct UndoTarget {
  Release release;
  std::string rollout_id;  // the rollout that last verified it
};

// The release to roll back to, from the fleet's desired release and
// succeeded rollouts, newest first (GET /v1/rollouts?state=succeeded): the
// newest one older than the desired release (a lower seq; for an unfenced
// desired release, any other release) that a rollout of the whole fleet
// verified on at least one tenant — not a dry run, a scoped run or a
// recovery. With `to_seq`, the newest such rollout of that seq, which must
// be older than the desired one. NotFound when none is in `rollouts`;
// Invalid naming --to for a seq that is not older.
Result<UndoTarget> PickUndoTarget(const Release& desired, const std::vector<Json>& rollouts,
                                  std::optional<int64_t> to_seq);

}  // namespace rollcall
