#include "ssm/aws_credentials.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/json_reader.h"
#include "core/time.h"
#include "ssm/curl_call.h"

namespace rollcall {
namespace {

std::string Trim(std::string_view s) {
  const size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string_view::npos) return "";
  const size_t b = s.find_last_not_of(" \t\r");
  return std::string(s.substr(a, b - a + 1));
}

constexpr int64_t kRefreshBeforeMs = 5 * 60 * 1000;

Result<MetadataAnswer> CurlMetadata(const std::string& method, const std::string& url, const std::string& header) {
  CURL* e = curl_easy_init();
  if (e == nullptr) return Status::Unavailable("metadata: curl_easy_init failed");
  MetadataAnswer answer;
  curl_slist* headers = header.empty() ? nullptr : curl_slist_append(nullptr, header.c_str());
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "PUT") curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 2000L);  // the service is one hop away, or absent
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
  const CurlOutcome out = PerformAndCleanUp(e, headers, answer.body, 64 << 10);  // the service answers small
  if (out.code != CURLE_OK) {
    return Status::Unavailable(fmt::format("{} {}: {}", method, url, curl_easy_strerror(out.code)));
  }
  answer.status = out.status;
  return answer;
}

}  // namespace

Result<AwsCredentials> ParseSharedCredentials(std::string_view ini, const std::string& profile) {
  std::istringstream lines{std::string(ini)};
  std::map<std::string, std::string> values;
  bool in_profile = false, found = false;
  for (std::string line; std::getline(lines, line);) {
    const std::string t = Trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      in_profile = Trim(std::string_view(t).substr(1, t.size() - 2)) == profile;
      found = found || in_profile;
      continue;
    }
    const size_t eq = t.find('=');
    if (in_profile && eq != std::string::npos) values[Trim(std::string_view(t).substr(0, eq))] = Trim(std::string_view(t).substr(eq + 1));
  }
  if (!found) return Status::NotFound(fmt::format("no profile [{}]", profile));
  AwsCredentials c;
  c.access_key_id = values["aws_access_key_id"];
  c.secret_access_key = values["aws_secret_access_key"];
  c.session_token = values["aws_session_token"];
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status::Invalid(fmt::format("profile [{}] lacks aws_access_key_id or aws_secret_access_key", profile));
  }
  c.source = fmt::format("shared file (profile {})", profile);
  return c;
}

CredentialsEnvironment RealCredentialsEnvironment() {
  CredentialsEnvironment e;
  e.env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  e.read_file = [](const std::string& path) -> Result<std::string> {
    std::ifstream in(path);
    if (!in) return Status::NotFound(path + ": cannot read");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  e.metadata = &CurlMetadata;
  e.now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  return e;
}

Result<AwsCredentials> AwsCredentialsChain::Get() {
  std::lock_guard lock(mu_);
  const int64_t now = env_.now_ms();
  if (cached_ && (!cached_->expires_at_ms || *cached_->expires_at_ms - kRefreshBeforeMs > now)) return *cached_;
  std::vector<std::string> tried;
  // 1. The environment.
  if (!env_.env("AWS_ACCESS_KEY_ID").empty() && !env_.env("AWS_SECRET_ACCESS_KEY").empty()) {
    AwsCredentials c{env_.env("AWS_ACCESS_KEY_ID"), env_.env("AWS_SECRET_ACCESS_KEY"), env_.env("AWS_SESSION_TOKEN"),
                     std::nullopt, "environment"};
    cached_ = c;
    return c;
  }
  tried.push_back("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY unset");
  // 2. The shared credentials file.
  std::string file = env_.env("AWS_SHARED_CREDENTIALS_FILE");
  if (file.empty() && !env_.env("HOME").empty()) file = env_.env("HOME") + "/.aws/credentials";
  const std::string profile = env_.env("AWS_PROFILE").empty() ? "default" : env_.env("AWS_PROFILE");
  if (!file.empty()) {
    Result<std::string> text = env_.read_file(file);
    if (text.ok()) {
      Result<AwsCredentials> c = ParseSharedCredentials(*text, profile);
      if (c.ok()) {
        cached_ = *c;
        return c;
      }
      tried.push_back(file + ": " + c.status().message());
    } else {
      tried.push_back(file + ": not readable");
    }
  }
  // 3. The instance metadata service.
  Result<AwsCredentials> c = FromMetadata();
  if (c.ok()) {
    cached_ = *c;
    return c;
  }
  tried.push_back("instance metadata: " + c.status().message());
  return Status::Unavailable(fmt::format("no AWS credentials: {}", fmt::join(tried, "; ")));
}

Result<AwsCredentials> AwsCredentialsChain::FromMetadata() {
  std::string base = env_.env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (base.empty()) base = "http://169.254.169.254";
  while (!base.empty() && base.back() == '/') base.pop_back();
  // IMDSv2: a session token first; every read carries it.
  Result<MetadataAnswer> token =
      env_.metadata("PUT", base + "/latest/api/token", "X-aws-ec2-metadata-token-ttl-seconds: 21600");
  if (!token.ok()) return token.status();
  if (token->status != 200 || token->body.empty()) {
    return Status::Unavailable(fmt::format("the token request answered HTTP {}", token->status));
  }
  const std::string header = "X-aws-ec2-metadata-token: " + token->body;
  const std::string roles_url = base + "/latest/meta-data/iam/security-credentials/";
  Result<MetadataAnswer> roles = env_.metadata("GET", roles_url, header);
  if (!roles.ok()) return roles.status();
  const std::string role = Trim(roles->body.substr(0, roles->body.find('\n')));
  if (roles->status != 200 || role.empty()) {
    return Status::Unavailable(fmt::format("no instance role (HTTP {})", roles->status));
  }
  Result<MetadataAnswer> creds = env_.metadata("GET", roles_url + role, header);
  if (!creds.ok()) return creds.status();
  Json j = Json::parse(creds->body, nullptr, false);
  if (creds->status != 200 || !j.is_object()) {
    return Status::Unavailable(fmt::format("the role's credentials answered HTTP {}", creds->status));
  }
  AwsCredentials c;
  c.access_key_id = j.value("AccessKeyId", "");
  c.secret_access_key = j.value("SecretAccessKey", "");
  c.session_token = j.value("Token", "");
  c.expires_at_ms = ParseWallMillis(j.value("Expiration", ""));
  c.source = fmt::format("instance metadata (role {})", role);
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status::Unavailable("the role's credentials lack AccessKeyId or SecretAccessKey");
  }
  return c;
}

}  // namespace rollcall
