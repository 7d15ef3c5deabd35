// Release fencing (DESIGN §3.9): the fleet never moves backward unless an
// operator asks for a rollback and says why. Pure decisions; the service
// applies them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/types.h"

namespace rollcall {

struct ActiveRollout {
  std::string id;
  Release release;
};

struct AdmissionRequest {
  Release release;
  bool rollback = false;
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

// Whether a tenant that runs `running_seq` may be deployed to `release`.
// Returns an empty string when allowed, else why not.
std::string TenantFenceRefusal(std::optional<int64_t> running_seq, const Release& release,
                               bool rollback);

}  // namespace rollcall
