// The CLI's commands (DESIGN §6), each a function returning an exit code.
// Flag parsing lives in main.cpp; these do the work.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rollcall {

enum Exit : int { kExitOk = 0, kExitFailed = 1, kExitUsage = 2, kExitNotSuperseded = 10 };

struct Globals {
  std::string server = "http://127.0.0.1:7700";
  std::string token;
  bool json = false;                 // --json: the same as -o json
  std::string output;                // -o: "", wide, json, yaml
  std::string annotations = "auto";  // auto, on, off
  std::string dashboard_url;         // links the step summary to the rollout
};

// A page of rollouts: newest first, at most `limit`, older than `cursor`.
struct PageFlags {
  int limit = 20;
  std::string state;   // "" = any
  std::string cursor;  // a rollout id from "older ...: --cursor ID"
};

// The release order key: --seq N, or --no-seq, or derived from the sha.
struct SeqFlags {
  std::optional<int64_t> seq;
  bool no_seq = false;
};

struct RolloutFlags {
  std::string tag, sha, reason, response_file, strategy, max_stragglers = "1";
  SeqFlags seq;
  std::vector<std::string> canary, only;
  std::optional<double> soak, per_tenant_timeout, health_timeout, health_interval;
  std::optional<int64_t> max_parallel;
  bool dry_run = false, rollback = false;
};

struct VerifyFlags {
  std::string sha;
  double budget_s = 240;
  double interval_s = 20;
  std::vector<std::string> exclude;
  std::string from_response;
  // Where users reach a tenant without a public_url: "https://{slug}.example.com".
  std::string url_template;
};

// Where the SCM is, for wait-ci and check-superseded's API mode.
struct ScmFlags {
  std::string scm;      // gitea, github; empty: gitea under GITEA_ACTIONS, else github
  std::string scm_url;  // web URL; defaults from GITHUB_SERVER_URL / GITHUB_API_URL
  std::string repo;     // owner/name; defaults from GITHUB_REPOSITORY
};

struct WaitCiFlags {
  std::string sha;
  std::vector<std::string> contexts;
  ScmFlags scm;
  double timeout_s = 1800;
  double interval_s = 15;
};

struct SupersededFlags {
  std::string sha;
  std::string branch = "main";
  std::string remote;            // git: URL or remote name; default origin
  std::string head_from = "git";  // git or scm
  ScmFlags scm;
};

struct PromoteFlags {
  std::string tag, sha, channel = "latest", reason;
  SeqFlags seq;
  bool rollback = false;
};

struct DeployFlags {
  RolloutFlags rollout;  // rollout.sha is the deployed commit
  VerifyFlags verify;    // sha and exclusions come from the rollout
  SupersededFlags superseded;
  std::string channel = "latest";
  bool no_promote = false;
};

struct TenantFlags {
  std::string slug, base_url, driver = "agent", agent_url, image_repo;
  std::vector<std::string> labels, vars;  // KEY=VALUE
  std::vector<std::string> deploy_argv, inspect_argv;
  // docker driver: the Engine API and the container (or its label)
  std::string docker_host, docker_container, docker_label;
  std::vector<std::string> docker_keep;
  std::optional<int64_t> docker_stop_grace_s;
  // ssm driver: the instance, its region, and the command lines
  std::string ssm_instance, ssm_region, ssm_document;
  std::vector<std::string> ssm_commands, ssm_inspect;
  std::optional<int64_t> ssm_execution_timeout_s;
  std::string public_url;
  bool cordoned = false;
};

int CmdPlan(const Globals& g, const std::string& sha, const std::string& tag);
int CmdAssertEnabled(const Globals& g);
int CmdFreeze(const Globals& g, const std::string& reason);
int CmdUnfreeze(const Globals& g);
int CmdTenantsImport(const Globals& g, const std::string& file);
int CmdTenantsAdd(const Globals& g, const TenantFlags& f);
int CmdTenantsRemove(const Globals& g, const std::string& slug);
int CmdTenantsCordon(const Globals& g, const std::string& slug, bool cordon);
// The read commands: a table, or -o json|yaml|wide.
int CmdStatus(const Globals& g, const std::string& id, const PageFlags& page);
int CmdTenantsList(const Globals& g);
int CmdChannels(const Globals& g, const std::string& channel);
int CmdHistory(const Globals& g, const PageFlags& page);
int CmdControl(const Globals& g, const std::string& id, const std::string& action);
int CmdWatch(const Globals& g, const std::string& id);
// POST /v1/fleet/recover, then follows the recovery like `watch`.
int CmdRecover(const Globals& g, const std::vector<std::string>& only, const std::string& reason);
// GET /v1/fleet as a table: drifted and quarantined tenants first, with how long.
int CmdFleet(const Globals& g);
// `rollcall audit`: the audit trail, newest first.
struct AuditFilter {
  std::string actor, kind, since;  // "" = any
  int limit = 50;
  int64_t cursor = 0;  // 0 = from the newest
};
int CmdAudit(const Globals& g, const AuditFilter& f);
int CmdRollout(const Globals& g, const RolloutFlags& f);
// `undo`: a fenced rollback to the newest release before the desired one
// whose rollout succeeded (or to seq `to_seq`), with the rollout flags'
// policy; `reason` is required.
int CmdUndo(const Globals& g, std::optional<int64_t> to_seq, const RolloutFlags& f);
int CmdVerify(const Globals& g, const VerifyFlags& f);
int CmdWaitCi(const Globals& g, const WaitCiFlags& f);
int CmdCheckSuperseded(const Globals& g, const SupersededFlags& f);
int CmdPromote(const Globals& g, const PromoteFlags& f);
int CmdDeploy(const Globals& g, const DeployFlags& f);

}  // namespace rollcall
