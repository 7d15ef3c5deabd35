#include "net/http_parser.h"

#include <fmt/format.h>

#include <optional>

namespace rollcall::net {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kHeadEnd = "\r\n\r\n";

ParseResult Error(int status, std::string message) {
  ParseResult r;
  r.state = ParseResult::State::kError;
  r.error_status = status;
  r.error = std::move(message);
  return r;
}

// RFC 9110 token characters: method names and header field names.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// Visible ASCII only: no spaces, controls or DEL in a request-target.
bool IsTargetChar(char c) { return c > 0x20 && c < 0x7f; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "METHOD SP request-target SP HTTP/1.x": fills method, target, path, query
// and version, or returns the error to answer.
std::optional<ParseResult> ParseRequestLine(std::string_view line, HttpRequest& req) {
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Error(400, "malformed request line");
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method)) return Error(400, "malformed request method");
  if (target.empty() || (target.front() != '/' && target != "*")) {
    return Error(400, "request target must be an absolute path");
  }
  for (char c : target) {
    if (!IsTargetChar(c)) return Error(400, "request target has invalid characters");
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return Error(400, "malformed HTTP version");
  }
  if (version[5] != '1') return Error(505, "only HTTP/1.x is supported");
  req.method = std::string(method);
  req.target = std::string(target);
  size_t q = target.find('?');
  req.path = std::string(target.substr(0, q));
  req.query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
  req.version_minor = version[7] == '0' ? 0 : 1;
  return std::nullopt;
}

std::optional<ParseResult> ParseHeaderLine(std::string_view line, HttpRequest& req) {
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    return Error(400, "obsolete header line folding is not supported");
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
    return Error(400, "malformed header line");
  }
  std::string_view value = TrimOws(line.substr(colon + 1));
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0')
      return Error(400, "header value has invalid characters");
  }
  req.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  return std::nullopt;
}

// Content-Length: digits only; repeated headers must agree.
std::optional<ParseResult> ReadContentLength(const HttpRequest& req, const ParserLimits& limits,
                                             size_t& length) {
  std::optional<size_t> seen;
  for (const auto& [name, value] : req.headers) {
    if (!EqualsIgnoreCase(name, "Content-Length")) continue;
    if (value.empty() || value.size() > 18 ||
        value.find_first_not_of("0123456789") != std::string::npos) {
      return Error(400, "invalid Content-Length");
    }
    size_t n = std::stoull(value);
    if (seen && *seen != n) return Error(400, "conflicting Content-Length headers");
    seen = n;
  }
  length = seen.value_or(0);
  if (length > limits.max_body_bytes) {
    return Error(413, fmt::format("request body exceeds {} bytes", limits.max_body_bytes));
  }
  return std::nullopt;
}

bool HasConnectionToken(const HttpRequest& req, std::string_view token) {
  for (const auto& [name, value] : req.headers) {
    if (!EqualsIgnoreCase(name, "Connection")) continue;
    std::string_view rest(value);
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      if (EqualsIgnoreCase(TrimOws(rest.substr(0, comma)), token)) return true;
      rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
    }
  }
  return false;
}

// Request line and header lines of `head` (which excludes the final CRLFCRLF).
std::optional<ParseResult> ParseHead(std::string_view head, HttpRequest& req) {
  size_t eol = head.find(kCrlf);
  std::string_view first = head.substr(0, eol);
  if (first.find('\n') != std::string_view::npos) return Error(400, "bare LF in request head");
  if (auto err = ParseRequestLine(first, req)) return err;
  while (eol != std::string_view::npos) {
    size_t start = eol + kCrlf.size();
    eol = head.find(kCrlf, start);
    std::string_view line = head.substr(start, eol == std::string_view::npos ? eol : eol - start);
    if (line.find('\n') != std::string_view::npos) return Error(400, "bare LF in request head");
    if (auto err = ParseHeaderLine(line, req)) return err;
  }
  return std::nullopt;
}

void ApplyHeaderSemantics(HttpRequest& req) {
  req.keep_alive = req.version_minor >= 1 ? !HasConnectionToken(req, "close")
                                          : HasConnectionToken(req, "keep-alive");
  const std::string* expect = req.Header("Expect");
  req.expects_continue = expect != nullptr && EqualsIgnoreCase(*expect, "100-continue");
}

}  // namespace

ParseResult ParseRequest(std::string_view buffer, const ParserLimits& limits) {
  size_t start = 0;
  while (buffer.substr(start, 2) == kCrlf) start += 2;
  if (start > limits.max_header_bytes) return Error(400, "too many blank lines before request");
  size_t head_end = buffer.find(kHeadEnd, start);
  if (head_end == std::string_view::npos) {
    if (buffer.size() - start > limits.max_header_bytes) {
      return Error(431, "request head too large");
    }
    return ParseResult{};
  }
  if (head_end - start + kHeadEnd.size() > limits.max_header_bytes) {
    return Error(431, "request head too large");
  }
  ParseResult result;
  HttpRequest& req = result.request;
  if (auto err = ParseHead(buffer.substr(start, head_end - start), req)) return *err;
  if (req.Header("Transfer-Encoding") != nullptr) {
    return Error(501, "Transfer-Encoding request bodies are not supported; send Content-Length");
  }
  size_t length = 0;
  if (auto err = ReadContentLength(req, limits, length)) return *err;
  ApplyHeaderSemantics(req);

  size_t body_start = head_end + kHeadEnd.size();
  if (buffer.size() - body_start < length) {
    result.headers_done = true;
    return result;
  }
  req.body = std::string(buffer.substr(body_start, length));
  result.state = ParseResult::State::kComplete;
  result.consumed = body_start + length;
  return result;
}

}  // namespace rollcall::net
