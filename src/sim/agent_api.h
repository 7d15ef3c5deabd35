// The simulator's wire formats (DESIGN §5, §7): the agent deploy order it
// reads and the JSON bodies it answers with. Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sim/fleet.h"

namespace rollcall::sim {

// Strictly parses {"image","tag","git_sha","release_seq","rollout_id",
// "rollback"}: `image` required and non-empty, strings must be strings,
// release_seq an integer (null = absent), rollback a boolean, no other
// field. Invalid "<field>: <what>" otherwise (the 400 body's message).
Result<DeployOrder> ParseDeployOrder(std::string_view body);

// {"exit_code":0,"running_image":...,"output":...}
std::string DeployAnswerJson(const DeployAnswer& answer);
// {"git_sha":...,"image":...}
std::string BuildInfoJson(const Build& build);
// {"status":"ok"|"unhealthy","git_sha":...,"image":...}
std::string HealthJson(bool healthy, const Build& build);
// {"running_image":...,"release_seq":N|null,"deploying":{...}|null}
std::string AgentStateJson(const SimTenant& tenant);
// {"tenants":{"<slug>":{"image","git_sha","release_seq","deploy_count",
//  "history","deploying","faults"},...},"tenant_count":N,"deploy_count":N}
std::string FleetStateJson(const std::vector<TenantSnapshot>& tenants);
// {"tenants":[{"slug","base_url","driver":"agent","agent_url"},...]}: the
// body for POST /v1/tenants:bulk, URLs on http://<host>:<port>.
std::string TenantsOutJson(const std::vector<std::string>& slugs, std::string_view host,
                           uint16_t port);

}  // namespace rollcall::sim
