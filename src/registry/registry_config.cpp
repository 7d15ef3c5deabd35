#include "registry/registry_config.h"

#include <fmt/format.h>

namespace rollcall {
namespace {

constexpr std::string_view kHttps = "https://";
constexpr std::string_view kHttp = "http://";

bool IsAlnumLower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsAlnumLower(c) || (c >= 'A' && c <= 'Z'); }

// The "host[:port]" part of the url, "" when the scheme is neither.
std::string_view Authority(std::string_view url) {
  if (url.starts_with(kHttps)) {
    url.remove_prefix(kHttps.size());
  } else if (url.starts_with(kHttp)) {
    url.remove_prefix(kHttp.size());
  } else {
    return "";
  }
  if (url.ends_with('/')) url.remove_suffix(1);
  return url;
}

bool IsValidAuthority(std::string_view authority) {
  if (authority.empty()) return false;
  for (char c : authority) {
    if (!IsAlnum(c) && c != '.' && c != '-' && c != ':' && c != '[' && c != ']') return false;
  }
  return true;
}

bool LooksLikeHost(std::string_view component) {
  return component == "localhost" || component.find_first_of(".:") != std::string_view::npos;
}

Status ValidateUrl(const RegistryConfig& config) {
  const std::string& url = config.url;
  if (url.empty()) return Status::Invalid("registry url is empty");
  const std::string_view authority = Authority(url);
  if (url.find('@') != std::string::npos) {
    // Never echo it: it may hold a password.
    return Status::Invalid("registry url must not carry credentials; set username and password");
  }
  if (!url.starts_with(kHttps) && !url.starts_with(kHttp)) {
    return Status::Invalid(fmt::format("registry url \"{}\" must start with https://", url));
  }
  if (!IsValidAuthority(authority)) {
    return Status::Invalid(
        fmt::format("registry url \"{}\" must be scheme://host[:port] without a path", url));
  }
  if (url.starts_with(kHttp) && !config.insecure) {
    return Status::Invalid(fmt::format(
        "registry url \"{}\" is plain HTTP; use https:// or set insecure to allow it", url));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateRegistryConfig(const RegistryConfig& config) {
  if (Status s = ValidateUrl(config); !s.ok()) return s;
  if (!IsValidRepository(config.repository)) {
    return Status::Invalid(fmt::format("registry repository \"{}\" is not a valid repository name",
                                       config.repository));
  }
  if (config.username.empty() && !config.password.empty()) {
    return Status::Invalid("registry password is set without a username");
  }
  if (config.timeout <= Duration::zero()) {
    return Status::Invalid("registry timeout must be positive");
  }
  return Status::Ok();
}

std::string RegistryName(const RegistryConfig& config) {
  return fmt::format("{}/{}", Authority(config.url), config.repository);
}

std::string RegistryBaseUrl(const RegistryConfig& config) {
  std::string_view url = config.url;
  if (url.ends_with('/')) url.remove_suffix(1);
  return std::string(url);
}

Result<ImageRepo> ParseImageRepo(std::string_view image_repo) {
  const std::string quoted = fmt::format("image repo \"{}\"", image_repo);
  const size_t slash = image_repo.find('/');
  if (slash == std::string_view::npos || !LooksLikeHost(image_repo.substr(0, slash))) {
    return Status::Invalid(quoted + " must start with a registry host, e.g. registry.example/app");
  }
  ImageRepo out{std::string(image_repo.substr(0, slash)),
                std::string(image_repo.substr(slash + 1))};
  if (out.repository.find_first_of(":@") != std::string::npos) {
    return Status::Invalid(quoted + " must not carry a tag or digest");
  }
  if (!IsValidAuthority(out.host)) return Status::Invalid(quoted + " has a malformed host");
  if (!IsValidRepository(out.repository)) {
    return Status::Invalid(quoted + " has a malformed repository name");
  }
  return out;
}

}  // namespace rollcall
