// The CI pipeline's decisions, pure: plan, sha comparison, commit-status
// evaluation for wait-ci, and verify's per-tenant verdict.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_reader.h"

namespace rollcall {

// ROLLCALL_DISABLED and friends: 1, true, yes, on, disabled, disable (any case).
bool IsTruthy(std::string_view value);

// `plan --sha SHA [--tag T]`: {"enabled","reason","sha","tag"}; the tag
// defaults to staging-<first 7 of sha>. `disabled` is ROLLCALL_DISABLED's value.
Json MakePlanJson(const std::string& sha, const std::string& tag, const std::string& disabled);

// Case-insensitive prefix comparison on the shorter of two shas, each at
// least 7 characters; false for anything shorter.
bool ShaMatches(std::string_view a, std::string_view b);

// One commit status as an SCM reports it.
struct CommitStatus {
  int64_t id = 0;
  std::string context;
  std::string state;  // success, pending, failure, error, cancelled, canceled, skipped, ...
};

// The newest row per context, by id (SCMs list every update of a context).
std::map<std::string, CommitStatus> NewestByContext(const std::vector<CommitStatus>& rows);

struct CiVerdict {
  enum class Kind { kSuccess, kPending, kFailed };
  Kind kind = Kind::kPending;
  std::string failed_context;  // kFailed
  std::string failed_state;
  std::vector<std::string> waiting;  // kPending: contexts not yet successful
};

// Every required context's newest row is success -> kSuccess; any required
// context in failure, error, cancelled, canceled or skipped -> kFailed at
// once; otherwise kPending (missing contexts count as pending).
CiVerdict EvaluateCi(const std::vector<std::string>& required,
                     const std::map<std::string, CommitStatus>& newest);

bool IsTerminalFailure(std::string_view state);

// verify's per-tenant verdict from one poll.
enum class VerifyState { kOk, kStale, kUnhealthy, kUnreachable };
std::string_view ToString(VerifyState s);

struct VerifyObservation {
  int buildinfo_status = 0;  // 0: no answer
  std::string buildinfo_body;
  int healthz_status = 0;
};

// UNREACHABLE when /buildinfo did not answer 2xx JSON; STALE when its
// git_sha does not match; UNHEALTHY when it matches but /healthz is not 2xx;
// OK otherwise. `running_sha` receives what the tenant reported.
VerifyState ClassifyVerify(const VerifyObservation& o, const std::string& target_sha,
                           std::string* running_sha);

}  // namespace rollcall
