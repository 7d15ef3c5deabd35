#include "cli/scm.h"

#include <fmt/format.h>

namespace rollcall {
namespace {

std::string Trimmed(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string StringField(const Json& row, const char* key) {
  return row.contains(key) && row[key].is_string() ? row[key].get<std::string>() : "";
}

int64_t IdField(const Json& row) {
  return row.contains("id") && row["id"].is_number_integer() ? row["id"].get<int64_t>() : 0;
}

// A GitHub check run as a commit status.
CommitStatus FromCheckRun(const Json& run) {
  CommitStatus s{IdField(run), StringField(run, "name"), "pending"};
  if (StringField(run, "status") != "completed") return s;
  const std::string conclusion = StringField(run, "conclusion");
  if (conclusion == "success" || conclusion == "neutral") s.state = "success";
  else if (conclusion == "timed_out" || conclusion == "action_required" || conclusion == "stale") s.state = "failure";
  else s.state = conclusion.empty() ? "pending" : conclusion;
  return s;
}

CommitStatus FromStatusRow(const Json& row) {
  // Gitea names the state "status" in older versions and "state" in newer.
  std::string state = StringField(row, "state");
  if (state.empty()) state = StringField(row, "status");
  return {IdField(row), StringField(row, "context"), state};
}

// Pages `path_of(page)` until a page has no rows; `rows_of` picks the rows
// out of a page's JSON.
Status PageThrough(const JsonGetter& get, const std::function<std::string(int)>& path_of,
                   const std::function<const Json*(const Json&)>& rows_of,
                   const std::function<void(const Json&)>& add, int max_pages) {
  for (int page = 1; page <= max_pages; ++page) {
    const std::string path = path_of(page);
    Result<Json> answer = get(path);
    if (!answer.ok()) return answer.status();
    const Json* rows = rows_of(*answer);
    if (!rows || !rows->is_array()) return Status::Unavailable(fmt::format("GET {}: expected a list", path));
    if (rows->empty()) return Status::Ok();
    for (const Json& row : *rows) {
      if (row.is_object()) add(row);
    }
  }
  return Status::Unavailable(fmt::format("statuses: still not at the end after {} pages", max_pages));
}

}  // namespace

Result<ScmKind> ParseScmKind(const std::string& text) {
  if (text == "gitea") return ScmKind::kGitea;
  if (text == "github") return ScmKind::kGithub;
  return Status::Invalid("--scm: expected gitea or github, got \"" + text + "\"");
}

std::string ScmApiBase(ScmKind kind, const std::string& scm_url) {
  const std::string url = Trimmed(scm_url);
  if (kind == ScmKind::kGitea) return url.ends_with("/api/v1") ? url : url + "/api/v1";
  if (url.empty() || url == "https://github.com") return "https://api.github.com";
  if (url.find("api.github.com") != std::string::npos || url.ends_with("/api/v3")) return url;
  return url + "/api/v3";
}

Status ValidateRepo(const std::string& repo) {
  const size_t slash = repo.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == repo.size() ||
      repo.find('/', slash + 1) != std::string::npos) {
    return Status::Invalid("--repo: expected OWNER/NAME, got \"" + repo + "\"");
  }
  return Status::Ok();
}

Result<std::vector<CommitStatus>> FetchCommitStatuses(const JsonGetter& get, ScmKind kind,
                                                      const std::string& repo, const std::string& sha,
                                                      int page_size, int max_pages) {
  std::vector<CommitStatus> out;
  const std::string base = fmt::format("/repos/{}/commits/{}", repo, sha);
  const auto self = [](const Json& page) { return &page; };
  const auto add_status = [&](const Json& row) { out.push_back(FromStatusRow(row)); };
  const char* size_param = kind == ScmKind::kGitea ? "limit" : "per_page";
  Status s = PageThrough(
      get, [&](int page) { return fmt::format("{}/statuses?page={}&{}={}", base, page, size_param, page_size); },
      self, add_status, max_pages);
  if (!s.ok()) return s;
  if (kind == ScmKind::kGitea) return out;
  s = PageThrough(
      get, [&](int page) { return fmt::format("{}/check-runs?page={}&per_page={}", base, page, page_size); },
      [](const Json& page) { return page.contains("check_runs") ? &page["check_runs"] : nullptr; },
      [&](const Json& run) { out.push_back(FromCheckRun(run)); }, max_pages);
  if (!s.ok()) return s;
  return out;
}

Result<std::string> FetchBranchHead(const JsonGetter& get, ScmKind kind, const std::string& repo,
                                    const std::string& branch) {
  const std::string path = fmt::format("/repos/{}/branches/{}", repo, branch);
  Result<Json> answer = get(path);
  if (!answer.ok()) return answer.status();
  const Json commit = answer->value("commit", Json::object());
  const std::string sha = StringField(commit, kind == ScmKind::kGitea ? "id" : "sha");
  if (sha.empty()) return Status::Unavailable(fmt::format("GET {}: no commit sha in the answer", path));
  return sha;
}

std::string DescribeContexts(const std::vector<std::string>& required,
                             const std::map<std::string, CommitStatus>& newest) {
  std::string out;
  for (const auto& context : required) {
    auto it = newest.find(context);
    out += fmt::format("{}{}={}", out.empty() ? "" : ", ", context, it == newest.end() ? "(missing)" : it->second.state);
  }
  return out;
}

}  // namespace rollcall
