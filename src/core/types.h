// Domain types of a rollout: tenants, releases, policies, results.
//
// Plain structs; validation lives beside them and returns a Status whose
// message names the offending field ("policy.max_parallel: must be >= 1").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/docker_settings.h"
#include "core/ssm_settings.h"
#include "core/status.h"

namespace rollcall {

enum class TenantState { kActive, kCordoned };
enum class DriverKind { kAgent, kExec, kDocker, kSsm };

// argv templates of the exec driver; see DESIGN §5.
struct ExecCommands {
  std::vector<std::string> deploy;
  std::vector<std::string> inspect;
};

struct Tenant {
  std::string slug;
  std::string base_url;  // serves /healthz and /buildinfo
  DriverKind driver = DriverKind::kAgent;
  std::string agent_url;  // agent driver only
  ExecCommands exec;      // exec driver only
  DockerSettings docker;  // docker driver only
  SsmSettings ssm;        // ssm driver only
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> vars;
  std::optional<std::string> image_repo;  // overrides the server's
  TenantState state = TenantState::kActive;
  // Where users reach the tenant (its edge, e.g. https://acme.example.com),
  // which `rollcall verify` checks; "" = none, verify uses base_url.
  std::string public_url;

  // What the control plane last observed; owned by the server, never taken
  // from a request.
  std::string running_image;
  std::optional<int64_t> running_seq;
  bool quarantined = false;
  std::string quarantine_reason;
};

struct Release {
  std::string tag;
  std::string git_sha;         // empty when not given
  std::optional<int64_t> seq;  // larger = newer; absent = unfenced

  bool SameAs(const Release& other) const;  // a missing git_sha matches any
  bool operator==(const Release& other) const = default;  // every field
  std::string Describe() const;  // "v42 (seq 42, sha abc1234)"
};

// An operator's stop on new deploys (an incident, a holiday): while set,
// no new rollout or promotion is accepted unless it is a rollback.
struct FleetFreeze {
  std::string reason;
  int64_t since_ms = 0;
};

// Where a channel tag (`latest`) points: the release tag whose image it was
// retagged from, that release's seq, and the manifest digest the registry
// confirmed. Also one row of a channel's promotion history.
struct ChannelRecord {
  std::string channel;         // the channel tag, e.g. "latest"
  std::string tag;             // the release tag promoted
  std::optional<int64_t> seq;  // absent: promoted unfenced
  std::string digest;          // "sha256:..."
  int64_t promoted_at_ms = 0;
  bool rollback = false;
  std::string reason;  // why, for a rollback
  std::string created_by{};  // the actor: the promoting token's name

  // Same target: channel, tag, seq and digest.
  bool SameAs(const ChannelRecord& other) const {
    return channel == other.channel && tag == other.tag && seq == other.seq && digest == other.digest;
  }
};

enum class Strategy { kWindow, kBatches };

// max_stragglers: an absolute count, or a percentage of the fan-out tenants.
struct StragglerLimit {
  int64_t value = 0;
  bool percent = false;

