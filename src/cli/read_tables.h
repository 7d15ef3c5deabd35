// The tables of the read commands, from the server's JSON answers: rollouts
// (status), one rollout's header (status ID), tenants (tenants list),
// channels and one channel's promotions (channels), and the releases the
// fleet ran (history). Newest first, as kubectl lists. Pure: `now_ms` for
// ages is given.
#pragma once

#include <cstdint>
#include <string>

#include "core/json_reader.h"

namespace rollcall {

// GET /v1/rollouts: ID, STATE, RELEASE, SEQ, BY, AGE, DURATION, VERIFIED
// (verified/tenants), STRAGGLERS; wide adds SHA, STARTED, ERROR.
std::string RolloutsTable(const Json& answer, int64_t now_ms, bool wide);

// GET /v1/rollouts/{id} above its per-tenant table: id, state, release,
// who and when, policy, error and stragglers, a line each.
std::string RolloutHeader(const Json& rollout);

// GET /v1/tenants: TENANT, STATE, DRIVER, RUNNING, SEQ, QUARANTINED; wide
// adds BASE URL, PUBLIC URL, LABELS and the quarantine reason.
std::string TenantsTable(const Json& answer, bool wide);

// GET /v1/channels: CHANNEL, TAG, SEQ, DIGEST, PROMOTED, BY; wide adds
// ROLLBACK and REASON.
std::string ChannelsTable(const Json& answer, bool wide);
// GET /v1/channels/{channel}: its promotions, newest first.
std::string ChannelHistoryTable(const Json& answer, bool wide);

// `rollcall history`: the releases the fleet ran, one row per rollout that
// was not a dry run (GET /v1/rollouts): RELEASE, SEQ, SHA, STATE, BY, WHEN,
// VERIFIED, STRAGGLERS, ROLLOUT; wide adds REASON (rollbacks) and ERROR.
std::string HistoryTable(const Json& answer, int64_t now_ms, bool wide);

}  // namespace rollcall
