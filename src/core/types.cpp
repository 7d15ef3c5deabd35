#include "core/types.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <fmt/format.h>
#include <set>
#include <utility>

#include "core/argv_template.h"
#include "core/image_ref.h"

namespace rollcall {
namespace {

template <typename E, size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<TenantState, 2> kTenantStates{{
    {TenantState::kActive, "active"}, {TenantState::kCordoned, "cordoned"}}};
constexpr NameTable<DriverKind, 4> kDriverKinds{{{DriverKind::kAgent, "agent"},
                                                  {DriverKind::kExec, "exec"},
                                                  {DriverKind::kDocker, "docker"},
                                                  {DriverKind::kSsm, "ssm"}}};
constexpr NameTable<Strategy, 2> kStrategies{{
    {Strategy::kWindow, "window"}, {Strategy::kBatches, "batches"}}};
constexpr NameTable<TenantStatus, 8> kTenantStatuses{{
    {TenantStatus::kSuccess, "Success"},
    {TenantStatus::kFailed, "Failed"},
    {TenantStatus::kTimedOut, "TimedOut"},
    {TenantStatus::kUnhealthy, "Unhealthy"},
    {TenantStatus::kOffTarget, "OffTarget"},
    {TenantStatus::kSkipped, "Skipped"},
    {TenantStatus::kCancelled, "Cancelled"},
    {TenantStatus::kDryRun, "DryRun"}}};
constexpr NameTable<RolloutState, 7> kRolloutStates{{
    {RolloutState::kPending, "pending"},
    {RolloutState::kRunning, "running"},
    {RolloutState::kPaused, "paused"},
    {RolloutState::kSucceeded, "succeeded"},
    {RolloutState::kFailed, "failed"},
    {RolloutState::kCancelled, "cancelled"},
    {RolloutState::kSuperseded, "superseded"}}};

template <typename E, size_t N>
std::string_view NameOf(const NameTable<E, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "?";
}

template <typename E, size_t N>
Result<E> ValueOf(const NameTable<E, N>& table, std::string_view name) {
  std::string choices;
  for (const auto& [e, n] : table) {
    if (n == name) return e;
    choices += choices.empty() ? "" : ", ";
    choices += n;
  }
  return Status::Invalid(fmt::format("must be one of {}, got \"{}\"", choices, name));
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

Status FieldError(std::string_view path, std::string_view field, const std::string& what) {
  return Status::Invalid(fmt::format("{}{}: {}", path, field, what));
}

Status ValidateDuration(double seconds, std::string_view path, std::string_view field) {
  if (!(seconds >= 0) || seconds > 1e9) {
    return FieldError(path, field, "must be a number of seconds >= 0");
  }
  return Status::Ok();
}

Status ValidateSlugList(const std::vector<std::string>& slugs, std::string_view path,
                        std::string_view field) {
  std::set<std::string_view> seen;
  for (const auto& slug : slugs) {
    if (!IsValidSlug(slug)) {
      return FieldError(path, field, fmt::format("\"{}\" is not a valid slug", slug));
    }
    if (!seen.insert(slug).second) {
      return FieldError(path, field, fmt::format("\"{}\" is listed twice", slug));
    }
  }
  return Status::Ok();
}

// Control characters (newlines above all) in a label, var or argument could
// forge a proof line in a command's output or a log line: refused.
bool HasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

Status ValidateTextMap(const std::map<std::string, std::string>& map, std::string_view path,
                       std::string_view field) {
  for (const auto& [key, value] : map) {
    if (key.empty()) return FieldError(path, field, "keys must not be empty");
    if (HasControlCharacter(key) || HasControlCharacter(value)) {
      return FieldError(path, fmt::format("{}.{}", field, HasControlCharacter(key) ? "<key>" : key),
                        "must not contain control characters");
    }
  }
  return Status::Ok();
}

// `known`: the built-in placeholders the template may use; the tenant's vars
// are known too.
Status ValidateArgv(const std::vector<std::string>& argv, const Tenant& t,
                    const std::vector<std::string>& known, std::string_view path,
                    std::string_view field) {
  if (!argv.empty() && argv.front().empty()) {
    return FieldError(path, field, "program (first argument) must not be empty");
  }
  for (size_t i = 0; i < argv.size(); ++i) {
    if (HasControlCharacter(argv[i])) {
      return FieldError(path, fmt::format("{}[{}]", field, i), "must not contain control characters");
    }
  }
  std::vector<std::string> names = known;
  for (const auto& [name, value] : t.vars) names.push_back(name);
  if (Status s = CheckArgvTemplate(argv, names); !s.ok()) {
    // "argv[1]: unknown placeholder {x}" -> "exec.deploy[1]: unknown placeholder {x}"
    std::string message = s.message();
    if (message.rfind("argv", 0) == 0) message.erase(0, 4);
    return Status::Invalid(fmt::format("{}{}{}", path, field, message));
  }
  return Status::Ok();
}

}  // namespace

bool IsHttpUrl(std::string_view url) {
  auto rest = [&](std::string_view scheme) {
    return url.substr(0, scheme.size()) == scheme && url.size() > scheme.size();
  };
  const bool printable = std::none_of(url.begin(), url.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
  return printable && (rest("http://") || rest("https://"));
}

bool Release::SameAs(const Release& other) const {
  if (tag != other.tag || seq != other.seq) return false;
  return git_sha.empty() || other.git_sha.empty() || git_sha == other.git_sha;
}

std::string Release::Describe() const {
  std::string out = tag;
  if (seq) out += fmt::format(" (seq {})", *seq);
  return out;
}

int64_t StragglerLimit::ToleranceFor(size_t fanout) const {
  if (!percent) return value;
  return static_cast<int64_t>(fanout) * value / 100;  // floored
}

std::string StragglerLimit::Describe() const {
  return percent ? fmt::format("{}%", value) : fmt::format("{}", value);
}

bool Rollout::Finished() const { return IsTerminal(state); }

std::string_view ToString(TenantState s) { return NameOf(kTenantStates, s); }
std::string_view ToString(DriverKind d) { return NameOf(kDriverKinds, d); }
std::string_view ToString(Strategy s) { return NameOf(kStrategies, s); }
std::string_view ToString(TenantStatus s) { return NameOf(kTenantStatuses, s); }
std::string_view ToString(RolloutState s) { return NameOf(kRolloutStates, s); }
Result<TenantState> ParseTenantState(std::string_view s) { return ValueOf(kTenantStates, s); }
Result<DriverKind> ParseDriverKind(std::string_view s) { return ValueOf(kDriverKinds, s); }
Result<Strategy> ParseStrategy(std::string_view s) { return ValueOf(kStrategies, s); }
Result<TenantStatus> ParseTenantStatus(std::string_view s) { return ValueOf(kTenantStatuses, s); }
Result<RolloutState> ParseRolloutState(std::string_view s) { return ValueOf(kRolloutStates, s); }

Result<StragglerLimit> ParseStragglerLimit(std::string_view text) {
  StragglerLimit limit;
  std::string_view digits = text;
  if (!digits.empty() && digits.back() == '%') {
    limit.percent = true;
    digits.remove_suffix(1);
  }
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), limit.value);
  bool bad = digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
             limit.value < 0 || (limit.percent && limit.value > 100);
  if (bad) {
    return Status::Invalid(fmt::format(
        "must be an integer >= 0 or a percentage \"N%\" with N in 0-100, got \"{}\"", text));
  }
  return limit;
}

bool IsTerminal(RolloutState s) {
  return s == RolloutState::kSucceeded || s == RolloutState::kFailed ||
         s == RolloutState::kCancelled || s == RolloutState::kSuperseded;
}

bool IsValidSlug(std::string_view slug) {
  if (slug.empty() || slug.size() > 63 || !IsLowerAlnum(slug.front())) return false;
  return std::all_of(slug.begin(), slug.end(), [](char c) { return IsLowerAlnum(c) || c == '-'; });
}

bool IsValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  if (!IsAlnum(tag.front()) && tag.front() != '_') return false;
  return std::all_of(tag.begin(), tag.end(), [](char c) {
    return IsAlnum(c) || c == '_' || c == '.' || c == '-';
  });
}

