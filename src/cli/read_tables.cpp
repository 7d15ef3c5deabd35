#include "cli/read_tables.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "cli/table.h"
#include "core/time.h"

namespace rollcall {
namespace {

std::string Number(const Json& j, const char* key) {
  auto it = j.is_object() ? j.find(key) : j.end();
  return it != j.end() && it->is_number() ? it->dump() : "";
}

const Json& Field(const Json& j, const char* key) {
  static const Json kNull;
  auto it = j.is_object() ? j.find(key) : j.end();
  return it != j.end() ? *it : kNull;
}

const Json& List(const Json& answer, const char* key) {
  static const Json kEmpty = Json::array();
  const Json& list = Field(answer, key);
  return list.is_array() ? list : kEmpty;
}

// "12m30s ago" from an RFC 3339 time; "" when absent.
std::string Ago(const Json& j, const char* key, int64_t now_ms) {
  std::optional<int64_t> at = ParseWallMillis(CellText(j, key));
  return at ? FormatAge(now_ms - *at) + " ago" : "";
}

std::string Between(const Json& j, const char* from, const char* to) {
  std::optional<int64_t> a = ParseWallMillis(CellText(j, from)), b = ParseWallMillis(CellText(j, to));
  return a && b && *b >= *a ? FormatAge(*b - *a) : "";
}

std::string Short(const std::string& sha) { return sha.substr(0, 7); }

std::string Verified(const Json& r) {
  const std::string n = Number(r, "verified"), of = Number(r, "tenants");
  return n.empty() ? "" : n + "/" + of;
}

std::string Stragglers(const Json& r) {
  std::vector<std::string> slugs;
  for (const Json& s : List(r, "stragglers")) {
    if (s.is_string()) slugs.push_back(s.get<std::string>());
  }
  if (slugs.empty()) return "0";
  // A few by name, the rest counted: the column stays readable.
  constexpr size_t kNamed = 3;
  std::string named = fmt::format("{}", fmt::join(slugs.begin(), slugs.begin() + std::min(kNamed, slugs.size()), ","));
  return slugs.size() <= kNamed ? fmt::format("{} ({})", slugs.size(), named)
                                : fmt::format("{} ({},…)", slugs.size(), named);
}

std::string ChannelRows(const std::vector<const Json*>& records, bool wide, bool with_channel) {
  std::vector<std::string> headers = {"CHANNEL", "TAG", "SEQ", "DIGEST", "PROMOTED", "BY"};
  if (!with_channel) headers.erase(headers.begin());
  if (wide) headers.insert(headers.end(), {"ROLLBACK", "REASON"});
  Table table(headers);
  for (const Json* c : records) {
    std::vector<std::string> row = {CellText(*c, "channel"), CellText(*c, "tag"),        Number(*c, "seq"),
                                    CellText(*c, "digest"),  CellText(*c, "promoted_at"), CellText(*c, "created_by")};
    if (!with_channel) row.erase(row.begin());
    if (wide) {
      row.push_back(Field(*c, "rollback") == Json(true) ? "yes" : "no");
      row.push_back(CellText(*c, "reason"));
    }
    table.AddRow(std::move(row));
  }
  return table.Render();
}

}  // namespace

std::string RolloutsTable(const Json& answer, int64_t now_ms, bool wide) {
  const Json& rollouts = List(answer, "rollouts");
  if (rollouts.empty()) return "no rollouts\n";
  std::vector<std::string> headers = {"ID", "STATE", "RELEASE", "SEQ", "BY", "AGE", "DURATION", "VERIFIED",
                                      "STRAGGLERS"};
  if (wide) headers.insert(headers.end(), {"SHA", "STARTED", "ERROR"});
  Table table(headers);
  for (const Json& r : rollouts) {
    const Json& release = Field(r, "release");
    std::string state = CellText(r, "state");
    if (Field(Field(r, "policy"), "dry_run") == Json(true)) state += " (dry run)";
    std::vector<std::string> row = {CellText(r, "id"),   state,
                                    CellText(release, "tag"), Number(release, "seq"),
                                    CellText(r, "created_by"), Ago(r, "created_at", now_ms),
                                    Between(r, "started_at", "finished_at"), Verified(r),
                                    Stragglers(r)};
    if (wide) {
      row.insert(row.end(), {Short(CellText(release, "git_sha")), CellText(r, "started_at"), CellText(r, "error")});
    }
    table.AddRow(std::move(row));
  }
  std::string out = table.Render();
  const std::string next = CellText(answer, "next_cursor");
  if (!next.empty()) out += fmt::format("older rollouts: --cursor {}\n", next);
  return out;
}

std::string RolloutHeader(const Json& r) {
  const Json& release = Field(r, "release");
  const Json& policy = Field(r, "policy");
  std::string out = fmt::format("rollout   {}\nstate     {}\n", CellText(r, "id"), CellText(r, "state"));
  out += fmt::format("release   {}", CellText(release, "tag"));
  if (!Number(release, "seq").empty()) out += " (seq " + Number(release, "seq") + ")";
  if (!CellText(release, "git_sha").empty()) out += ", sha " + Short(CellText(release, "git_sha"));
  if (Field(r, "rollback") == Json(true)) out += fmt::format(", ROLLBACK: {}", CellText(r, "reason"));
  out += fmt::format("\nstarted   {} by {}\n", CellText(r, "created_at"),
                     CellText(r, "created_by").empty() ? "-" : CellText(r, "created_by"));
  if (!CellText(r, "finished_at").empty()) {
    out += fmt::format("finished  {} ({})\n", CellText(r, "finished_at"), Between(r, "started_at", "finished_at"));
  }
  out += fmt::format("policy    strategy {}, max_parallel {}, max_stragglers {}{}\n", CellText(policy, "strategy"),
                     Number(policy, "max_parallel"), Field(policy, "max_stragglers").dump(),
                     Field(policy, "dry_run") == Json(true) ? ", DRY RUN" : "");
  if (!CellText(r, "error").empty()) out += "error     " + CellText(r, "error") + "\n";
  const std::string stragglers = Stragglers(r);
  if (stragglers != "0") out += "stragglers " + stragglers + "\n";
  return out;
}

std::string TenantsTable(const Json& answer, bool wide) {
  const Json& tenants = List(answer, "tenants");
  if (tenants.empty()) return "no tenants\n";
  std::vector<std::string> headers = {"TENANT", "STATE", "DRIVER", "RUNNING", "SEQ", "QUARANTINED"};
  if (wide) headers.insert(headers.end(), {"BASE URL", "PUBLIC URL", "LABELS", "WHY QUARANTINED"});
  Table table(headers);
  for (const Json& t : tenants) {
    std::vector<std::string> row = {CellText(t, "slug"),          CellText(t, "state"), CellText(t, "driver"),
                                    CellText(t, "running_image"), Number(t, "running_seq"),
                                    Field(t, "quarantined") == Json(true) ? "yes" : "no"};
    if (wide) {
      std::string labels;
      const Json& l = Field(t, "labels");
      if (l.is_object()) {
        for (auto it = l.begin(); it != l.end(); ++it) {
          labels += (labels.empty() ? "" : ",") + it.key() + "=" + CellText(l, it.key().c_str());
        }
      }
      row.insert(row.end(), {CellText(t, "base_url"), CellText(t, "public_url"), labels,
                             CellText(t, "quarantine_reason")});
    }
    table.AddRow(std::move(row));
  }
  return table.Render();
}

std::string ChannelsTable(const Json& answer, bool wide) {
  std::vector<const Json*> records;
  for (const Json& c : List(answer, "channels")) records.push_back(&c);
  if (records.empty()) return "no channel has been promoted\n";
  return ChannelRows(records, wide, true);
}

std::string ChannelHistoryTable(const Json& answer, bool wide) {
  std::vector<const Json*> records;
  for (const Json& c : List(answer, "history")) records.push_back(&c);
  std::reverse(records.begin(), records.end());  // the server lists the oldest first
  std::string out = fmt::format("channel {}: {} (seq {}), digest {}\n", CellText(answer, "channel"),
                                CellText(answer, "tag"), Number(answer, "seq").empty() ? "none" : Number(answer, "seq"),
                                CellText(answer, "digest"));
  return out + ChannelRows(records, wide, false);
}

std::string HistoryTable(const Json& answer, int64_t now_ms, bool wide) {
  std::vector<std::string> headers = {"RELEASE", "SEQ", "SHA", "STATE", "BY", "WHEN", "VERIFIED", "STRAGGLERS",
                                      "ROLLOUT"};
  if (wide) headers.insert(headers.end(), {"REASON", "ERROR"});
  Table table(headers);
  for (const Json& r : List(answer, "rollouts")) {
    if (Field(Field(r, "policy"), "dry_run") == Json(true)) continue;  // a plan moved nothing
    const Json& release = Field(r, "release");
    std::string state = CellText(r, "state");
    if (Field(r, "rollback") == Json(true)) state += " (rollback)";
    if (Field(r, "recovery") == Json(true)) state += " (recovery)";
    std::vector<std::string> row = {CellText(release, "tag"), Number(release, "seq"),
                                    Short(CellText(release, "git_sha")), state,
                                    CellText(r, "created_by"), Ago(r, "created_at", now_ms),
                                    Verified(r), Stragglers(r), CellText(r, "id")};
    if (wide) row.insert(row.end(), {CellText(r, "reason"), CellText(r, "error")});
    table.AddRow(std::move(row));
  }
  if (table.rows() == 0) return "no release has been rolled out\n";
  std::string out = table.Render();
  const std::string next = CellText(answer, "next_cursor");
  if (!next.empty()) out += fmt::format("older releases: rollcall history --cursor {}\n", next);
  return out;
}

}  // namespace rollcall
