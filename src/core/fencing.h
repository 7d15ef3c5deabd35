// Release fencing (DESIGN §3.9): the fleet never moves backward unless an
// operator asks for a rollback and says why. Pure decisions; the service
// applies them.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/types.h"

namespace rollcall {

// What makes two submissions the same request (DESIGN §3.9): the release
// exactly (tag, git_sha, seq) and the scope. Only the same key while its
// rollout runs is answered with that rollout; anything else is its own.
struct RolloutKey {
  Release release;
  std::optional<std::set<std::string>> only_slugs;  // as a set
  std::vector<std::string> canary;
  bool dry_run = false;
  bool rollback = false;

  bool operator==(const RolloutKey&) const = default;
};
RolloutKey KeyOf(const Release& release, const Policy& policy, bool rollback);

struct ActiveRollout {
  std::string id;
  RolloutKey key;
};

struct AdmissionRequest {
  RolloutKey key;  // the release, scope, dry_run and rollback asked for
  std::string reason;
  std::optional<Release> desired;     // the fleet's desired release, if any
  std::vector<ActiveRollout> active;  // pending, running or paused rollouts
};

struct Admission {
  enum class Kind {
    kAccept,      // start a new rollout
    kExisting,    // the same release is already rolling out: return it
    kSuperseded,  // refused: `newer` is newer (HTTP 409 "superseded")
    kInvalid,     // refused: bad request (HTTP 400), see `error`
    kConflict,    // refused: the seq already names another tag (HTTP 409)
  };
  Kind kind = Kind::kAccept;
  std::string existing_id;                 // kExisting
  Release newer;                           // kSuperseded
  std::string error;                       // kInvalid, kConflict
  std::vector<std::string> supersede_ids;  // kAccept: active rollouts to stop
  bool set_desired = false;                // kAccept: the release becomes desired
  std::vector<std::string> warnings;       // kAccept: recorded as events
};

// A dry run is decided exactly like the real run (superseded, invalid,
// conflict) but has no side effect: it supersedes nothing and never
// becomes the desired release. A new fenced release supersedes the active
// rollouts of other releases; one of the same release with another scope
// runs beside them (the tenants they share are leased one at a time).
Admission DecideAdmission(const AdmissionRequest& req);

struct PromotionRequest {
  std::string channel;
  Release release;  // tag and seq to promote
  bool rollback = false;
  std::string reason;
  std::optional<ChannelRecord> current;  // where the channel points now
  std::optional<Release> desired;        // the fleet's desired release
};

struct PromotionDecision {
  enum class Kind {
    kAccept,      // retag and record
    kSuperseded,  // refused: `newer` is newer (HTTP 409 "superseded")
    kInvalid,     // refused: bad request (HTTP 400), see `error`
    kConflict,    // refused: the seq already names another tag (HTTP 409)
  };
  Kind kind = Kind::kAccept;
  Release newer;                      // kSuperseded
  std::string error;                  // kInvalid, kConflict
  std::vector<std::string> warnings;  // kAccept
};

// A channel never moves backward: a promotion whose seq is lower than the
// channel's or than the fleet's desired release is superseded, unless it is
// a rollback with a reason. An unfenced release (no seq) is accepted with a
// warning; so is a channel that has no seq yet.
PromotionDecision DecidePromotion(const PromotionRequest& req);

// Conflict naming the reason when `freeze` stops a deploy that is not a
// rollback; OK otherwise.
Status FreezeRefusal(const std::optional<FleetFreeze>& freeze, bool rollback);

// The running_seq to record for a tenant proven on a release of
// `release_seq`: it never decreases unless a rollback says so, and an
// unfenced release leaves it alone. nullopt: leave the recorded one.
std::optional<int64_t> NextRunningSeq(std::optional<int64_t> current, std::optional<int64_t> release_seq,
                                      bool rollback);

// Whether a tenant that runs `running_seq` may be deployed to `release`.
// Returns an empty string when allowed, else why not.
std::string TenantFenceRefusal(std::optional<int64_t> running_seq, const Release& release,
                               bool rollback);

}  // namespace rollcall
