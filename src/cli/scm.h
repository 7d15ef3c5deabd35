// The SCM side of the pipeline (wait-ci, check-superseded): commit statuses
// and branch heads from Gitea's or GitHub's REST API. The HTTP comes in as
// a JsonGetter, so paging and mapping are tested without a network.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cli/ci_logic.h"
#include "core/json_reader.h"
#include "core/status.h"

namespace rollcall {

enum class ScmKind { kGitea, kGithub };

// "gitea" / "github"; Invalid naming --scm otherwise.
Result<ScmKind> ParseScmKind(const std::string& text);

// GET `path` (relative to the API base, query included) -> the JSON answer
// of a 2xx; any other outcome is an error naming the path.
using JsonGetter = std::function<Result<Json>(const std::string& path)>;

// The API base for an SCM web URL: Gitea serves its API under /api/v1;
// GitHub's is api.github.com (or <url>/api/v3 for GitHub Enterprise).
std::string ScmApiBase(ScmKind kind, const std::string& scm_url);

// "owner/name" with both parts non-empty; Invalid naming --repo otherwise.
Status ValidateRepo(const std::string& repo);

// Every commit status of `sha`. Gitea: /repos/{repo}/commits/{sha}/statuses
// paged with page=N&limit=`page_size` until an empty page (servers clamp the
// limit, so a short page is not the end). GitHub: the statuses and the check
// runs of the sha, paged the same way; a check run maps to a context named
// after it, "pending" until completed, then its conclusion (neutral counts
// as success, timed_out and action_required as failure). Stops with an
// error after `max_pages` pages rather than loop forever on a broken server.
Result<std::vector<CommitStatus>> FetchCommitStatuses(const JsonGetter& get, ScmKind kind,
                                                      const std::string& repo, const std::string& sha,
                                                      int page_size = 50, int max_pages = 200);

// The sha at the tip of `branch`; an error when the API does not say.
Result<std::string> FetchBranchHead(const JsonGetter& get, ScmKind kind, const std::string& repo,
                                    const std::string& branch);

// "build=success, test=pending, lint=(missing)" for the required contexts.
std::string DescribeContexts(const std::vector<std::string>& required,
                             const std::map<std::string, CommitStatus>& newest);

}  // namespace rollcall
