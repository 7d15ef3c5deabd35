// RegistryTransport: the one HTTP exchange the registry client needs.
//
// The retag logic (oci_client.h) speaks to a registry only through this
// interface, so its tests run against a fake that records requests and
// answers from a script; CurlTransport (curl_transport.h) is the real one.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace rollcall {

// Header lists keep order and duplicates (WWW-Authenticate may repeat).
using RegistryHeaders = std::vector<std::pair<std::string, std::string>>;

struct RegistryRequest {
  std::string method = "GET";                   // GET, HEAD, PUT, POST
  std::string url;                              // absolute; never carries credentials
  RegistryHeaders headers;                      // may hold Authorization: never log them
  std::string body;                             // sent as-is (exact bytes) when non-empty
  Duration timeout = std::chrono::seconds(30);  // the whole exchange
};

struct RegistryResponse {
  int status = 0;           // the HTTP status of the final answer
  std::string body;         // the exact bytes
  RegistryHeaders headers;  // the final answer's headers, names as sent

  // The first value of header `name` (case-insensitive), "" when absent.
  std::string Header(std::string_view name) const;
  // Every value of header `name` (case-insensitive), in order.
  std::vector<std::string> Headers(std::string_view name) const;
};

// Case-insensitive ASCII comparison of header names.
bool HeaderNameEquals(std::string_view a, std::string_view b);

class RegistryTransport {
 public:
  RegistryTransport() = default;
  virtual ~RegistryTransport() = default;
  RegistryTransport(const RegistryTransport&) = delete;
  RegistryTransport& operator=(const RegistryTransport&) = delete;

  // Performs `request` and returns the answer, whatever its HTTP status.
  // Unavailable when no complete answer arrived (refused, timed out, TLS
  // failure, body over the transport's cap); the message names the method
  // and URL but never a header value.
  virtual Result<RegistryResponse> Send(const RegistryRequest& request) = 0;
};

}  // namespace rollcall
