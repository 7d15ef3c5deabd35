#include "cli/undo.h"

#include <fmt/format.h>

#include "core/json_codec.h"

namespace rollcall {
namespace {

bool Flag(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

// A rollout that proved its release across the fleet.
bool FleetWideProof(const Json& r) {
  const Json policy = r.value("policy", Json::object());
  const bool scoped = policy.is_object() && policy.contains("only_slugs") && !policy["only_slugs"].is_null();
  const bool verified = r.contains("verified") && r["verified"].is_number_integer() && r["verified"].get<int64_t>() > 0;
  return r.value("state", "") == "succeeded" && !Flag(policy, "dry_run") && !scoped && !Flag(r, "recovery") &&
         !Flag(r, "legacy_scoped") && verified;
}

}  // namespace

Result<UndoTarget> PickUndoTarget(const Release& desired, const std::vector<Json>& rollouts,
                                  std::optional<int64_t> to_seq) {
  if (to_seq && desired.seq && *to_seq >= *desired.seq) {
    return Status::Invalid(fmt::format("--to: seq {} is not older than the desired release {}", *to_seq,
                                       desired.Describe()));
  }
  for (const Json& r : rollouts) {
    if (!r.is_object() || !FleetWideProof(r)) continue;
    Result<Release> release = ParseRelease(r.value("release", Json::object()));
    if (!release.ok()) continue;
    const bool older = to_seq ? release->seq == to_seq
                              : (desired.seq ? release->seq && *release->seq < *desired.seq
                                             : !release->SameAs(desired));
    if (older) return UndoTarget{*release, r.value("id", "")};
  }
  if (to_seq) return Status::NotFound(fmt::format("no succeeded rollout of seq {} to go back to", *to_seq));
  return Status::NotFound(fmt::format("no succeeded rollout of a release older than {} to go back to",
                                      desired.Describe()));
}

}  // namespace rollcall
