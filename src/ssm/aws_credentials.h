// AWS credentials from the standard chain, as the AWS CLI and SDKs look:
//   1. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN)
//   2. the shared credentials file: AWS_SHARED_CREDENTIALS_FILE or
//      ~/.aws/credentials, profile AWS_PROFILE or "default"
//   3. the EC2 instance metadata service, IMDSv2 (a session token first,
//      then the role's temporary credentials), at
//      AWS_EC2_METADATA_SERVICE_ENDPOINT or http://169.254.169.254
// Credentials are cached until five minutes before they expire. Never
// logged, never in a message. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace rollcall {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;              // "" for long-term keys
  std::optional<int64_t> expires_at_ms;   // temporary credentials only
  std::string source;                     // "environment", "shared file (profile p)", "instance metadata (role r)"
};

// The [profile] section of a shared credentials file (INI); NotFound
// when the profile is absent, Invalid when it lacks a key.
Result<AwsCredentials> ParseSharedCredentials(std::string_view ini, const std::string& profile);

// One HTTP exchange with the metadata service: method, URL, headers
// ("Name: value") -> {status, body}; Unavailable when nothing answered.
struct MetadataAnswer {
  int status = 0;
  std::string body;
};
using MetadataFetch =
    std::function<Result<MetadataAnswer>(const std::string& method, const std::string& url, const std::string& header)>;

struct CredentialsEnvironment {
  std::function<std::string(const char*)> env;     // getenv; "" when unset
  std::function<Result<std::string>(const std::string& path)> read_file;
  MetadataFetch metadata;                          // IMDSv2
  std::function<int64_t()> now_ms;                 // wall clock
};
// The process's own: getenv, the file system, libcurl, the system clock.
CredentialsEnvironment RealCredentialsEnvironment();

class AwsCredentialsChain {
 public:
  explicit AwsCredentialsChain(CredentialsEnvironment env) : env_(std::move(env)) {}

  // The first source that has credentials; Unavailable naming every source
  // it tried (never a secret) when none has.
  Result<AwsCredentials> Get();

 private:
  Result<AwsCredentials> FromMetadata();

  const CredentialsEnvironment env_;
  std::mutex mu_;
  std::optional<AwsCredentials> cached_;  // guarded by mu_
};

}  // namespace rollcall
