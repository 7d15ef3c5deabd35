// Coverage gate (DESIGN §3.7): every enumerated tenant must be proven on the
// target build. Pure.
#pragma once

#include <string>
#include <vector>

#include "core/types.h"

namespace rollcall {

struct CoverageVerdict {
  // Enumerated tenants not verified on target: errored, skipped, off target
  // or missing a result row. Sorted, unique.
  std::vector<std::string> stragglers;
  std::vector<std::string> missing_rows;  // the subset with no row at all
  bool within_tolerance = false;
};

// A slug with several rows is verified only if all of them are. Rows for
// slugs that were not enumerated are ignored.
CoverageVerdict EvaluateCoverage(const std::vector<std::string>& enumerated,
                                 const std::vector<TenantResult>& rows, int64_t tolerance);

}  // namespace rollcall
