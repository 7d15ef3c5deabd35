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

std::string RolloutMarkdown(const Json& rollout, const ClientGate& gate) {
  const Json release = rollout.value("release", Json::object());
  std::string md = fmt::format("### Rollcall rollout `{}`\n\n", rollout.value("id", "?"));
  md += fmt::format("Release **{}**", release.value("tag", "?"));
  if (release.contains("seq") && !release["seq"].is_null()) md += fmt::format(" (seq {})", release["seq"].dump());
  if (release.contains("git_sha") && release["git_sha"].is_string()) md += fmt::format(", sha `{}`", release["git_sha"].get<std::string>());
  md += fmt::format(" — state **{}**\n\n", rollout.value("state", "?"));
  md += "| Tenant | Phase | Status | Exit | Healthz | On target | Running image | Duration | Error |\n";
  md += "|---|---|---|---|---|---|---|---|---|\n";
  for (const Json& row : rollout.value("results", Json::array())) {
    const Json exit = row.contains("exit_code") ? row["exit_code"] : row.value("ssm_exit_code", Json());
    const std::string status = row.contains("status") ? Str(row, "status") : Str(row, "ssm_status");
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {:.1f}s | {} |\n", Cell(Str(row, "slug")),
                      Cell(Str(row, "phase")), Cell(status), exit.is_number() ? exit.dump() : "-",
                      row.value("healthz_ok", false) ? "✅" : "❌",
                      row.value("verified_on_target", status == "Success") ? "✅" : "❌",
                      Cell(Str(row, "running_image")), row.value("duration_ms", 0) / 1000.0,
                      Cell(Str(row, "error")));
  }
  if (!gate.rollout.policy.dry_run) {
    const std::vector<std::string>& slugs = gate.succeeded ? gate.verdict.stragglers : gate.verdict.not_landed;
    if (!slugs.empty()) {
      md += gate.succeeded ? "\n#### ⚠ Stragglers (quarantined)\n\n" : "\n#### ✗ Not landed\n\n";
      for (const auto& slug : slugs) md += fmt::format("- `{}`\n", slug);
      if (gate.succeeded) md += fmt::format("\n{} of a tolerance of {}.\n", slugs.size(), gate.rules.tolerance);
    }
  }
  md += fmt::format("\n{}\n", RecapLine(gate));
  return md + "\n";
}

std::string VerifyMarkdown(const std::string& sha, const std::vector<VerifyRow>& rows, size_t skipped) {
  std::string md = fmt::format("### Rollcall verify `{}`\n\n| Tenant | State | Running sha | Detail |\n|---|---|---|---|\n", sha);
  for (const auto& r : rows) {
    md += fmt::format("| {} | {} | {} | {} |\n", Cell(r.slug), ToString(r.state), Cell(r.running_sha), Cell(r.detail));
  }
  md += fmt::format("\nQuarantined tenants skipped: {}\n\n", skipped);
  return md;
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
