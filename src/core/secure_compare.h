// Constant-time comparison for secrets (bearer tokens): the time taken
// depends only on the lengths, never on where the inputs first differ.
#pragma once

#include <algorithm>
#include <string_view>

namespace rollcall {

inline bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Walk the longer input fully so timing does not reveal a common prefix.
  const size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

}  // namespace rollcall
