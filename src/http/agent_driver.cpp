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
  Result<AgentDeployAnswer> answer = ParseAgentDeployAnswer(r.body);
  if (!answer.ok() || !answer->exit_code) {
    out.error = "agent: malformed deploy answer (" +
                (answer.ok() ? std::string("no integer exit_code") : answer.status().message()) + ")";
    return out;
  }
  out.exit_code = answer->exit_code;
  out.running_image = answer->running_image;  // "" unless the agent proved it
  out.output = answer->output;
  return out;
}

InspectOutcome AgentDriver::ToInspectOutcome(const HttpResponse& r) {
  InspectOutcome out;
  if (r.status < 200 || r.status >= 300 || !r.error.empty()) {
    out.error = TransportError(r);
    return out;
  }
  Result<AgentStateAnswer> state = ParseAgentStateAnswer(r.body);
  if (!state.ok()) {
    out.error = "agent: malformed state answer (" + state.status().message() + ")";
    return out;
  }
  out.running_image = state->running_image;
  out.release_seq = state->release_seq;
  if (state->deploying) {
    out.deploying = true;
    const std::string seq = state->deploying->release_seq ? std::to_string(*state->deploying->release_seq) : "none";
    out.deploying_detail = fmt::format("the agent's deploy of {} (seq {}, rollout {})", state->deploying->image, seq,
                                       state->deploying->rollout_id.empty() ? "-" : state->deploying->rollout_id);
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
  if (!controller_.empty()) http.headers.push_back("X-Rollcall-Controller: " + controller_);
  http.body = body.dump();
  http.timeout = req.timeout;
  http.may_send = req.may_send;
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
