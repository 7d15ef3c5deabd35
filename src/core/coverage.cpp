#include "core/coverage.h"

#include <algorithm>
#include <map>

namespace rollcall {

CoverageVerdict EvaluateCoverage(const std::vector<std::string>& enumerated,
                                 const std::vector<TenantResult>& rows, int64_t tolerance) {
  std::map<std::string_view, bool> verified;  // slug -> every row verified
  for (const auto& row : rows) {
    auto [it, inserted] = verified.emplace(row.slug, row.verified_on_target);
    if (!inserted) it->second = it->second && row.verified_on_target;
  }
  CoverageVerdict verdict;
  for (const auto& slug : enumerated) {
    auto it = verified.find(slug);
    if (it == verified.end()) {
      verdict.missing_rows.push_back(slug);
      verdict.stragglers.push_back(slug);
    } else if (!it->second) {
      verdict.stragglers.push_back(slug);
    }
  }
  for (auto* list : {&verdict.stragglers, &verdict.missing_rows}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
  verdict.within_tolerance = static_cast<int64_t>(verdict.stragglers.size()) <= tolerance;
  return verdict;
}

}  // namespace rollcall
