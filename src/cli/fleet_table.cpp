#include "cli/fleet_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "cli/table.h"
#include "core/time.h"

namespace rollcall {
namespace {

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
  std::string slug, state, running, seq, note;
};

}  // namespace

std::string FleetTable(const Json& fleet, int64_t now_ms, bool wide) {
  std::string out;
  const Json desired = fleet.value("desired_release", Json());
  if (desired.is_object()) {
    std::string seq = desired.contains("seq") && desired["seq"].is_number() ? desired["seq"].dump() : "none";
    std::string sha = CellText(desired, "git_sha");
    out += fmt::format("desired release: {} (seq {}{})\n", CellText(desired, "tag"), seq,
                       sha.empty() ? "" : ", sha " + sha.substr(0, 7));
  } else {
    out += "desired release: none yet\n";
  }
  const Json freeze = fleet.value("freeze", Json());
  if (freeze.is_object()) out += fmt::format("FROZEN since {}: {}\n", CellText(freeze, "since"), CellText(freeze, "reason"));

  std::vector<Row> rows;
  for (const Json& t : fleet.value("tenants", Json::array())) {
    Row row;
    row.slug = CellText(t, "slug");
    const bool quarantined = t.value("quarantined", false);
    const Json observed = t.value("observed", Json());
    row.state = observed.is_object() ? CellText(observed, "state") : "unobserved";
    if (CellText(t, "state") == "cordoned") row.state = "cordoned";
    if (observed.is_object() && row.state != "cordoned") {
      if (std::optional<int64_t> since = ParseWallMillis(CellText(observed, "since"))) row.age_ms = now_ms - *since;
      row.running = CellText(observed, "image");
    }
    if (row.running.empty()) row.running = CellText(t, "running_image");
    if (t.contains("running_seq") && t["running_seq"].is_number_integer()) row.seq = t["running_seq"].dump();
    row.rank = Rank(row.state, quarantined);
    if (quarantined) {
      row.note = "quarantined: " + CellText(t, "quarantine_reason");
    } else if (observed.is_object()) {
      row.note = CellText(observed, "detail");
    }
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    if (a.age_ms != b.age_ms) return a.age_ms > b.age_ms;  // the longest first
    return a.slug < b.slug;
  });
  Table table(wide ? std::vector<std::string>{"TENANT", "STATE", "FOR", "RUNNING", "SEQ", "NOTE"}
                    : std::vector<std::string>{"TENANT", "STATE", "FOR", "RUNNING", "NOTE"});
  for (const Row& r : rows) {
    const std::string age = r.age_ms < 0 ? "" : FormatAge(r.age_ms);
    if (wide) {
      table.AddRow({r.slug, r.state, age, r.running, r.seq, r.note});
    } else {
      table.AddRow({r.slug, r.state, age, r.running, r.note});
    }
  }
  out += table.Render();
  const Json summary = fleet.value("summary", Json::object());
  out += fmt::format("{} tenant(s); observed:", summary.value("total", rows.size()));
  const Json by_state = summary.value("observed", Json::object());
  if (by_state.empty()) out += " none yet";
  for (auto it = by_state.begin(); it != by_state.end(); ++it) out += fmt::format(" {} {}", it.value().dump(), it.key());
  out += fmt::format("; {} quarantined\n", summary.value("quarantined", 0));
  return out;
}

}  // namespace rollcall
