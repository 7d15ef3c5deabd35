#include "cli/ci_logic.h"

#include <algorithm>
#include <cctype>

namespace rollcall {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool Is2xx(int status) { return status >= 200 && status < 300; }

}  // namespace

bool IsTruthy(std::string_view value) {
  const std::string v = Lower(value);
  for (const char* yes : {"1", "true", "yes", "on", "disabled", "disable"}) {
    if (v == yes) return true;
  }
  return false;
}

Json MakePlanJson(const std::string& sha, const std::string& tag, const std::string& disabled) {
  const std::string effective_tag = tag.empty() ? "staging-" + sha.substr(0, 7) : tag;
  Json plan = {{"enabled", true}, {"reason", nullptr}, {"sha", sha}, {"tag", effective_tag}};
  if (IsTruthy(disabled)) {
    plan["enabled"] = false;
    plan["reason"] = "ROLLCALL_DISABLED=" + disabled;
  }
  return plan;
}

bool ShaMatches(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  if (n < 7) return false;
  return Lower(a.substr(0, n)) == Lower(b.substr(0, n));
}

std::map<std::string, CommitStatus> NewestByContext(const std::vector<CommitStatus>& rows) {
  std::map<std::string, CommitStatus> newest;
  for (const auto& row : rows) {
    auto [it, inserted] = newest.emplace(row.context, row);
    if (!inserted && row.id > it->second.id) it->second = row;
  }
  return newest;
}

bool IsTerminalFailure(std::string_view state) {
  const std::string s = Lower(state);
  for (const char* bad : {"failure", "error", "cancelled", "canceled", "skipped"}) {
    if (s == bad) return true;
  }
  return false;
}

CiVerdict EvaluateCi(const std::vector<std::string>& required,
                     const std::map<std::string, CommitStatus>& newest) {
  CiVerdict v;
  for (const auto& context : required) {
    auto it = newest.find(context);
    if (it != newest.end() && IsTerminalFailure(it->second.state)) {
      v.kind = CiVerdict::Kind::kFailed;
      v.failed_context = context;
      v.failed_state = it->second.state;
      return v;
    }
    if (it == newest.end() || Lower(it->second.state) != "success") v.waiting.push_back(context);
  }
  v.kind = v.waiting.empty() ? CiVerdict::Kind::kSuccess : CiVerdict::Kind::kPending;
  return v;
}

std::string_view ToString(VerifyState s) {
  switch (s) {
    case VerifyState::kOk: return "OK";
    case VerifyState::kStale: return "STALE";
    case VerifyState::kUnhealthy: return "UNHEALTHY";
    case VerifyState::kUnreachable: return "UNREACHABLE";
  }
  return "?";
}

VerifyState ClassifyVerify(const VerifyObservation& o, const std::string& target_sha,
                           std::string* running_sha) {
  if (!Is2xx(o.buildinfo_status)) return VerifyState::kUnreachable;
  Json info = Json::parse(o.buildinfo_body, nullptr, false);
  if (!info.is_object() || !info.contains("git_sha") || !info["git_sha"].is_string()) {
    return VerifyState::kUnreachable;
  }
  const std::string sha = info["git_sha"];
  if (running_sha) *running_sha = sha;
  if (!ShaMatches(sha, target_sha)) return VerifyState::kStale;
  return Is2xx(o.healthz_status) ? VerifyState::kOk : VerifyState::kUnhealthy;
}

}  // namespace rollcall
