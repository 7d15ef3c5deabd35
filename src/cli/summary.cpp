#include "cli/summary.h"

#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>

namespace rollcall {
namespace {

// Pipes would split a Markdown cell.
std::string Cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out.empty() ? "-" : out;
}

std::string Str(const Json& row, const char* key) {
  return row.contains(key) && row[key].is_string() ? row[key].get<std::string>() : "";
}

bool EnvTrue(const char* name) {
  const char* v = std::getenv(name);
  return v && std::string(v) == "true";
}

}  // namespace

namespace {

std::string RolloutRowsMarkdown(const std::vector<const Json*>& rows) {
  std::string md = "| Tenant | Phase | Status | Exit | Healthz | On target | Running image | Duration | Error |\n";
  md += "|---|---|---|---|---|---|---|---|---|\n";
  for (const Json* row : rows) {
    const Json exit = row->contains("exit_code") ? (*row)["exit_code"] : row->value("ssm_exit_code", Json());
    const std::string status = row->contains("status") ? Str(*row, "status") : Str(*row, "ssm_status");
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {:.1f}s | {} |\n", Cell(Str(*row, "slug")),
                      Cell(Str(*row, "phase")), Cell(status), exit.is_number() ? exit.dump() : "-",
                      row->value("healthz_ok", false) ? "✅" : "❌",
                      row->value("verified_on_target", status == "Success") ? "✅" : "❌",
                      Cell(Str(*row, "running_image")), row->value("duration_ms", 0) / 1000.0,
                      Cell(Str(*row, "error")));
  }
  return md;
}

}  // namespace

std::string RolloutMarkdown(const Json& rollout, const ClientGate& gate, const std::string& dashboard_url) {
  const Json release = rollout.value("release", Json::object());
  const std::string id = rollout.value("id", "?");
  const bool dry_run = gate.rollout.policy.dry_run;
  const bool ok = gate.passed || (dry_run && gate.succeeded);
  // The verdict and the recap first: most readers stop there.
  std::string md = fmt::format("### {} Rollcall rollout `{}` {}\n\n", ok ? "✅" : "❌", id, rollout.value("state", "?"));
  md += fmt::format("**{}**", RecapLine(gate));
  if (!dashboard_url.empty()) {
    std::string base = dashboard_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    md += fmt::format(" · [open in the dashboard]({}/ui/rollouts/{})", base, id);
  }
  md += fmt::format("\n\nRelease **{}**", release.value("tag", "?"));
  if (release.contains("seq") && !release["seq"].is_null()) md += fmt::format(" (seq {})", release["seq"].dump());
  if (release.contains("git_sha") && release["git_sha"].is_string()) md += fmt::format(", sha `{}`", release["git_sha"].get<std::string>());
  if (gate.rollout.rollback) md += fmt::format(", **rollback**: {}", Cell(gate.rollout.reason));
  if (!gate.rollout.error.empty()) md += fmt::format("\n\nError: {}", Cell(gate.rollout.error));
  md += "\n";
  // The tenants to look at first, the rest folded away.
  std::vector<const Json*> problems, landed;
  const Json results = rollout.value("results", Json::array());
  for (const Json& row : results) {
    const std::string status = row.contains("status") ? Str(row, "status") : Str(row, "ssm_status");
    const bool fine = status == "DryRun" || row.value("verified_on_target", status == "Success");
    (fine ? landed : problems).push_back(&row);
  }
  const std::vector<std::string>& named = gate.succeeded ? gate.verdict.stragglers : gate.verdict.not_landed;
  if (!dry_run && (!problems.empty() || !named.empty())) {
    md += gate.succeeded ? "\n#### ⚠ Stragglers (quarantined)\n\n" : "\n#### ✗ Not landed\n\n";
    md += RolloutRowsMarkdown(problems);
    for (const std::string& slug : gate.verdict.missing_rows) md += fmt::format("\n- `{}`: no result row", slug);
    if (gate.succeeded) md += fmt::format("\n{} of a tolerance of {}.\n", named.size(), gate.rules.tolerance);
  }
  if (!landed.empty()) {
    md += fmt::format("\n<details><summary>{} tenant(s) {}</summary>\n\n", landed.size(),
                      dry_run ? "planned (dry run)" : "verified on target");
    md += RolloutRowsMarkdown(landed) + "\n</details>\n";
  }
  return md + "\n";
}

std::string VerifyMarkdown(const std::string& sha, const std::vector<VerifyRow>& rows, size_t skipped) {
  std::vector<const VerifyRow*> failing, ok;
  for (const auto& r : rows) (r.state == VerifyState::kOk ? ok : failing).push_back(&r);
  auto table = [](const std::vector<const VerifyRow*>& some) {
    std::string md = "| Tenant | State | Running sha | Detail |\n|---|---|---|---|\n";
    for (const VerifyRow* r : some) {
      md += fmt::format("| {} | {} | {} | {} |\n", Cell(r->slug), ToString(r->state), Cell(r->running_sha),
                        Cell(r->detail));
    }
    return md;
  };
  std::string md = fmt::format("### {} Rollcall verify `{}`\n\n**{}/{} on target**; quarantined tenants skipped: {}\n",
                               failing.empty() ? "✅" : "❌", sha, ok.size(), rows.size(), skipped);
  if (!failing.empty()) md += "\n#### ✗ Not on target\n\n" + table(failing);
  if (!ok.empty()) {
    md += fmt::format("\n<details><summary>{} tenant(s) on target</summary>\n\n{}\n</details>\n", ok.size(), table(ok));
  }
  return md + "\n";
}

std::string DeployMarkdown(const std::string& sha, const std::string& tag, const std::vector<DeployStage>& stages) {
  std::string md = fmt::format("### Rollcall deploy `{}` as **{}**\n\n| Stage | Outcome | Detail |\n|---|---|---|\n", sha, tag);
  for (const auto& s : stages) md += fmt::format("| {} | {} | {} |\n", Cell(s.name), Cell(s.outcome), Cell(s.detail));
  return md + "\n";
}

std::string EscapeAnnotation(const std::string& message) {
  std::string out;
  for (char c : message) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else out += c;
  }
  return out;
}

CiOutput::CiOutput(const std::string& mode) {
  enabled_ = mode == "on" || (mode == "auto" && (EnvTrue("GITHUB_ACTIONS") || EnvTrue("GITEA_ACTIONS")));
}

void CiOutput::Annotate(const char* kind, const std::string& message) const {
  if (enabled_) std::printf("::%s::%s\n", kind, EscapeAnnotation(message).c_str());
}

void CiOutput::Summary(const std::string& markdown) const {
  const char* path = std::getenv("GITHUB_STEP_SUMMARY");
  if (!enabled_ || !path || !*path) return;
  std::ofstream(path, std::ios::app) << markdown;
}

}  // namespace rollcall
