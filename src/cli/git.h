// Git queries for the pipeline: the head of a remote branch (check-superseded)
// and the release order key `git rev-list --count SHA` (seq). Git runs as a
// process without a shell; the runner is injected so the decisions are
// tested without a repository.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace rollcall {

// Runs `git ARGS...` and returns its stdout; an error carrying git's stderr
// when it cannot run or exits non-zero.
using GitRunner = std::function<Result<std::string>(const std::vector<std::string>& args)>;

// The real runner: git from PATH in the working directory, never prompting
// for credentials, killed after `timeout_s`.
GitRunner SystemGit(double timeout_s = 60);

// The sha `refs/heads/<branch>` points at on `remote` (a URL, a path or a
// remote's name), from `git ls-remote`; NotFound when the branch is absent.
Result<std::string> RemoteBranchHead(const GitRunner& git, const std::string& remote,
                                     const std::string& branch);

// The release order key for a rollout or promotion: `seq` when given; none
// with `no_seq` or without a sha; else `git rev-list --count SHA`, which
// only a full clone answers truthfully, so a shallow clone is an error
// (Invalid, one line naming --seq and --no-seq).
Result<std::optional<int64_t>> ResolveSeq(const GitRunner& git, std::optional<int64_t> seq, bool no_seq,
                                          const std::string& sha);

}  // namespace rollcall