  // How many stragglers a fan-out of `fanout` tenants tolerates (floored).
  int64_t ToleranceFor(size_t fanout) const;
  std::string Describe() const;  // "2" or "10%"
};

struct Policy {
  std::vector<std::string> canary;
  double soak_seconds = 60;
  int64_t max_parallel = 3;
  Strategy strategy = Strategy::kWindow;
  StragglerLimit max_stragglers;
  double per_tenant_timeout_s = 300;
  double health_timeout_s = 90;
  double health_interval_s = 5;
  bool dry_run = false;
  std::optional<std::vector<std::string>> only_slugs;  // absent = every tenant
};

enum class TenantStatus {
  kSuccess, kFailed, kTimedOut, kUnhealthy, kOffTarget, kSkipped, kCancelled, kDryRun
};

struct TenantResult {
  std::string slug;
  std::string phase;  // "canary", "window" or "batch-N"
  TenantStatus status = TenantStatus::kSkipped;
  std::optional<int> exit_code;
  bool healthz_ok = false;
  bool verified_on_target = false;
  std::string running_image;
  std::string error;
  int64_t started_at_ms = 0;  // Unix ms; 0 when the tenant never started
  int64_t finished_at_ms = 0;
  int64_t duration_ms = 0;
  // When the running image was read (the proof); 0 when there was none.
  int64_t proof_observed_at_ms = 0;
  // What the driver had to wait out (an API's throttling): carried on the
  // row's tenant_finished event as "notes", not part of the row itself.
  std::vector<std::string> notes{};
};

// POST /v1/rollouts: {"release":{...},"policy":{...},"rollback":false,"reason":""}
struct RolloutRequest {
  Release release;
  Policy policy;
  bool rollback = false;
  std::string reason;
  // Set by the server, never read from a request: a scoped legacy call (see
  // Rollout::legacy_scoped), and notes recorded as the rollout's warnings.
  bool legacy_scoped = false;
  std::vector<std::string> notes{};
  // A recovery (DESIGN §10): the desired release again, to tenants left
  // behind; see Rollout::recovery.
  bool recovery = false;
  // Who asked: the token's name, or the control plane's own actor
  // ("auto-recover"). Set by the server, never read from a request.
  std::string created_by{};
};

enum class RolloutState { kPending, kRunning, kPaused, kSucceeded, kFailed, kCancelled, kSuperseded };

struct Rollout {
  std::string id;
  Release release;
  Policy policy;
  bool rollback = false;
  std::string reason;  // why a rollback was requested
  RolloutState state = RolloutState::kPending;
  // Every tenant the plan enumerated, canaries first: what the coverage gate
  // holds the rollout to, and the order of `results`.
  std::vector<std::string> enumerated;
  std::vector<TenantResult> results;
  std::vector<std::string> stragglers;
  std::string error;
  std::vector<std::string> warnings;
  std::string superseded_by;  // id of the rollout that superseded this one
  std::string created_by{};   // who started it: a token's name, or "auto-recover"
  // A scoped call of the legacy endpoint (only_slugs): its orchestrator
  // applies the fleet-wide coverage gate, so "nothing verified" is left to
  // the tolerance (DESIGN §3.7, §4).
  bool legacy_scoped = false;
  // A recovery of quarantined or drifted tenants: every straggler it leaves
  // is quarantined with its new reason, whatever the rollout's end state.
  bool recovery = false;
  int64_t created_at_ms = 0;
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;

  bool Finished() const;
};

// Enum names exactly as they appear in JSON.
std::string_view ToString(TenantState s);
std::string_view ToString(DriverKind d);
std::string_view ToString(Strategy s);
std::string_view ToString(TenantStatus s);
std::string_view ToString(RolloutState s);
Result<TenantState> ParseTenantState(std::string_view s);
Result<DriverKind> ParseDriverKind(std::string_view s);
Result<Strategy> ParseStrategy(std::string_view s);
Result<TenantStatus> ParseTenantStatus(std::string_view s);
Result<RolloutState> ParseRolloutState(std::string_view s);
// "3" or "10%". The error message does not name a field: callers prefix it.
Result<StragglerLimit> ParseStragglerLimit(std::string_view text);

bool IsTerminal(RolloutState s);
bool IsValidSlug(std::string_view slug);
bool IsValidTag(std::string_view tag);
bool IsValidGitSha(std::string_view sha);
// http:// or https:// and something after it, with no space or control character.
bool IsHttpUrl(std::string_view url);

// Each returns the first problem, its message prefixed with `path` (for
// example "release." or "tenants[3].").
Status Validate(const Tenant& t, std::string_view path = "");
Status Validate(const Release& r, std::string_view path = "");
Status Validate(const Policy& p, std::string_view path = "");

// `<image_repo>:<tag>`, the tenant's image_repo overriding the server's.
std::string TargetImage(const Tenant& t, const Release& r, std::string_view default_repo);

}  // namespace rollcall
