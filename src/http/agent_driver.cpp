#include "http/agent_driver.h"

#include "core/agent_protocol.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rollcall {
namespace {

using Json = nlohmann::json;

std::string Snippet(const std::string& body) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) return j["error"];
  return body.substr(0, 200);
}

std::string StringField(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string TransportError(const HttpResponse& r) {
  if (!r.error.empty() && r.status == 0) return "agent: " + r.error;
  return fmt::format("agent answered HTTP {}: {}", r.status, Snippet(r.body));
}

}  // namespace

AgentDriver::AgentDriver(HttpClient& http, Clock& clock, std::string token, RetryPolicy retry)
    : http_(http), clock_(clock), token_(std::move(token)), retry_(retry) {}

DeployOutcome AgentDriver::ToDeployOutcome(const HttpResponse& r) {
  DeployOutcome out;
  if (r.status < 200 || r.status >= 300 || !r.error.empty()) {
    out.error = TransportError(r);
    out.busy = r.status == 409;
    out.timed_out = r.timed_out;
    return out;
  }
  Json j = Json::parse(r.body, nullptr, false);
  auto exit = j.is_object() ? j.find("exit_code") : j.end();
  if (!j.is_object() || exit == j.end() || !exit->is_number_integer()) {
    out.error = "agent: malformed deploy answer (no integer exit_code)";
    return out;
  }
  out.exit_code = exit->get<int>();
  out.running_image = StringField(j, "running_image");
  out.output = StringField(j, "output");
  return out;
}

InspectOutcome AgentDriver::ToInspectOutcome(const HttpResponse& r) {
  InspectOutcome out;
  if (r.status < 200 || r.status >= 300 || !r.error.empty()) {
    out.error = TransportError(r);
    return out;
  }
  Json j = Json::parse(r.body, nullptr, false);
  if (!j.is_object()) {
    out.error = "agent: malformed state answer";
    return out;
  }
  out.running_image = StringField(j, "running_image");
  if (auto seq = j.find("release_seq"); seq != j.end() && seq->is_number_integer()) {
    out.release_seq = seq->get<int64_t>();
  }
  return out;
}

CancelFn AgentDriver::Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) {
  const Json body = ToJson(AgentDeployRequest{req.image, req.release.tag, req.release.git_sha,
                                               req.release.seq, req.rollout_id, req.rollback});
  HttpRequest http;
  http.method = "POST";
  http.url = req.tenant.agent_url + "/v1/deploy";
  http.headers = {"Content-Type: application/json"};
  AddBearer(http.headers, token_);
  http.body = body.dump();
  http.timeout = req.timeout;
  return SendWithRetry(http_, clock_, std::move(http), retry_,
                       [done = std::move(done)](HttpResponse r) { done(ToDeployOutcome(r)); });
}

CancelFn AgentDriver::Inspect(const Tenant& tenant, std::function<void(InspectOutcome)> done) {
  HttpRequest http;
  http.url = tenant.agent_url + "/v1/state";
  AddBearer(http.headers, token_);
  http.timeout = std::chrono::seconds(30);
  return SendWithRetry(http_, clock_, std::move(http), retry_,
                       [done = std::move(done)](HttpResponse r) { done(ToInspectOutcome(r)); });
}

}  // namespace rollcall
