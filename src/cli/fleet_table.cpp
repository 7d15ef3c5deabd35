#include "cli/fleet_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "core/safe_text.h"
#include "core/time.h"

namespace rollcall {
namespace {

std::string Text(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? EscapeText(it->get<std::string>()) : std::string();
}

// Lower sorts first: what needs an operator's eyes at the top.
int Rank(const std::string& state, bool quarantined) {
  if (state == "drifted") return 0;
  if (state == "ahead") return 1;
  if (state == "unhealthy") return 2;
  if (state == "unreachable") return 3;
  if (quarantined) return 4;
  if (state == "cordoned") return 5;
  if (state == "unobserved") return 6;
  return 7;  // on_target
}

struct Row {
  int rank = 0;
  int64_t age_ms = -1;  // -1: unknown
  std::string slug, state, running, note;
};

}  // namespace

std::string FormatAge(int64_t ms) {
  const int64_t s = std::max<int64_t>(ms, 0) / 1000;
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  return fmt::format("{}d{:02}h", s / 86400, s % 86400 / 3600);
}

std::string FleetTable(const Json& fleet, int64_t now_ms) {
  std::string out;
  const Json desired = fleet.value("desired_release", Json());
  if (desired.is_object()) {
    std::string seq = desired.contains("seq") && desired["seq"].is_number() ? desired["seq"].dump() : "none";
    std::string sha = Text(desired, "git_sha");
    out += fmt::format("desired release: {} (seq {}{})\n", Text(desired, "tag"), seq,
                       sha.empty() ? "" : ", sha " + sha.substr(0, 7));
  } else {
    out += "desired release: none yet\n";
  }
  const Json freeze = fleet.value("freeze", Json());
  if (freeze.is_object()) out += fmt::format("FROZEN since {}: {}\n", Text(freeze, "since"), Text(freeze, "reason"));

  std::vector<Row> rows;
  for (const Json& t : fleet.value("tenants", Json::array())) {
    Row row;
    row.slug = Text(t, "slug");
    const bool quarantined = t.value("quarantined", false);
    const Json observed = t.value("observed", Json());
    row.state = observed.is_object() ? Text(observed, "state") : "unobserved";
    if (Text(t, "state") == "cordoned") row.state = "cordoned";
    if (observed.is_object() && row.state != "cordoned") {
      if (std::optional<int64_t> since = ParseWallMillis(Text(observed, "since"))) row.age_ms = now_ms - *since;
      row.running = Text(observed, "image");
    }
    if (row.running.empty()) row.running = Text(t, "running_image");
    row.rank = Rank(row.state, quarantined);
    if (quarantined) {
      row.note = "quarantined: " + Text(t, "quarantine_reason");
    } else if (observed.is_object()) {
      row.note = Text(observed, "detail");
    }
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    if (a.age_ms != b.age_ms) return a.age_ms > b.age_ms;  // the longest first
    return a.slug < b.slug;
  });
  size_t slug_w = 6, state_w = 5, running_w = 7;
  for (const Row& r : rows) {
    slug_w = std::max(slug_w, r.slug.size());
    state_w = std::max(state_w, r.state.size());
    running_w = std::max(running_w, r.running.size());
  }
  out += fmt::format("{:<{}}  {:<{}}  {:<7}  {:<{}}  {}\n", "TENANT", slug_w, "STATE", state_w, "FOR", "RUNNING",
                     running_w, "NOTE");
  for (const Row& r : rows) {
    const std::string age = r.age_ms < 0 ? "-" : FormatAge(r.age_ms);
    std::string line = fmt::format("{:<{}}  {:<{}}  {:<7}  {:<{}}  {}", r.slug, slug_w, r.state, state_w, age,
                                   r.running.empty() ? "-" : r.running, running_w, r.note);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  const Json summary = fleet.value("summary", Json::object());
  out += fmt::format("{} tenant(s); observed:", summary.value("total", rows.size()));
  const Json by_state = summary.value("observed", Json::object());
  if (by_state.empty()) out += " none yet";
  for (auto it = by_state.begin(); it != by_state.end(); ++it) out += fmt::format(" {} {}", it.value().dump(), it.key());
  out += fmt::format("; {} quarantined\n", summary.value("quarantined", 0));
  return out;
}

}  // namespace rollcall
