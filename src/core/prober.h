// Prober: reads a tenant's health (GET <base_url>/healthz, 2xx = healthy).
#pragma once

#include <functional>
#include <string>

#include "core/driver.h"
#include "core/time.h"
#include "core/types.h"

namespace rollcall {

struct ProbeOutcome {
  bool healthy = false;
  int http_status = 0;  // 0 when no answer
  std::string error;    // why not healthy, for operators
};

class Prober {
 public:
  Prober() = default;
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;
  virtual ~Prober() = default;

  // Probes once, answering within `timeout`. `done` may run on any thread,
  // exactly once unless the returned CancelFn is called first.
  virtual CancelFn ProbeHealth(const Tenant& tenant, Duration timeout,
                               std::function<void(ProbeOutcome)> done) = 0;
};

}  // namespace rollcall
