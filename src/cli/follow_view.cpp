#include "cli/follow_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "cli/table.h"  // CellText, DisplayWidth, FormatAge
#include "core/types.h"

namespace rollcall {

FollowView::FollowView(const Json& rollout) {
  const Json enumerated = rollout.value("enumerated", Json::array());
  total_ = enumerated.is_array() ? enumerated.size() : 0;
  const Json policy = rollout.value("policy", Json::object());
  if (policy.is_object()) {
    const Json canary = policy.value("canary", Json::array());
    canaries_ = canary.is_array() ? canary.size() : 0;
    const Json soak = policy.value("soak_seconds", Json(0));
    soak_s_ = soak.is_number() ? soak.get<double>() : 0;
    if (policy.value("dry_run", false)) soak_s_ = 0;
  }
}

std::vector<std::string> FollowView::Apply(const std::string& type, const Json& data, double now_s,
                                           bool every_tenant) {
  std::vector<std::string> lines;
  const std::string slug = CellText(data, "slug");
  if (type == "tenant_started") {
    in_flight_.insert(slug);
    if (CellText(data, "phase") != "canary") {
      fanout_started_ = true;
      soak_until_.reset();
    }
  } else if (type == "tenant_finished") {
    in_flight_.erase(slug);
    ++done_;
    const std::string status = CellText(data, "status");
    const bool verified = status == "DryRun" || data.value("verified_on_target", status == "Success");
    if (!verified) ++not_verified_;
    if (!verified || every_tenant) {
      const double seconds = data.value("duration_ms", Json(0)).is_number() ? data["duration_ms"].get<double>() / 1000 : 0;
      std::string line = fmt::format("[{}/{}] {:<12} {:<9} {:6.1f}s {}", done_, total_, slug, status, seconds,
                                     CellText(data, "error"));
      while (line.back() == ' ') line.pop_back();
      lines.push_back(std::move(line));
    }
    if (CellText(data, "phase") == "canary" && ++canaries_done_ == canaries_ && soak_s_ > 0 && !fanout_started_) {
      soak_until_ = now_s + soak_s_;
    }
  } else if (type == "rollout_state") {
    const std::string state = CellText(data, "state");
    Result<RolloutState> parsed = ParseRolloutState(state);
    ended_ = parsed.ok() && IsTerminal(*parsed);
    if (state != state_ && !ended_) {
      lines.push_back(state == "paused"                          ? "rollout paused: no new tenant starts; in-flight ones finish"
                      : state == "running" && state_ == "paused" ? "rollout resumed"
                                                                 : "rollout " + state);
    }
    state_ = state;
  }
  return lines;
}

std::string FollowView::Line(double now_s, size_t width) const {
  std::vector<std::string> parts;
  parts.push_back(fmt::format("{}/{}", done_, total_));
  if (!in_flight_.empty()) parts.push_back(fmt::format("{} in flight", in_flight_.size()));
  if (not_verified_ > 0) parts.push_back(fmt::format("{} not verified", not_verified_));
  if (state_ == "paused") parts.push_back("PAUSED");
  if (soak_until_ && *soak_until_ > now_s) {
    parts.push_back(fmt::format("soaking {:.0f}s", std::ceil(*soak_until_ - now_s)));
  }
  parts.push_back(FormatAge(static_cast<int64_t>(now_s * 1000)));
  const std::string text = fmt::format("{}", fmt::join(parts, " · "));
  // The bar takes what is left, between 10 and 30 columns.
  const size_t text_width = DisplayWidth(text) + 3;
  if (width < text_width + 12) return text.substr(0, std::min(text.size(), width));
  const size_t bar = std::min<size_t>(30, width - text_width);
  const size_t filled = total_ == 0 ? bar : bar * done_ / total_;
  return "[" + std::string(filled, '#') + std::string(bar - filled, '-') + "] " + text;
}

}  // namespace rollcall
