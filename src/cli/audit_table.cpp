#include "cli/audit_table.h"

#include <fmt/format.h>

#include "cli/table.h"

namespace rollcall {

std::string AuditTable(const Json& answer) {
  auto listed = answer.is_object() ? answer.find("entries") : answer.end();
  if (!answer.is_object() || listed == answer.end() || !listed->is_array() || listed->empty()) {
    return "no audit entries\n";
  }
  Table table({"TIME", "ACTOR", "KIND", "TARGET", "STATUS", "REASON"});
  for (const Json& e : *listed) {
    if (!e.is_object()) continue;
    std::string status, why = CellText(e, "reason");
    auto data = e.find("data");
    if (data != e.end() && data->is_object()) {
      auto code = data->find("status");
      if (code != data->end() && code->is_number_integer()) status = code->dump();
      // A refusal says why it was refused; the request's reason follows.
      const std::string error = CellText(*data, "error");
      if (!error.empty()) why = why.empty() ? "refused: " + error : "refused: " + error + " (" + why + ")";
    }
    table.AddRow({CellText(e, "at"), CellText(e, "actor"), CellText(e, "kind"), CellText(e, "target"), status, why});
  }
  std::string out = table.Render();
  auto next = answer.find("next_cursor");
  if (next != answer.end() && next->is_number_integer()) {
    out += fmt::format("older entries: rollcall audit --cursor {}\n", next->get<int64_t>());
  }
  return out;
}

}  // namespace rollcall
