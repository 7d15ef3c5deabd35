// AgentDriver: redeploys a tenant through its rollcall-agent (DESIGN §5).
//   POST <agent_url>/v1/deploy {"image","tag","git_sha","release_seq","rollout_id","rollback"}
//     -> {"exit_code","running_image","output"}
//   GET  <agent_url>/v1/state -> {"running_image","release_seq"}
// Bearer agent token; 502/503/504 and connection failures are retried
// within the per-tenant deadline. Thread-safe.
#pragma once

#include "core/clock.h"
#include "core/driver.h"
#include "http/http_client.h"
#include "http/retrying_call.h"

namespace rollcall {

class AgentDriver : public Driver {
 public:
  // `http` and `clock` are borrowed and outlive the driver.
  AgentDriver(HttpClient& http, Clock& clock, std::string token, RetryPolicy retry = {});

  CancelFn Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) override;
  CancelFn Inspect(const Tenant& tenant, std::function<void(InspectOutcome)> done) override;

  // Names this controller on every deploy (header X-Rollcall-Controller),
  // so an agent's log says which controller asked. Before the first call.
  void SetController(std::string id) { controller_ = std::move(id); }

  // Pure mapping of the agent's answer, exposed for tests.
  static DeployOutcome ToDeployOutcome(const HttpResponse& r);
  static InspectOutcome ToInspectOutcome(const HttpResponse& r);

 private:
  HttpClient& http_;
  Clock& clock_;
  const std::string token_;
  const RetryPolicy retry_;
  std::string controller_;
};

}  // namespace rollcall
