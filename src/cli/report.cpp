#include "cli/report.h"

#include <algorithm>
#include <fmt/format.h>

#include "core/json_codec.h"

namespace rollcall {

ClientGate RecomputeGate(const std::vector<TenantResult>& rows, const StragglerLimit& limit) {
  ClientGate gate;
  size_t fanout = 0;
  for (const auto& row : rows) {
    gate.dry_run = gate.dry_run || row.status == TenantStatus::kDryRun;
    if (row.phase != "canary") ++fanout;
    if (!row.verified_on_target) gate.stragglers.push_back(row.slug);
  }
  std::sort(gate.stragglers.begin(), gate.stragglers.end());
  gate.tolerance = limit.ToleranceFor(fanout);
  if (gate.dry_run) {
    gate.stragglers.clear();  // a dry run asserts no coverage
    gate.passed = true;
    return gate;
  }
  gate.passed = !rows.empty() && static_cast<int64_t>(gate.stragglers.size()) <= gate.tolerance;
  return gate;
}

std::string RenderTable(const std::vector<TenantResult>& rows) {
  size_t slug_w = 6, image_w = 13;
  for (const auto& r : rows) {
    slug_w = std::max(slug_w, r.slug.size());
    image_w = std::max(image_w, r.running_image.size());
  }
  std::string out = fmt::format("{:<{}}  {:<8}  {:<9}  {:>4}  {:<7}  {:<9}  {:<{}}  {:>9}  {}\n", "Tenant",
                                slug_w, "Phase", "Status", "Exit", "Healthz", "On target",
                                "Running image", image_w, "Duration", "Error");
  for (const auto& r : rows) {
    out += fmt::format("{:<{}}  {:<8}  {:<9}  {:>4}  {:<7}  {:<9}  {:<{}}  {:>8.1f}s  {}\n", r.slug, slug_w,
                       r.phase, ToString(r.status), r.exit_code ? std::to_string(*r.exit_code) : "-",
                       r.healthz_ok ? "ok" : "-", r.verified_on_target ? "yes" : "NO",
                       r.running_image.empty() ? "-" : r.running_image, image_w,
                       static_cast<double>(r.duration_ms) / 1000.0, r.error);
  }
  return out;
}

Result<std::vector<TenantResult>> RowsOf(const Json& rollout) {
  std::vector<TenantResult> rows;
  if (!rollout.is_object() || !rollout.contains("results") || !rollout["results"].is_array()) {
    return Status::Invalid("rollout: no results list in the server's answer");
  }
  for (size_t i = 0; i < rollout["results"].size(); ++i) {
    Result<TenantResult> row = ParseResultRow(rollout["results"][i]);
    if (!row.ok()) return row.status().Prefixed(fmt::format("results[{}].", i));
    rows.push_back(std::move(row).value());
  }
  return rows;
}

Json ResponseAggregate(const Json& rollout, const ClientGate& gate) {
  // The server's rows verbatim (timestamps included), under the legacy names.
  Json results = Json::array();
  for (const Json& raw : rollout.value("results", Json::array())) {
    Json row = raw;
    for (auto [v1, legacy] : {std::pair{"status", "ssm_status"}, {"exit_code", "ssm_exit_code"}}) {
      if (row.contains(v1)) {
        row[legacy] = row[v1];
        row.erase(v1);
      }
    }
    results.push_back(std::move(row));
  }
  const bool server_ok = rollout.value("state", "") == "succeeded";
  Json out = {{"ok", server_ok && gate.passed},
              {"results", std::move(results)},
              {"error", rollout.contains("error") ? rollout["error"] : Json(nullptr)},
              {"rollout_id", rollout.value("id", "")}};
  if (!gate.stragglers.empty()) out["stragglers"] = gate.stragglers;
  return out;
}

}  // namespace rollcall
