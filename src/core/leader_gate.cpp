#include "core/leader_gate.h"

#include <fmt/format.h>

namespace rollcall {

CancelFn LeaderGatedDriver::Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) {
  if (may_act_()) return inner_.Deploy(req, std::move(done));
  ++refused_;
  on_refused_(fmt::format("refused to deploy {} (rollout {}): the leader lease has run out by this "
                          "process's clock",
                          req.tenant.slug, req.rollout_id));
  return {};
}

}  // namespace rollcall
