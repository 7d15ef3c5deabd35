#include "sim/sim_config.h"

#include "core/listen_address.h"

#include <fmt/format.h>

#include <charconv>
#include <set>

namespace rollcall::sim {
namespace {

constexpr int64_t kMaxTenants = 1'000'000;
constexpr double kMaxDeployMs = 3600.0 * 1000.0;

bool IsSlug(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

Result<std::vector<std::string>> ResolveSlugs(const SimConfig& config) {
  if (config.tenants && (*config.tenants < 1 || *config.tenants > kMaxTenants)) {
    return Status::Invalid(fmt::format("--tenants: must be between 1 and {}", kMaxTenants));
  }
  if (!config.names) {
    if (!config.tenants) return Status::Invalid("--tenants: required (or give --names)");
    return GeneratedSlugs(*config.tenants);
  }
  Result<std::vector<std::string>> names = ParseNames(*config.names);
  if (!names.ok()) return names.status();
  if (config.tenants && static_cast<size_t>(*config.tenants) != names->size()) {
    return Status::Invalid(fmt::format("--tenants: {} does not match the {} names in --names",
                                       *config.tenants, names->size()));
  }
  return names;
}

Result<DeployTiming> ResolveTiming(const SimConfig& config) {
  if (config.deploy_ms && config.deploy_dist) {
    return Status::Invalid("--deploy-ms: give either --deploy-ms or --deploy-dist, not both");
  }
  if (config.deploy_dist) {
    Result<DeployTiming> timing = ParseDeployDist(*config.deploy_dist);
    if (!timing.ok()) return timing.status().Prefixed("--deploy-dist: ");
    return timing;
  }
  double ms = config.deploy_ms.value_or(200);
  if (!(ms >= 0 && ms <= kMaxDeployMs)) {
    return Status::Invalid("--deploy-ms: must be between 0 and 3600000");
  }
  return DeployTiming::Fixed(ms);
}

Status AddFaults(const SimConfig& config, Fleet& fleet) {
  for (const auto& text : config.faults) {
    Result<FaultSpec> spec = ParseFaultSpec(text);
    if (!spec.ok()) return spec.status().Prefixed("--fault: ");
    if (!fleet.AddFault(spec->slug, spec->fault).ok()) {
      return Status::Invalid(fmt::format("--fault: '{}': no such tenant '{}'", text, spec->slug));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  Result<std::pair<std::string, int>> parsed = rollcall::ParseListenAddress(text);
  if (!parsed.ok()) return parsed.status();
  return ListenAddress{.host = parsed->first, .port = static_cast<uint16_t>(parsed->second)};
}

std::vector<std::string> GeneratedSlugs(int64_t count) {
  std::vector<std::string> slugs;
  slugs.reserve(static_cast<size_t>(std::max<int64_t>(0, count)));
  for (int64_t i = 0; i < count; ++i) slugs.push_back(fmt::format("t{:04d}", i));
  return slugs;
}

Result<std::vector<std::string>> ParseNames(std::string_view csv) {
  std::vector<std::string> names;
  std::set<std::string, std::less<>> seen;
  while (true) {
    size_t comma = csv.find(',');
    std::string_view name = csv.substr(0, comma);
    if (!IsSlug(name)) {
      return Status::Invalid(
          fmt::format("--names: '{}' is not a valid slug (^[a-z0-9][a-z0-9-]{{0,62}}$)", name));
    }
    if (!seen.emplace(name).second) {
      return Status::Invalid(fmt::format("--names: '{}' appears twice", name));
    }
    names.emplace_back(name);
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  return names;
}

Result<std::unique_ptr<Fleet>> MakeFleet(const SimConfig& config) {
  Result<std::vector<std::string>> slugs = ResolveSlugs(config);
  if (!slugs.ok()) return slugs.status();
  if (Result<ListenAddress> listen = ParseListenAddress(config.listen); !listen.ok()) {
    return listen.status();
  }
  Result<DeployTiming> timing = ResolveTiming(config);
  if (!timing.ok()) return timing.status();
  if (config.initial_image.empty()) return Status::Invalid("--initial-image: must not be empty");
  auto fleet = std::make_unique<Fleet>(FleetConfig{.slugs = std::move(*slugs),
                                                   .initial_image = config.initial_image,
                                                   .initial_sha = config.initial_sha,
                                                   .timing = *timing,
                                                   .seed = config.seed});
  if (Status s = AddFaults(config, *fleet); !s.ok()) return s;
  return fleet;
}

}  // namespace rollcall::sim
