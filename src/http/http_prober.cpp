#include "http/http_prober.h"

#include <fmt/format.h>

namespace rollcall {

CancelFn HttpProber::ProbeHealth(const Tenant& tenant, Duration timeout,
                                 std::function<void(ProbeOutcome)> done) {
  HttpRequest req;
  req.url = tenant.base_url + "/healthz";
  req.timeout = timeout;
  return http_.Send(std::move(req), [done = std::move(done)](HttpResponse r) {
    ProbeOutcome out;
    out.http_status = r.status;
    out.healthy = r.error.empty() && r.status >= 200 && r.status < 300;
    if (!out.healthy) out.error = r.status == 0 ? r.error : fmt::format("HTTP {}", r.status);
    done(std::move(out));
  });
}

}  // namespace rollcall
