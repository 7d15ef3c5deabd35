// PathPattern: a route's path as segments, matched without regular
// expressions (routing runs on the I/O thread for every request).
//   "/v1/tenants/{}"                     "{}" captures one non-empty segment
//   "/v1/rollouts/{}/{cancel|pause}"     "{a|b}" captures one of the words
//   "/v1/tenants:bulk"                   anything else is literal
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rollcall::httpd {

class PathPattern {
 public:
  explicit PathPattern(std::string_view pattern);

  // The captured segments in order when `path` matches, else nullopt.
  std::optional<std::vector<std::string>> Match(std::string_view path) const;

 private:
  struct Segment {
    enum class Kind { kLiteral, kAny, kOneOf } kind = Kind::kLiteral;
    std::string literal;
    std::vector<std::string> words;  // kOneOf
  };
  std::vector<Segment> segments_;
};

}  // namespace rollcall::httpd
