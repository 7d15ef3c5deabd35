#include "http/http_prober.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

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

CancelFn HttpProber::ProbeBuildInfo(const Tenant& tenant, Duration timeout,
                                    std::function<void(BuildInfoOutcome)> done) {
  HttpRequest req;
  req.url = tenant.base_url + "/buildinfo";
  req.timeout = timeout;
  return http_.Send(std::move(req), [done = std::move(done)](HttpResponse r) {
    BuildInfoOutcome out;
    if (!r.error.empty() || r.status < 200 || r.status >= 300) {
      out.error = r.status == 0 ? r.error : fmt::format("/buildinfo: HTTP {}", r.status);
      return done(std::move(out));
    }
    nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_object()) {
      out.error = "/buildinfo: not a JSON object";
      return done(std::move(out));
    }
    out.answered = true;
    if (j.contains("git_sha") && j["git_sha"].is_string()) out.git_sha = j["git_sha"];
    if (j.contains("image") && j["image"].is_string()) out.image = j["image"];
    done(std::move(out));
  });
}

}  // namespace rollcall