bool IsValidGitSha(std::string_view sha) {
  if (sha.size() < 7 || sha.size() > 40) return false;
  return std::all_of(sha.begin(), sha.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

Status Validate(const Tenant& t, std::string_view path) {
  if (!IsValidSlug(t.slug)) {
    return FieldError(path, "slug", fmt::format("must match ^[a-z0-9][a-z0-9-]{{0,62}}$, got \"{}\"", t.slug));
  }
  if (!IsHttpUrl(t.base_url)) {
    return FieldError(path, "base_url", "must be an http:// or https:// URL without spaces or control characters");
  }
  if (!t.public_url.empty() && !IsHttpUrl(t.public_url)) {
    return FieldError(path, "public_url", "must be an http:// or https:// URL without spaces or control characters");
  }
  if (t.driver == DriverKind::kAgent && !IsHttpUrl(t.agent_url)) {
    return FieldError(path, "agent_url", "must be an http:// or https:// URL for the agent driver");
  }
  if (t.driver == DriverKind::kExec && t.exec.deploy.empty()) {
    return FieldError(path, "exec.deploy", "must be a non-empty argv list for the exec driver");
  }
  if (t.driver == DriverKind::kDocker && !t.docker.Configured()) {
    return FieldError(path, "docker", "required for the docker driver ({\"host\":...,\"container\":...})");
  }
  if (t.driver == DriverKind::kSsm && !t.ssm.Configured()) {
    return FieldError(path, "ssm", "required for the ssm driver ({\"instance_id\":...,\"region\":...,\"commands\":[...]})");
  }
  if (t.ssm.Configured()) {
    std::vector<std::string> deploy = DeployPlaceholderNames(), inspect = InspectPlaceholderNames();
    for (const auto& [name, value] : t.vars) {
      deploy.push_back(name);
      inspect.push_back(name);
    }
    if (Status s = ValidateSsmSettings(t.ssm, deploy, inspect, path); !s.ok()) return s;
  }
  if (Status s = ValidateTextMap(t.labels, path, "labels"); !s.ok()) return s;
  if (Status s = ValidateTextMap(t.vars, path, "vars"); !s.ok()) return s;
  if (t.docker.Configured()) {
    std::vector<std::string> names = InspectPlaceholderNames();
    for (const auto& [name, value] : t.vars) names.push_back(name);
    if (Status s = ValidateDockerSettings(t.docker, names, path); !s.ok()) return s;
  }
  if (Status s = ValidateArgv(t.exec.deploy, t, DeployPlaceholderNames(), path, "exec.deploy"); !s.ok()) return s;
  if (Status s = ValidateArgv(t.exec.inspect, t, InspectPlaceholderNames(), path, "exec.inspect"); !s.ok()) {
    return s;
  }
  if (t.image_repo && t.image_repo->empty()) {
    return FieldError(path, "image_repo", "must not be empty (use null for the server's)");
  }
  if (t.image_repo && !IsValidRepository(*t.image_repo)) {
    return FieldError(path, "image_repo",
                      "must be an OCI repository reference such as ghcr.io/acme/app (lowercase "
                      "path, optional registry host, no tag)");
  }
  return Status::Ok();
}

Status Validate(const Release& r, std::string_view path) {
  if (!IsValidTag(r.tag)) {
    return FieldError(path, "tag", fmt::format("must match ^[A-Za-z0-9_][A-Za-z0-9._-]{{0,127}}$, got \"{}\"", r.tag));
  }
  if (!r.git_sha.empty() && !IsValidGitSha(r.git_sha)) {
    return FieldError(path, "git_sha", "must be 7 to 40 hex digits");
  }
  if (r.seq && *r.seq < 0) return FieldError(path, "seq", "must be >= 0");
  return Status::Ok();
}

Status Validate(const Policy& p, std::string_view path) {
  if (Status s = ValidateSlugList(p.canary, path, "canary"); !s.ok()) return s;
  const std::pair<double, std::string_view> durations[] = {
      {p.soak_seconds, "soak_seconds"},
      {p.per_tenant_timeout_s, "per_tenant_timeout_s"},
      {p.health_timeout_s, "health_timeout_s"},
      {p.health_interval_s, "health_interval_s"}};
  for (const auto& [seconds, field] : durations) {
    if (Status s = ValidateDuration(seconds, path, field); !s.ok()) return s;
  }
  if (p.max_parallel < 1) return FieldError(path, "max_parallel", "must be >= 1");
  if (p.max_stragglers.value < 0 || (p.max_stragglers.percent && p.max_stragglers.value > 100)) {
    return FieldError(path, "max_stragglers", "must be an integer >= 0 or \"N%\" with N in 0-100");
  }
  if (p.only_slugs) {
    if (p.only_slugs->empty()) return FieldError(path, "only_slugs", "must not be an empty list");
    if (Status s = ValidateSlugList(*p.only_slugs, path, "only_slugs"); !s.ok()) return s;
  }
  return Status::Ok();
}

std::string TargetImage(const Tenant& t, const Release& r, std::string_view default_repo) {
  const std::string& repo = t.image_repo ? *t.image_repo : std::string(default_repo);
  return repo + ":" + r.tag;
}

}  // namespace rollcall
