#include "httpd/path_pattern.h"

namespace rollcall::httpd {
namespace {

// "/a/b" -> {"a","b"}; "/" -> {""}; a trailing or doubled '/' gives an
// empty segment, which only a literal "" could match.
std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  for (;;) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

PathPattern::PathPattern(std::string_view pattern) {
  for (std::string_view part : Split(pattern)) {
    Segment s;
    if (part == "{}") {
      s.kind = Segment::Kind::kAny;
    } else if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
      s.kind = Segment::Kind::kOneOf;
      std::string_view words = part.substr(1, part.size() - 2);
      for (;;) {
        size_t bar = words.find('|');
        s.words.emplace_back(words.substr(0, bar));
        if (bar == std::string_view::npos) break;
        words.remove_prefix(bar + 1);
      }
    } else {
      s.literal = std::string(part);
    }
    segments_.push_back(std::move(s));
  }
}

std::optional<std::vector<std::string>> PathPattern::Match(std::string_view path) const {
  std::vector<std::string_view> parts = Split(path);
  if (parts.size() != segments_.size()) return std::nullopt;
  std::vector<std::string> captured;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Segment& s = segments_[i];
    switch (s.kind) {
      case Segment::Kind::kLiteral:
        if (parts[i] != s.literal) return std::nullopt;
        break;
      case Segment::Kind::kAny:
        if (parts[i].empty()) return std::nullopt;
        captured.emplace_back(parts[i]);
        break;
      case Segment::Kind::kOneOf: {
        bool found = false;
        for (const auto& w : s.words) found = found || parts[i] == w;
        if (!found) return std::nullopt;
        captured.emplace_back(parts[i]);
        break;
      }
    }
  }
  return captured;
}

}  // namespace rollcall::httpd
