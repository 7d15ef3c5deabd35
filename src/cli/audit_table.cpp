#include "cli/audit_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "core/safe_text.h"

namespace rollcall {
namespace {

std::string Text(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? EscapeText(it->get<std::string>()) : std::string();
}

}  // namespace

std::string AuditTable(const Json& answer) {
  auto listed = answer.find("entries");
  if (listed == answer.end() || !listed->is_array() || listed->empty()) return "no audit entries\n";
  struct Row {
    std::string at, actor, kind, target, status, why;
  };
  std::vector<Row> rows;
  for (const Json& e : *listed) {
    if (!e.is_object()) continue;
    Row r{Text(e, "at"), Text(e, "actor"), Text(e, "kind"), Text(e, "target"), "-", Text(e, "reason")};
    auto data = e.find("data");
    if (data != e.end() && data->is_object()) {
      auto status = data->find("status");
      if (status != data->end() && status->is_number_integer()) r.status = status->dump();
      // A refusal says why it was refused; the request's reason follows.
      const std::string error = Text(*data, "error");
      if (!error.empty()) r.why = r.why.empty() ? "refused: " + error : "refused: " + error + " (" + r.why + ")";
    }
    rows.push_back(std::move(r));
  }
  size_t at_w = 4, actor_w = 5, kind_w = 4, target_w = 6;
  for (const Row& r : rows) {
    at_w = std::max(at_w, r.at.size());
    actor_w = std::max(actor_w, r.actor.size());
    kind_w = std::max(kind_w, r.kind.size());
    target_w = std::max(target_w, r.target.size());
  }
  std::string out = fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {:<6}  {}\n", "TIME", at_w, "ACTOR", actor_w, "KIND",
                                kind_w, "TARGET", target_w, "STATUS", "REASON");
  for (const Row& r : rows) {
    std::string line = fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {:<6}  {}", r.at, at_w, r.actor, actor_w, r.kind,
                                   kind_w, r.target.empty() ? "-" : r.target, target_w, r.status, r.why);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  auto next = answer.find("next_cursor");
  if (next != answer.end() && next->is_number_integer()) {
    out += fmt::format("older entries: rollcall audit --cursor {}\n", next->get<int64_t>());
  }
  return out;
}

}  // namespace rollcall
