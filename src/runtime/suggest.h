// "Did you mean ...?" for a mistyped command or flag: the known name
// nearest to what was typed, when it is near enough to be a typo. Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace rollcall {

// Edits (insert, delete, substitute, swap two neighbours) from a to b.
size_t EditDistance(const std::string& a, const std::string& b);

// The candidate nearest to `typed`: within 1 edit for short words, 2 for
// longer ones (or `typed` a prefix of exactly one candidate); nullopt when
// none is, or when two are equally near.
std::optional<std::string> Suggest(const std::string& typed, const std::vector<std::string>& candidates);

}  // namespace rollcall
