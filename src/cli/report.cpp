#include "cli/report.h"

#include <algorithm>
#include <fmt/format.h>

#include "cli/table.h"
#include "core/json_codec.h"
#include "core/safe_text.h"

namespace rollcall {

Result<ClientGate> GateOf(const Json& rollout) {
  Result<Rollout> parsed = ParseRollout(rollout);
  if (!parsed.ok()) return parsed.status().Prefixed("rollout: ");
  ClientGate gate;
  gate.rollout = std::move(parsed).value();
  if (gate.rollout.enumerated.empty()) {
    // A server too old to say what it enumerated: its rows are all we know.
    for (const auto& row : gate.rollout.results) gate.rollout.enumerated.push_back(row.slug);
  }
  gate.rules = CoverageRulesOf(gate.rollout);
  gate.verdict = EvaluateCoverage(gate.rollout.enumerated, gate.rollout.results, gate.rules);
  gate.succeeded = gate.rollout.state == RolloutState::kSucceeded;
  gate.passed = gate.succeeded && gate.verdict.passed;
  return gate;
}

std::string RenderTable(const std::vector<TenantResult>& rows) {
  Table table({"Tenant", "Phase", "Status", "Exit", "Healthz", "On target", "Running image", "Duration", "Error"});
  for (const auto& r : rows) {
    table.AddRow({r.slug, r.phase, std::string(ToString(r.status)), r.exit_code ? std::to_string(*r.exit_code) : "",
                  r.healthz_ok ? "ok" : "", r.verified_on_target ? "yes" : "NO", EscapeText(r.running_image),
                  fmt::format("{:.1f}s", static_cast<double>(r.duration_ms) / 1000.0), EscapeText(r.error)});
  }
  return table.Render();
}

std::string ProblemsLine(const ClientGate& gate) {
  if (gate.rollout.policy.dry_run) return "";
  const std::vector<std::string>& slugs = gate.succeeded ? gate.verdict.stragglers : gate.verdict.not_landed;
  if (slugs.empty()) return "";
  return fmt::format("{}: {}", gate.succeeded ? "⚠ Stragglers (quarantined)" : "✗ Not landed",
                     fmt::join(slugs, ", "));
}

std::string RecapLine(const ClientGate& gate) {
  const Rollout& r = gate.rollout;
  const int64_t begun = r.started_at_ms != 0 ? r.started_at_ms : r.created_at_ms;
  const double seconds = r.finished_at_ms > begun && begun != 0 ? (r.finished_at_ms - begun) / 1000.0 : 0.0;
  return FormatRecap(Recap(r.enumerated, r.results, gate.verdict, gate.succeeded), seconds);
}

Json ResponseAggregate(const ClientGate& gate) {
  const Rollout& r = gate.rollout;
  std::string error = r.error;
  if (error.empty() && gate.succeeded && !gate.passed) error = gate.verdict.error;
  return LegacyAnswerJson(r.results, gate.passed, gate.verdict.stragglers, error, r.id);
}

}  // namespace rollcall
