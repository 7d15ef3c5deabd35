// HTTP/1.1 request and response values for the server adapter.
//
// Plain data: a request whose head the server parsed and checked, and the
// response a handler builds. Nothing here does I/O or names Beast, so
// handlers and their tests need neither. (rollcall::httpd keeps these apart
// from the HTTP client's request/response types.)
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace rollcall::httpd {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // as sent, e.g. "GET"
  std::string target;  // the raw request-target, e.g. "/t/acme/buildinfo?x=1"
  std::string path;    // percent-decoded, valid UTF-8, no NUL (checked by the server)
  std::vector<std::pair<std::string, std::string>> query;  // decoded, valid UTF-8, in order
  HeaderList headers;  // in order, names as sent
  std::string body;    // empty until the handler runs
  std::string peer;    // the client's address, e.g. "127.0.0.1"
  std::string route;   // the label of the Route the router chose ("" before routing)
  std::chrono::steady_clock::time_point received{};  // when its head was read

  // The first header named `name` (case-insensitive), or nullptr.
  const std::string* Header(std::string_view name) const;
  // The first query parameter named `name`, or nullopt.
  std::optional<std::string> Query(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  HeaderList headers;             // extra headers
  bool close_connection = false;  // send "Connection: close" and close after it

  static HttpResponse Json(int status, std::string body);
  static HttpResponse Text(int status, std::string body);
  // {"error": message} with the given status; `message` is escaped (EscapeText).
  static HttpResponse JsonError(int status, std::string_view message);
};

// Splits and decodes a request-target into `request.path` and
// `request.query`. Invalid when the target is not origin-form ("/..."), a
// percent escape is malformed, or a decoded path or parameter is not valid
// UTF-8 or holds a NUL; the message names the path or the parameter.
Status DecodeTarget(std::string_view target, HttpRequest& request);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// True when `request` carries "Authorization: Bearer <expected>". Compared
// in constant time; the token is never copied into logs or errors.
bool HasBearerToken(const HttpRequest& request, std::string_view expected);

// The token of an "Authorization: Bearer <token>" header value, or "".
std::string_view BearerTokenOf(std::string_view authorization_header);

}  // namespace rollcall::httpd
