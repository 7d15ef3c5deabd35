// rollcall: the CLI for CI and operators (DESIGN §6). A command table: this
// file only declares commands and flags (CLI11 stays in one translation
// unit); the *_cmd.cpp files do the work.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>

#include "runtime/build_info.h"
#include "runtime/cli_docs.h"
#include "runtime/duration_flag.h"
#include "cli/command_support.h"  // EnvOr
#include "cli/commands.h"

namespace {

using namespace rollcall;

void AddSeqFlags(CLI::App* cmd, SeqFlags& f) {
  cmd->add_option("--seq", f.seq, "release order key (larger = newer); default: git rev-list --count SHA");
  cmd->add_flag("--no-seq", f.no_seq, "send no seq (the release is not fenced)");
}

void AddPolicyFlags(CLI::App* cmd, RolloutFlags& f) {
  cmd->add_option("--canary", f.canary, "canary tenant (repeatable)");
  cmd->add_option("--soak", f.soak, "how long to soak after the canaries (90, 90s, 5m)")->transform(DurationSeconds());
  cmd->add_option("--max-parallel", f.max_parallel, "tenants in flight at once");
  cmd->add_option("--strategy", f.strategy, "window or batches")->check(CLI::IsMember({"window", "batches"}));
  cmd->add_option("--max-stragglers", f.max_stragglers, "N or N%")->capture_default_str();
  cmd->add_option("--per-tenant-timeout", f.per_tenant_timeout, "a duration (300, 5m)")->transform(DurationSeconds());
  cmd->add_option("--health-timeout", f.health_timeout, "a duration (90, 90s)")->transform(DurationSeconds());
  cmd->add_option("--health-interval", f.health_interval, "a duration (5, 5s, 500ms)")->transform(DurationSeconds());
  cmd->add_flag("--dry-run", f.dry_run, "plan only; touch nothing");
  cmd->add_option("--only", f.only, "limit to these tenants (repeatable)");
  cmd->add_flag("--rollback", f.rollback, "allow an older release (needs --reason)");
  cmd->add_option("--reason", f.reason, "why, for the ledger");
  cmd->add_option("--response", f.response_file, "write the aggregate JSON here, even on failure");
}

void AddVerifyFlags(CLI::App* cmd, VerifyFlags& f) {
  cmd->add_option("--budget", f.budget_s, "how long to wait for the fleet to settle (240, 4m)")
      ->transform(DurationSeconds())
      ->capture_default_str();
  cmd->add_option("--interval", f.interval_s, "time between polls (20, 20s)")->transform(DurationSeconds())->capture_default_str();
  cmd->add_option("--exclude", f.exclude, "skip this tenant (repeatable)");
  cmd->add_option("--url-template", f.url_template,
                  "check tenants without a public_url here, e.g. https://{slug}.example.com (default: base_url)");
}

void AddScmFlags(CLI::App* cmd, ScmFlags& f) {
  cmd->add_option("--scm", f.scm, "gitea or github (default: gitea under GITEA_ACTIONS, else github)")
      ->check(CLI::IsMember({"gitea", "github"}));
  cmd->add_option("--scm-url", f.scm_url, "SCM web or API URL (default GITHUB_SERVER_URL / GITHUB_API_URL)");
  cmd->add_option("--repo", f.repo, "OWNER/NAME (default GITHUB_REPOSITORY)");
}

void AddSupersededFlags(CLI::App* cmd, SupersededFlags& f) {
  cmd->add_option("--branch", f.branch, "branch whose head is compared")->capture_default_str();
  cmd->add_option("--remote", f.remote, "git remote URL or name (default origin)");
  cmd->add_option("--head-from", f.head_from, "git (ls-remote) or scm (API)")
      ->check(CLI::IsMember({"git", "scm"}))->capture_default_str();
  AddScmFlags(cmd, f.scm);
}

void AddTenantCommands(CLI::App& app, const Globals& g, int& code) {
  static std::string slug, file;
  static TenantFlags tf;
  auto* tenants = app.add_subcommand("tenants", "manage the tenant registry");
  tenants->require_subcommand(1);
  tenants->add_subcommand("list", "list tenants (-o wide: URLs, labels, why quarantined)")
      ->footer("Example: rollcall tenants list\n         rollcall tenants list -o yaml")
      ->callback([&] { code = CmdTenantsList(g); });
  auto* import = tenants->add_subcommand("import", "upsert every tenant of FILE ({\"tenants\":[...]}), all or none");
  import->footer("Example: rollcall tenants import tenants.json");
  import->add_option("FILE", file)->required();
  import->callback([&] { code = CmdTenantsImport(g, file); });

  auto* add = tenants->add_subcommand("add", "create or replace one tenant");
  add->footer("Example: rollcall tenants add acme --base-url http://10.0.0.5:8080 --agent-url http://10.0.0.5:7701\n"
              "         rollcall tenants add beta --base-url http://b:8080 --driver exec --var host=b \\\n"
              "           --deploy ssh --deploy '{host}' --deploy /opt/app/redeploy --deploy '{image}'\n"
              "         rollcall tenants add gamma --base-url http://g:8080 --driver docker \\\n"
              "           --docker-container 'mol-tenant-{slug}' --docker-keep 'mol-db-{slug}'\n"
              "         rollcall tenants add delta --base-url http://d:8080 --driver ssm --ssm-instance i-0abc1234def567890 \\\n"
              "           --ssm-region eu-west-1 --ssm-command '/opt/app/redeploy {image}'");
  add->add_option("SLUG", tf.slug)->required();
  add->add_option("--base-url", tf.base_url, "where /healthz and /buildinfo are served")->required();
  add->add_option("--driver", tf.driver, "agent, exec, docker or ssm")
      ->check(CLI::IsMember({"agent", "exec", "docker", "ssm"}))
      ->capture_default_str();
  add->add_option("--agent-url", tf.agent_url, "the agent's URL (agent driver)");
  add->add_option("--deploy", tf.deploy_argv, "one argument of the exec deploy argv (repeat, in order)");
  add->add_option("--inspect", tf.inspect_argv, "one argument of the exec inspect argv (repeat, in order)");
  add->add_option("--docker-host", tf.docker_host, "the Engine API (docker driver): unix:///path or tcp://host:port");
  add->add_option("--docker-container", tf.docker_container, "the container's name template, e.g. mol-tenant-{slug}");
  add->add_option("--docker-select-label", tf.docker_label, "or KEY=VALUE: the one container carrying that label");
  add->add_option("--docker-keep", tf.docker_keep, "a container or volume the swap never touches (repeatable)");
  add->add_option("--docker-stop-grace", tf.docker_stop_grace_s, "seconds the old container gets to stop");
  add->add_option("--ssm-instance", tf.ssm_instance, "the EC2 instance id (ssm driver), e.g. i-0abc1234def567890");
  add->add_option("--ssm-region", tf.ssm_region, "its AWS region, e.g. eu-west-1");
  add->add_option("--ssm-document", tf.ssm_document, "the SSM document (default AWS-RunShellScript)");
  add->add_option("--ssm-command", tf.ssm_commands, "one command line of the deploy (repeatable, in order)");
  add->add_option("--ssm-inspect", tf.ssm_inspect, "one command line printing the running image (repeatable)");
  add->add_option("--ssm-execution-timeout", tf.ssm_execution_timeout_s, "the document's executionTimeout, seconds");
  add->add_option("--public-url", tf.public_url, "where users reach the tenant (rollcall verify checks it there)");
  add->add_option("--label", tf.labels, "KEY=VALUE (repeatable)");
  add->add_option("--var", tf.vars, "KEY=VALUE for argv templates (repeatable)");
  add->add_option("--image-repo", tf.image_repo, "overrides the server's image repo");
  add->add_flag("--cordoned", tf.cordoned, "register it excluded from rollouts");
  add->callback([&] { code = CmdTenantsAdd(g, tf); });

  auto* remove = tenants->add_subcommand("remove", "remove a tenant");
  remove->footer("Example: rollcall tenants remove acme");
  remove->add_option("SLUG", slug)->required();
  remove->callback([&] { code = CmdTenantsRemove(g, slug); });
  for (bool cordon : {true, false}) {
    auto* cmd = tenants->add_subcommand(cordon ? "cordon" : "uncordon",
                                        cordon ? "exclude a tenant from rollouts" : "include a tenant again");
    cmd->footer(std::string("Example: rollcall tenants ") + (cordon ? "cordon" : "uncordon") + " acme");
    cmd->add_option("SLUG", slug)->required();
    cmd->callback([&, cordon] { code = CmdTenantsCordon(g, slug, cordon); });
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rollcall: roll a release across the fleet and prove every tenant landed"};
  app.set_version_flag("--version", rollcall::VersionText("rollcall"));
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the command: `rollcall rollout ... --json`
  Globals g;
  g.server = EnvOr("ROLLCALL_SERVER", g.server);
  g.token = EnvOr("ROLLCALL_TOKEN", "");
  app.add_option("--server", g.server, "control plane URL (ROLLCALL_SERVER)")->capture_default_str();
  app.add_option("--token", g.token, "bearer token (ROLLCALL_TOKEN)");
  app.add_flag("--json", g.json, "print JSON (the same as -o json)");
  app.add_option("-o,--output", g.output, "read commands: json, yaml or wide (default: a table)")
      ->check(CLI::IsMember({"json", "yaml", "wide"}));
  app.add_option("--dashboard-url", g.dashboard_url, "the dashboard's URL, linked from the CI step summary")
      ->envname("ROLLCALL_DASHBOARD_URL");
  app.add_option("--annotations", g.annotations, "CI annotations and step summary: auto, on, off")
      ->check(CLI::IsMember({"auto", "on", "off"}))->capture_default_str();

  int code = kExitOk;
  std::string sha, tag, id;

  auto* plan = app.add_subcommand("plan", "print the plan JSON (enabled, tag)");
  plan->footer("Example: rollcall plan --sha 3f9a1c2d");
  plan->add_option("--sha", sha, "commit being deployed")->required();
  plan->add_option("--tag", tag, "image tag (default staging-<first 7 of sha>)");
  plan->callback([&] { code = CmdPlan(g, sha, tag); });

  std::string freeze_reason;
  auto* freeze = app.add_subcommand("freeze", "stop new rollouts and promotions (rollbacks still allowed)");
  freeze->footer("Example: rollcall freeze --reason \"incident 42: database failover\"");
  freeze->add_option("--reason", freeze_reason, "why, shown to every refused deploy")->required();
  freeze->callback([&] { code = CmdFreeze(g, freeze_reason); });
  app.add_subcommand("unfreeze", "allow rollouts and promotions again")
      ->footer("Example: rollcall unfreeze")
      ->callback([&] { code = CmdUnfreeze(g); });

  app.add_subcommand("assert-enabled", "exit 1 when deploys are disabled (ROLLCALL_DISABLED or a fleet freeze)")
      ->footer("Example: rollcall assert-enabled || exit 0")
      ->callback([&] { code = CmdAssertEnabled(g); });

  WaitCiFlags wf;
  auto* wait_ci = app.add_subcommand("wait-ci", "wait until every required commit status is success");
  wait_ci->footer("Example: rollcall wait-ci --sha 3f9a1c2 --repo acme/app --context build --context test --scm gitea --scm-url https://git.acme.dev");
  wait_ci->add_option("--sha", wf.sha, "commit whose statuses are read")->required();
  wait_ci->add_option("--context", wf.contexts, "required status context (repeatable)")->required();
  wait_ci->add_option("--timeout", wf.timeout_s, "how long before giving up (1800, 30m)")
      ->transform(DurationSeconds())
      ->capture_default_str();
  wait_ci->add_option("--interval", wf.interval_s, "time between polls (15, 15s)")
      ->transform(DurationSeconds())
      ->capture_default_str();
  AddScmFlags(wait_ci, wf.scm);
  wait_ci->callback([&] { code = CmdWaitCi(g, wf); });

  SupersededFlags sf;
  auto* superseded = app.add_subcommand("check-superseded", "exit 0 printing the newer head if the branch moved past SHA, else 10");
  superseded->footer("Example: rollcall check-superseded --sha 3f9a1c2 --branch main || echo still the head");
  superseded->add_option("--sha", sf.sha, "commit being deployed")->required();
  AddSupersededFlags(superseded, sf);
  superseded->callback([&] { code = CmdCheckSuperseded(g, sf); });

  RolloutFlags rf;
  auto* rollout = app.add_subcommand("rollout", "start a rollout, follow it, apply the coverage gate");
  rollout->footer("Example: rollcall rollout --tag v1.4.2 --sha 3f9a1c2 --seq 1042 --canary acme --max-stragglers 1 --response out.json");
  rollout->add_option("--tag", rf.tag, "image tag to roll out")->required();
  rollout->add_option("--sha", rf.sha, "git sha of the release");
  AddSeqFlags(rollout, rf.seq);
  AddPolicyFlags(rollout, rf);
  rollout->callback([&] { code = CmdRollout(g, rf); });

  VerifyFlags vf;
  auto* verify = app.add_subcommand("verify", "poll every tenant until it runs the sha, or the budget is spent");
  verify->footer("Example: rollcall verify --sha 3f9a1c2 --budget 240 --interval 20 --from-response out.json");
  verify->add_option("--sha", vf.sha, "the build every tenant must report")->required();
  AddVerifyFlags(verify, vf);
  verify->add_option("--from-response", vf.from_response, "skip the quarantined stragglers of a rollout response");
  verify->callback([&] { code = CmdVerify(g, vf); });

  PromoteFlags pf;
  auto* promote = app.add_subcommand("promote", "fenced promotion of a channel tag to a release's image");
  promote->footer("Example: rollcall promote --tag staging-3f9a1c2 --channel latest --seq 1042");
  promote->add_option("--tag", pf.tag, "the release tag the channel will point at")->required();
  promote->add_option("--channel", pf.channel, "channel tag")->capture_default_str();
  promote->add_option("--sha", pf.sha, "git sha of the release (derives --seq)");
  AddSeqFlags(promote, pf.seq);
  promote->add_flag("--rollback", pf.rollback, "allow an older release (needs --reason)");
  promote->add_option("--reason", pf.reason, "why, for the ledger");
  promote->callback([&] { code = CmdPromote(g, pf); });

  DeployFlags df;
  auto* deploy = app.add_subcommand("deploy", "assert-enabled, check-superseded, rollout, verify, check-superseded, promote");
  deploy->footer("Example: rollcall deploy --sha 3f9a1c2 --canary acme --max-stragglers 1 --response out.json");
  deploy->add_option("--sha", df.rollout.sha, "commit being deployed")->required();
  deploy->add_option("--tag", df.rollout.tag, "image tag (default staging-<first 7 of sha>)");
  AddSeqFlags(deploy, df.rollout.seq);
  AddPolicyFlags(deploy, df.rollout);
  AddVerifyFlags(deploy, df.verify);
  AddSupersededFlags(deploy, df.superseded);
  deploy->add_option("--channel", df.channel, "channel tag to promote")->capture_default_str();
  deploy->add_flag("--no-promote", df.no_promote, "stop after verify");
  deploy->callback([&] { code = CmdDeploy(g, df); });

  PageFlags page;
  auto add_page_flags = [&page](CLI::App* cmd, const char* what) {
    cmd->add_option("--limit", page.limit, std::string("at most this many ") + what + " (1-1000)")
        ->capture_default_str();
    cmd->add_option("--state", page.state, "only rollouts in this state (running, succeeded, failed, ...)");
    cmd->add_option("--cursor", page.cursor, "older than this rollout id (the previous page's hint)");
  };
  auto* status = app.add_subcommand("status", "list rollouts, newest first, or show one with its results");
  status->footer("Example: rollcall status\n         rollcall status --state running -o wide\n"
                 "         rollcall status r-20261121-093000-3f9a1c");
  status->add_option("ID", id);
  add_page_flags(status, "rollouts");
  status->callback([&] { code = CmdStatus(g, id, page); });
  auto* history = app.add_subcommand("history", "the releases the fleet ran: who, when, verified, stragglers");
  history->footer("Example: rollcall history\n         rollcall history --limit 50 -o wide");
  add_page_flags(history, "rollouts");
  history->callback([&] { code = CmdHistory(g, page); });
  std::string channel;
  auto* channels = app.add_subcommand("channels", "each channel's tag, seq and digest; with CHANNEL its promotions");
  channels->footer("Example: rollcall channels\n         rollcall channels latest");
  channels->add_option("CHANNEL", channel);
  channels->callback([&] { code = CmdChannels(g, channel); });
  RolloutFlags undo_flags;
  std::optional<int64_t> undo_to;
  auto* undo = app.add_subcommand("undo", "roll back to the previous verified release (fenced rollback)");
  undo->footer("Example: rollcall undo --reason \"v1.4.3 breaks logins\"\n         rollcall undo --to 1040 --reason \"...\"");
  undo->add_option("--to", undo_to, "the seq to go back to (default: the newest older release that shipped)");
  undo->add_option("--reason", undo_flags.reason, "why, for the ledger and the audit trail")->required();
  undo->add_option("--canary", undo_flags.canary, "canary tenant (repeatable)");
  undo->add_option("--max-parallel", undo_flags.max_parallel, "tenants in flight at once");
  undo->add_option("--max-stragglers", undo_flags.max_stragglers, "N or N%")->capture_default_str();
  undo->add_option("--response", undo_flags.response_file, "write the aggregate JSON here, even on failure");
  undo->callback([&] { code = CmdUndo(g, undo_to, undo_flags); });
  auto* watch = app.add_subcommand("watch", "follow a rollout's events until it ends");
  watch->footer("Example: rollcall watch r-20261121-093000-3f9a1c");
  watch->add_option("ID", id)->required();
  watch->callback([&] { code = CmdWatch(g, id); });
  for (const char* action : {"cancel", "pause", "resume"}) {
    auto* cmd = app.add_subcommand(action, std::string(action) + " a rollout");
    cmd->footer(std::string("Example: rollcall ") + action + " r-20261121-093000-3f9a1c");
    cmd->add_option("ID", id)->required();
    cmd->callback([&, action] { code = CmdControl(g, id, action); });
  }

  AddTenantCommands(app, g, code);
  app.add_subcommand("fleet", "running image, desired release, drift and quarantine per tenant (drifted first)")
      ->footer("Example: rollcall fleet\n         rollcall fleet -o json")
      ->callback([&] { code = CmdFleet(g); });
  AuditFilter audit;
  auto* audit_cmd = app.add_subcommand("audit", "the audit trail, newest first: who did what, refusals included");
  audit_cmd->footer("Example: rollcall audit --actor ci-deploy\n         rollcall audit --kind fleet.freeze --json");
  audit_cmd->add_option("--actor", audit.actor, "only this token's name (or drift-watch, auto-recover)");
  audit_cmd->add_option("--kind", audit.kind, "only this kind (rollout.create, fleet.freeze, drift, ...)");
  audit_cmd->add_option("--since", audit.since, "only entries at or after this RFC 3339 time");
  audit_cmd->add_option("--limit", audit.limit, "at most this many (1-1000)")->capture_default_str();
  audit_cmd->add_option("--cursor", audit.cursor, "older than this entry id (the previous page's hint)");
  audit_cmd->callback([&] { code = CmdAudit(g, audit); });
  std::vector<std::string> recover_only;
  std::string recover_reason;
  auto* recover = app.add_subcommand("recover", "roll the desired release out to the quarantined and drifted tenants");
  recover->footer("Example: rollcall recover --reason \"host rebuilt\"\n         rollcall recover --only acme --only beta");
  recover->add_option("--only", recover_only, "only these tenants (repeatable)");
  recover->add_option("--reason", recover_reason, "why, for the audit trail");
  recover->callback([&] { code = CmdRecover(g, recover_only, recover_reason); });

  const std::vector<ManSection> man = {
      {"ENVIRONMENT",
       "ROLLCALL_SERVER, ROLLCALL_TOKEN: the control plane and its bearer token.\n\n"
       "GITHUB_ACTIONS or GITEA_ACTIONS set to true: CI annotations, and Markdown appended to "
       "GITHUB_STEP_SUMMARY.\n\nROLLCALL_DISABLED (1, true, yes, on, disabled, disable): plan and assert-enabled "
       "report deploys disabled.\n\nGITEA_TOKEN, GITHUB_TOKEN: wait-ci and check-superseded's SCM API token."},
      {"EXIT STATUS", "0 ok; 1 failed (a rollout that failed its coverage gate, a tenant not verified); 2 usage "
                      "or bad input; 10 check-superseded: the sha is still the head."}};
  if (std::optional<int> done = ParseCommandLine(app, "rollcall", argc, argv, man)) return *done;
  return code;
}
