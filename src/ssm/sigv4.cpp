#include "ssm/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace rollcall {
namespace {

std::string Hex(const unsigned char* data, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &n);
  return std::string(reinterpret_cast<const char*>(out), n);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Trimmed, with runs of spaces collapsed to one.
std::string CanonicalValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string_view Field(std::string_view text, std::string_view name) {
  const size_t at = text.find(name);
  if (at == std::string_view::npos) return {};
  std::string_view rest = text.substr(at + name.size());
  return rest.substr(0, rest.find_first_of(", "));
}

std::vector<std::string> Split(std::string_view text, char sep) {
  std::vector<std::string> out;
  for (;;) {
    const size_t at = text.find(sep);
    out.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at + 1);
  }
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return Hex(digest, sizeof digest);
}

Result<SigV4Authorization> ParseSigV4Authorization(std::string_view header) {
  constexpr std::string_view kScheme = "AWS4-HMAC-SHA256 ";
  if (header.rfind(kScheme, 0) != 0) return Status::Invalid("Authorization: not AWS4-HMAC-SHA256");
  SigV4Authorization a;
  const std::vector<std::string> credential = Split(Field(header, "Credential="), '/');
  if (credential.size() != 5 || credential[4] != "aws4_request") {
    return Status::Invalid("Authorization: Credential must be KEY/DATE/REGION/SERVICE/aws4_request");
  }
  a.access_key_id = credential[0];
  a.date = credential[1];
  a.region = credential[2];
  a.service = credential[3];
  a.signed_headers = Split(Field(header, "SignedHeaders="), ';');
  a.signature = std::string(Field(header, "Signature="));
  if (a.signature.size() != 64) return Status::Invalid("Authorization: Signature must be 64 hex digits");
  return a;
}

std::string SigV4Signature(const SigV4Request& request, const std::vector<std::string>& signed_headers,
                           const std::string& amz_date, const std::string& secret_access_key,
                           const std::string& date, const std::string& region, const std::string& service) {
  std::string canonical_headers;
  for (const std::string& name : signed_headers) {
    std::vector<std::string> values;
    for (const auto& [k, v] : request.headers) {
      if (Lower(k) == name) values.push_back(CanonicalValue(v));
    }
    canonical_headers += fmt::format("{}:{}\n", name, fmt::join(values, ","));
  }
  const std::string canonical_request =
      fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, request.path.empty() ? "/" : request.path, request.query,
                  canonical_headers, fmt::join(signed_headers, ";"), Sha256Hex(request.body));
  const std::string scope = fmt::format("{}/{}/{}/aws4_request", date, region, service);
  const std::string to_sign =
      fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date, scope, Sha256Hex(canonical_request));
  std::string key = Hmac("AWS4" + secret_access_key, date);
  key = Hmac(key, region);
  key = Hmac(key, service);
  key = Hmac(key, "aws4_request");
  const std::string signature = Hmac(key, to_sign);
  return Hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size());
}

Status VerifySigV4(const SigV4Request& request, const std::string& secret_access_key, const std::string& service) {
  std::string authorization, amz_date;
  for (const auto& [k, v] : request.headers) {
    if (Lower(k) == "authorization") authorization = v;
    if (Lower(k) == "x-amz-date") amz_date = v;
  }
  Result<SigV4Authorization> a = ParseSigV4Authorization(authorization);
  if (!a.ok()) return a.status();
  if (a->service != service) return Status::Invalid("Authorization: signed for service " + a->service);
  if (amz_date.size() != 16 || amz_date.substr(0, 8) != a->date) {
    return Status::Invalid("X-Amz-Date: missing or not of the credential's date");
  }
  if (std::find(a->signed_headers.begin(), a->signed_headers.end(), "x-amz-date") == a->signed_headers.end() ||
      std::find(a->signed_headers.begin(), a->signed_headers.end(), "host") == a->signed_headers.end()) {
    return Status::Invalid("Authorization: host and x-amz-date must be signed");
  }
  const std::string want =
      SigV4Signature(request, a->signed_headers, amz_date, secret_access_key, a->date, a->region, service);
  return want == a->signature ? Status::Ok() : Status::Invalid("Authorization: the signature does not match");
}

}  // namespace rollcall
