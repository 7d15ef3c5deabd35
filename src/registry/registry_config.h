// Where a registry is and how to talk to it: the configuration of the
// retag client, its validation, and image-repository parsing.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"
#include "core/image_ref.h"  // IsValidRepository: the distribution grammar
#include "core/types.h"  // IsValidTag: Docker's tag grammar

namespace rollcall {

struct RegistryConfig {
  std::string url;         // "https://host[:port]", no path; http:// only when insecure
  std::string repository;  // "app" or "team/app", lowercase
  std::string username;    // empty: anonymous (a token service may still hand out tokens)
  std::string password;    // with username; never logged nor put in an error message
  bool insecure = false;   // allows plain http:// (loopback tests); TLS is still verified for https
  Duration timeout = std::chrono::seconds(30);  // per request
};

// Ok, or Invalid naming the field at fault: an empty or malformed url, a url
// with credentials or a path, http:// without insecure, a malformed
// repository, a password without a username, a non-positive timeout.
Status ValidateRegistryConfig(const RegistryConfig& config);

// "host[:port]/repository", how messages name the repository.
std::string RegistryName(const RegistryConfig& config);

// The url without a trailing slash, e.g. "https://registry.example".
std::string RegistryBaseUrl(const RegistryConfig& config);


struct ImageRepo {
  std::string host;        // "127.0.0.1:5000", "registry.example.com"
  std::string repository;  // "app", "team/app"
};

// Splits "127.0.0.1:5000/app" or "registry.example.com/team/app". The first
// component is the host; it must look like one (contain '.' or ':', or be
// "localhost"), since Rollcall never guesses Docker Hub. Invalid for a
// missing host or repository, a tag or digest suffix, or a malformed name.
Result<ImageRepo> ParseImageRepo(std::string_view image_repo);

}  // namespace rollcall
