#include "core/leader_gate.h"

#include <fmt/format.h>

namespace rollcall {

namespace {

std::string RefusalOf(const DeployRequest& req) {
  return fmt::format("refused to deploy {} (rollout {}): the leader lease has run out by this process's clock",
                     req.tenant.slug, req.rollout_id);
}

}  // namespace

CancelFn LeaderGatedDriver::Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) {
  if (!may_act_()) {
    ++*refused_;
    on_refused_(RefusalOf(req));
    return {};
  }
  // Asked again as the deploy leaves the process: between this call and
  // the wire the process may have been paused past its lease.
  DeployRequest gated = req;
  gated.may_send = [may_act = may_act_, on_refused = on_refused_, refused = refused_, why = RefusalOf(req),
                    inner = req.may_send] {
    if (may_act() && (!inner || inner())) return true;
    ++*refused;
    on_refused(why + " (as the deploy was about to be sent)");
    return false;
  };
  return inner_.Deploy(gated, std::move(done));
}

}  // namespace rollcall
