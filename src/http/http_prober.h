// HttpProber: GET <base_url>/healthz; any 2xx is healthy. Thread-safe.
#pragma once

#include "core/prober.h"
#include "http/http_client.h"

namespace rollcall {

class HttpProber : public Prober {
 public:
  explicit HttpProber(HttpClient& http) : http_(http) {}  // `http` outlives the prober
  CancelFn ProbeHealth(const Tenant& tenant, Duration timeout,
                       std::function<void(ProbeOutcome)> done) override;

 private:
  HttpClient& http_;
};

}  // namespace rollcall
