// Prober: reads a tenant's health (GET <base_url>/healthz, 2xx = healthy)
// and what it says it runs (GET <base_url>/buildinfo).
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

struct BuildInfoOutcome {
  bool answered = false;  // a 2xx JSON object came back
  std::string git_sha;    // "" when absent
  std::string image;      // "" when absent
  std::string error;      // why not answered
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

  // Reads /buildinfo once, within `timeout`; same contract as ProbeHealth.
  // The default answers "not supported" at once (probers that only gate
  // health need nothing more).
  virtual CancelFn ProbeBuildInfo(const Tenant& tenant, Duration timeout,
                                  std::function<void(BuildInfoOutcome)> done) {
    (void)tenant;
    (void)timeout;
    done(BuildInfoOutcome{false, "", "", "this prober does not read /buildinfo"});
    return nullptr;
  }
};

}  // namespace rollcall
