// DriverRouter: sends each tenant to the driver its record names (agent,
// exec, docker or ssm). Thread-safe when the drivers are.
#pragma once

#include "core/driver.h"

namespace rollcall {

class DriverRouter : public Driver {
 public:
  // All borrowed; they outlive the router.
  DriverRouter(Driver& agent, Driver& exec, Driver& docker, Driver& ssm)
      : agent_(agent), exec_(exec), docker_(docker), ssm_(ssm) {}

  CancelFn Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) override {
    return For(req.tenant).Deploy(req, std::move(done));
  }
  CancelFn Inspect(const Tenant& tenant, std::function<void(InspectOutcome)> done) override {
    return For(tenant).Inspect(tenant, std::move(done));
  }

 private:
  Driver& For(const Tenant& t) {
    switch (t.driver) {
      case DriverKind::kExec: return exec_;
      case DriverKind::kDocker: return docker_;
      case DriverKind::kSsm: return ssm_;
      case DriverKind::kAgent: break;
    }
    return agent_;
  }
  Driver& agent_;
  Driver& exec_;
  Driver& docker_;
  Driver& ssm_;
};

}  // namespace rollcall
