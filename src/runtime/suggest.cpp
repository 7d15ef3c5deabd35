#include "runtime/suggest.h"

#include <algorithm>

namespace rollcall {

size_t EditDistance(const std::string& a, const std::string& b) {
  // Optimal string alignment: Levenshtein plus the transposition of two
  // neighbours, the commonest typo ("rolout", "stauts").
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::optional<std::string> Suggest(const std::string& typed, const std::vector<std::string>& candidates) {
  if (typed.empty()) return std::nullopt;
  const size_t limit = typed.size() <= 4 ? 1 : 2;
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  bool tie = false;
  for (const std::string& c : candidates) {
    const size_t distance = EditDistance(typed, c);
    if (distance < best_distance) {
      best = c;
      best_distance = distance;
      tie = false;
    } else if (distance == best_distance && c != *best) {
      tie = true;
    }
  }
  if (best && !tie) return best;
  // A prefix of exactly one name ("promo" for "promote").
  std::optional<std::string> only;
  for (const std::string& c : candidates) {
    if (typed.size() >= 3 && c.size() > typed.size() && c.compare(0, typed.size(), typed) == 0) {
      if (only && *only != c) return std::nullopt;
      only = c;
    }
  }
  return only;
}

}  // namespace rollcall
