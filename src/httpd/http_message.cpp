#include "httpd/http_message.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/safe_text.h"
#include "core/secure_compare.h"

namespace rollcall::httpd {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `in` (and '+' as a space when `plus_is_space`); nullopt on
// a malformed escape.
std::optional<std::string> PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (in[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += in[i];
    }
  }
  return out;
}

bool Clean(std::string_view decoded) {
  return IsValidUtf8(decoded) && decoded.find('\0') == std::string_view::npos;
}

}  // namespace

const std::string* HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

std::optional<std::string> HttpRequest::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::Text(int status, std::string body) {
  HttpResponse r = Json(status, std::move(body));
  r.content_type = "text/plain; charset=utf-8";
  return r;
}

HttpResponse HttpResponse::JsonError(int status, std::string_view message) {
  return Json(status, DumpJson(nlohmann::json{{"error", EscapeText(message)}}));
}

Status DecodeTarget(std::string_view target, HttpRequest& request) {
  if (target.empty() || target[0] != '/') {
    return Status::Invalid(fmt::format("path: must start with '/': {}", EscapeText(target)));
  }
  const size_t mark = target.find('?');
  std::string_view raw_path = target.substr(0, mark);
  std::optional<std::string> path = PercentDecode(raw_path, false);
  if (!path || !Clean(*path)) {
    return Status::Invalid(
        fmt::format("path: bad percent-encoding or not UTF-8: {}", EscapeText(raw_path)));
  }
  request.path = std::move(*path);
  request.query.clear();
  if (mark == std::string_view::npos) return Status::Ok();
  std::string_view rest = target.substr(mark + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::optional<std::string> key = PercentDecode(pair.substr(0, eq), true);
    std::optional<std::string> value =
        PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!key || !Clean(*key)) {
      return Status::Invalid(fmt::format("query: bad parameter name {}", EscapeText(pair)));
    }
    if (!value || !Clean(*value)) {
      return Status::Invalid(fmt::format("{}: bad percent-encoding or not UTF-8 in the query",
                                         EscapeText(*key)));
    }
    request.query.emplace_back(std::move(*key), std::move(*value));
  }
  return Status::Ok();
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view BearerTokenOf(std::string_view value) {
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() < kScheme.size() || !EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return {};
  }
  return value.substr(kScheme.size());
}

bool HasBearerToken(const HttpRequest& request, std::string_view expected) {
  const std::string* header = request.Header("Authorization");
  if (header == nullptr) return false;
  std::string_view token = BearerTokenOf(*header);
  return !token.empty() && ConstantTimeEquals(token, expected);
}

}  // namespace rollcall::httpd
