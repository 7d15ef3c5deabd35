#include "cli/table.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/safe_text.h"

namespace rollcall {

std::string CellText(const Json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? EscapeText(it->get<std::string>()) : std::string();
}

std::string FormatAge(int64_t ms) {
  const int64_t s = std::max<int64_t>(ms, 0) / 1000;
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  return fmt::format("{}d{:02}h", s / 86400, s % 86400 / 3600);
}

size_t DisplayWidth(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;  // count lead bytes only
  return width;
}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  std::vector<size_t> widths(headers_.size(), 1);
  auto shown = [](const std::string& cell) -> const std::string& {
    static const std::string kDash = "-";
    return cell.empty() ? kDash : cell;
  };
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(headers_[i]));
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(shown(row[i])));
  }
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      const std::string& text = header ? cells[i] : shown(cells[i]);
      out += text;
      if (i + 1 < cells.size()) out += std::string(widths[i] - DisplayWidth(text) + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(headers_, true);
  for (const auto& row : rows_) out += line(row, false);
  return out;
}

}  // namespace rollcall
