#include "core/proof_output.h"

#include <optional>

#include "core/image_ref.h"

namespace rollcall {
namespace {

constexpr std::string_view kMarkers[] = {"ROLLCALL_RUNNING_IMAGE=", "REDEPLOY_RUNNING_IMAGE="};

std::string_view Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

// Calls `visit` with each line, last first, until it returns true.
template <typename Visit>
void ForEachLineFromLast(std::string_view text, Visit visit) {
  size_t end = text.size();
  while (end > 0) {
    size_t newline = text.rfind('\n', end - 1);
    size_t begin = newline == std::string_view::npos ? 0 : newline + 1;
    if (visit(text.substr(begin, end - begin))) return;
    if (newline == std::string_view::npos) return;
    end = newline;
  }
}

// The value of the last marker line with one; nullopt when there is none.
std::optional<std::string> LastMarkerValue(std::string_view text) {
  std::optional<std::string> value;
  ForEachLineFromLast(text, [&](std::string_view line) {
    line = Trim(line);
    for (std::string_view marker : kMarkers) {
      if (line.substr(0, marker.size()) != marker) continue;
      std::string_view v = Trim(line.substr(marker.size()));
      if (v.empty()) continue;
      value = std::string(v);
      return true;
    }
    return false;
  });
  return value;
}

}  // namespace

std::string RunningImageMarker(std::string_view stdout_text) {
  std::optional<std::string> value = LastMarkerValue(stdout_text);
  return value && IsValidImageReference(*value) ? *value : "";
}

std::string LastNonEmptyLine(std::string_view text) {
  std::string found;
  ForEachLineFromLast(text, [&](std::string_view line) {
    found = std::string(Trim(line));
    return !found.empty();
  });
  return found;
}

std::string InspectedImage(std::string_view stdout_text) {
  if (LastMarkerValue(stdout_text)) return RunningImageMarker(stdout_text);
  std::string last = LastNonEmptyLine(stdout_text);
  return IsValidImageReference(last) ? last : "";
}

}  // namespace rollcall
