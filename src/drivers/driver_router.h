// DriverRouter: sends each tenant to the driver its record names (agent or
// exec). Thread-safe when the drivers are.
#pragma once

#include "core/driver.h"

namespace rollcall {

class DriverRouter : public Driver {
 public:
  // Both borrowed; they outlive the router.
  DriverRouter(Driver& agent, Driver& exec) : agent_(agent), exec_(exec) {}

  CancelFn Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) override {
    return For(req.tenant).Deploy(req, std::move(done));
  }
  CancelFn Inspect(const Tenant& tenant, std::function<void(InspectOutcome)> done) override {
    return For(tenant).Inspect(tenant, std::move(done));
  }

 private:
  Driver& For(const Tenant& t) { return t.driver == DriverKind::kExec ? exec_ : agent_; }
  Driver& agent_;
  Driver& exec_;
};

}  // namespace rollcall
