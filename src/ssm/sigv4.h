// AWS Signature Version 4, computed independently of libcurl's
// (CURLOPT_AWS_SIGV4 signs what the driver sends): the fake SSM endpoint
// of the tests verifies every request with it, so a wrong signature fails
// a test instead of passing one. Pure (OpenSSL's SHA-256 and HMAC).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace rollcall {

struct SigV4Request {
  std::string method;  // "POST"
  std::string path;    // "/"
  std::string query;   // "" or "Action=ListUsers&Version=2010-05-08" (already encoded)
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;
};

// "AWS4-HMAC-SHA256 Credential=AKID/20261207/eu-west-1/ssm/aws4_request,
// SignedHeaders=content-type;host;x-amz-date, Signature=<64 hex>".
struct SigV4Authorization {
  std::string access_key_id, date, region, service;
  std::vector<std::string> signed_headers;
  std::string signature;
};
Result<SigV4Authorization> ParseSigV4Authorization(std::string_view header);

// The signature of `request` over `signed_headers` (lowercase names) at
// `amz_date` ("20261207T101500Z") for the scope's date, region and service.
std::string SigV4Signature(const SigV4Request& request, const std::vector<std::string>& signed_headers,
                           const std::string& amz_date, const std::string& secret_access_key,
                           const std::string& date, const std::string& region, const std::string& service);

// OK when `request` carries an Authorization header signed for `service`
// with `secret_access_key` over the request as received (X-Amz-Date among
// the signed headers); Invalid saying what is wrong otherwise.
Status VerifySigV4(const SigV4Request& request, const std::string& secret_access_key, const std::string& service);

std::string Sha256Hex(std::string_view data);

}  // namespace rollcall
