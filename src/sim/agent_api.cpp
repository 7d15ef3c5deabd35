#include "sim/agent_api.h"

#include <fmt/format.h>

#include "core/json_reader.h"

namespace rollcall::sim {
namespace {

Json SeqJson(const std::optional<int64_t>& seq) { return seq ? Json(*seq) : Json(nullptr); }

Json Starts(const std::vector<DeployStart>& starts) {
  Json out = Json::array();
  for (const auto& s : starts) out.push_back({{"by", s.by}, {"at_ms", s.at_ms}});
  return out;
}

Json SnapshotJson(const TenantSnapshot& t) {
  return Json{{"image", t.build.image},
              {"git_sha", t.build.git_sha},
              {"release_seq", SeqJson(t.release_seq)},
              {"deploy_count", t.deploy_count},
              {"history", t.history},
              {"starts", Starts(t.starts)},
              {"deploying", t.deploying},
              {"faults", t.faults}};
}

// IPv6 literals need brackets inside a URL.
std::string UrlHost(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return fmt::format("[{}]", host);
  return std::string(host);
}

}  // namespace

Result<DeployOrder> ParseDeployOrder(std::string_view body) { return ParseAgentDeployBody(body); }

std::string DeployAnswerJson(const DeployAnswer& answer) {
  return ToJson(AgentDeployAnswer{answer.exit_code, answer.running_image, answer.output, ""}).dump();
}

std::string BuildInfoJson(const Build& build) {
  return Json{{"git_sha", build.git_sha}, {"image", build.image}}.dump();
}

std::string HealthJson(bool healthy, const Build& build) {
  return Json{
      {"status", healthy ? "ok" : "unhealthy"}, {"git_sha", build.git_sha}, {"image", build.image}}
      .dump();
}

std::string AgentStateJson(const SimTenant& tenant) { return ToJson(tenant.AgentState()).dump(); }

std::string FleetStateJson(const std::vector<TenantSnapshot>& tenants) {
  Json by_slug = Json::object();
  uint64_t deploys = 0;
  for (const auto& t : tenants) {
    by_slug[t.slug] = SnapshotJson(t);
    deploys += t.deploy_count;
  }
  return Json{
      {"tenants", std::move(by_slug)}, {"tenant_count", tenants.size()}, {"deploy_count", deploys}}
      .dump();
}

std::string TenantsOutJson(const std::vector<std::string>& slugs, std::string_view host,
                           uint16_t port) {
  Json list = Json::array();
  for (const auto& slug : slugs) {
    std::string base = fmt::format("http://{}:{}/t/{}", UrlHost(host), port, slug);
    list.push_back(Json{
        {"slug", slug}, {"base_url", base}, {"driver", "agent"}, {"agent_url", base + "/agent"}});
  }
  return Json{{"tenants", std::move(list)}}.dump(2) + "\n";
}

}  // namespace rollcall::sim
