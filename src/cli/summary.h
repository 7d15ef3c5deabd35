// What CI shows: `::error::`-style annotations and the Markdown appended to
// $GITHUB_STEP_SUMMARY (DESIGN §6). Rendering is pure; CiOutput does the I/O.
#pragma once

#include <string>
#include <vector>

#include "cli/ci_logic.h"
#include "cli/report.h"
#include "core/json_reader.h"

namespace rollcall {

// The verdict and the recap first (with a link to the rollout on the
// dashboard when `dashboard_url` is known), the release, then the problem
// tenants in the per-tenant table (Tenant, Phase, Status, Exit, Healthz,
// On target, Running image, Duration, Error) under "⚠ Stragglers
// (quarantined)" when the rollout succeeded or "✗ Not landed" when it did
// not, and the tenants that landed folded in a <details> table.
std::string RolloutMarkdown(const Json& rollout, const ClientGate& gate, const std::string& dashboard_url = "");

struct VerifyRow {
  std::string slug;
  VerifyState state = VerifyState::kUnreachable;
  std::string running_sha;
  std::string detail;
};
// The verify table and the count of quarantined tenants it skipped.
std::string VerifyMarkdown(const std::string& sha, const std::vector<VerifyRow>& rows, size_t skipped);

// One stage of `deploy`, for its summary table.
struct DeployStage {
  std::string name;     // "rollout"
  std::string outcome;  // "succeeded", "skipped (--no-promote)", ...
  std::string detail;
};
// The deploy pipeline's stage table (Stage, Outcome, Detail).
std::string DeployMarkdown(const std::string& sha, const std::string& tag, const std::vector<DeployStage>& stages);

// Annotations and the step summary, only in CI (GITHUB_ACTIONS or
// GITEA_ACTIONS = true) or when forced with --annotations on.
class CiOutput {
 public:
  // `mode`: "auto" (detect from the environment), "on" or "off".
  explicit CiOutput(const std::string& mode);
  bool enabled() const { return enabled_; }
  void Error(const std::string& message) const { Annotate("error", message); }
  void Warning(const std::string& message) const { Annotate("warning", message); }
  void Notice(const std::string& message) const { Annotate("notice", message); }
  // Appends to $GITHUB_STEP_SUMMARY when set.
  void Summary(const std::string& markdown) const;

 private:
  void Annotate(const char* kind, const std::string& message) const;
  bool enabled_ = false;
};

// The one-line form GitHub expects: %, CR and LF escaped.
std::string EscapeAnnotation(const std::string& message);

}  // namespace rollcall
