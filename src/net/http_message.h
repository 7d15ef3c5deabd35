// HTTP/1.1 request and response values for the event-loop server.
//
// Plain data: a parsed request (see http_parser.h) and the response a
// handler builds. Nothing here does I/O. The types live in rollcall::net so
// they never clash with the HTTP client's request/response types.
#pragma once

#include "core/secure_compare.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rollcall::net {

struct HttpRequest {
  std::string method;     // as sent, e.g. "GET"
  std::string target;     // the raw request-target, e.g. "/t/acme/buildinfo?x=1"
  std::string path;       // target up to '?', not percent-decoded
  std::string query;      // after '?', without it; empty when absent
  int version_minor = 1;  // HTTP/1.<minor>: 0 or 1
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::string body;
  bool keep_alive = true;         // from the version and the Connection header
  bool expects_continue = false;  // "Expect: 100-continue"

  // The first header named `name` (case-insensitive), or nullptr.
  const std::string* Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  bool close_connection = false;  // send "Connection: close" and close after it

  static HttpResponse Json(int status, std::string body);
  static HttpResponse Text(int status, std::string body);
  // {"error": message} with the given status.
  static HttpResponse JsonError(int status, std::string_view message);
};

// "OK", "Not Found", ...; "Unknown" for codes we never send.
std::string_view ReasonPhrase(int status);

// The wire form of `response`: status line, Content-Type, Content-Length,
// Connection (keep-alive or close), extra headers, blank line, body. With
// `head_only` the body is left out but Content-Length still describes it.
std::string SerializeResponse(const HttpResponse& response, bool keep_alive, bool head_only);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

using rollcall::ConstantTimeEquals;  // core/secure_compare.h

// True when `request` carries "Authorization: Bearer <expected>". Compared
// in constant time; the token is never copied into logs or errors.
bool HasBearerToken(const HttpRequest& request, std::string_view expected);

}  // namespace rollcall::net
