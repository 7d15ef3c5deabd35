#include "cli/output.h"

#include <algorithm>
#include <cctype>

namespace rollcall {
namespace {

// A string YAML reads back as the same string without quotes: no
// indicator first, nothing that looks like a number, bool or null, no
// ": " or " #" inside, printable ASCII only. Anything else is written as a
// JSON string, which YAML's double-quoted style reads the same.
bool PlainSafe(const std::string& s) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ') return false;
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`~").find(s.front()) != std::string_view::npos) return false;
  static const char* kReserved[] = {"true", "false", "yes", "no", "on", "off", "null", "~"};
  std::string lower = s;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* word : kReserved) {
    if (lower == word) return false;
  }
  if (std::isdigit(static_cast<unsigned char>(s.front())) || s.front() == '.' || s.front() == '+') return false;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos || s.back() == ':') return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
}

std::string Scalar(const Json& j) {
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    return PlainSafe(s) ? s : j.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return j.dump();  // numbers, true, false, null
}

bool Nested(const Json& j) { return (j.is_object() || j.is_array()) && !j.empty(); }

void Emit(const Json& j, size_t indent, std::string& out) {
  const std::string pad(indent, ' ');
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      out += pad + Scalar(Json(it.key())) + ":";
      if (Nested(it.value())) {
        out += "\n";
        Emit(it.value(), indent + 2, out);
      } else {
        out += " " + (it.value().is_object() ? "{}" : it.value().is_array() ? "[]" : Scalar(it.value())) + "\n";
      }
    }
  } else if (j.is_array()) {
    for (const Json& item : j) {
      if (Nested(item)) {
        // "- " then the item's first line on the same line.
        std::string inner;
        Emit(item, indent + 2, inner);
        out += pad + "- " + inner.substr(indent + 2);
      } else {
        out += pad + "- " + (item.is_object() ? "{}" : item.is_array() ? "[]" : Scalar(item)) + "\n";
      }
    }
  }
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(const std::string& text, bool json_flag) {
  if (text.empty()) return json_flag ? OutputFormat::kJson : OutputFormat::kTable;
  if (text == "wide") return OutputFormat::kWide;
  if (text == "json") return OutputFormat::kJson;
  if (text == "yaml") return OutputFormat::kYaml;
  return Status::Invalid("-o: expected json, yaml or wide, got \"" + text + "\"");
}

std::string ToYaml(const Json& j) {
  if (!Nested(j)) return (j.is_object() ? "{}" : j.is_array() ? "[]" : Scalar(j)) + "\n";
  std::string out;
  Emit(j, 0, out);
  return out;
}

std::string Formatted(const Json& answer, OutputFormat format) {
  if (format == OutputFormat::kJson) return answer.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
  if (format == OutputFormat::kYaml) return ToYaml(answer);
  return "";
}

}  // namespace rollcall
