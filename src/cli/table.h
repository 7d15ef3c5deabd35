// The CLI's tables, as kubectl prints them: an upper-case header, columns
// padded to their widest cell, two spaces between, the last column unpadded,
// "-" for an empty cell. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json_reader.h"

namespace rollcall {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

  // One cell per header (missing cells are empty, extra ones dropped).
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }

  // The header and every row, each line ending in "\n".
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// j[key] when it is a string, escaped for a terminal (EscapeText); else "".
std::string CellText(const Json& j, const char* key);

// "45s", "3m12s", "2h05m", "3d04h": how long, at a glance.
std::string FormatAge(int64_t ms);

// Display width of UTF-8 text: code points, not bytes (✓ is one column).
size_t DisplayWidth(const std::string& text);

}  // namespace rollcall
