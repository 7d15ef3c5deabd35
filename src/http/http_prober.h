// HttpProber: GET <base_url>/healthz, any 2xx is healthy; GET
// <base_url>/buildinfo, a JSON object with "git_sha" and "image". Thread-safe.
#pragma once

#include "core/prober.h"
#include "http/http_client.h"

namespace rollcall {

class HttpProber : public Prober {
 public:
  explicit HttpProber(HttpClient& http) : http_(http) {}  // `http` outlives the prober
  CancelFn ProbeHealth(const Tenant& tenant, Duration timeout,
                       std::function<void(ProbeOutcome)> done) override;
  CancelFn ProbeBuildInfo(const Tenant& tenant, Duration timeout,
                          std::function<void(BuildInfoOutcome)> done) override;

 private:
  HttpClient& http_;
};

}  // namespace rollcall
