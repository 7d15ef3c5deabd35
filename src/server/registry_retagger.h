// RegistryRetagger: the Retagger over the OCI distribution API (libcurl).
#pragma once

#include "registry/curl_transport.h"
#include "registry/registry_config.h"
#include "server/promoter.h"

namespace rollcall {

class RegistryRetagger : public Retagger {
 public:
  explicit RegistryRetagger(RegistryConfig config) : config_(std::move(config)) {}
  Result<std::string> Retag(const std::string& tag, const std::string& channel) override;
  std::string Name() const override { return RegistryName(config_); }

 private:
  const RegistryConfig config_;
  CurlTransport transport_;  // used under the Promoter's lock only
};

// The registry behind `image_repo` ("host[:port]/repo"): https://host unless
// `url` overrides it; credentials as given. Invalid naming the flag.
Result<RegistryConfig> RegistryConfigFor(const std::string& image_repo, const std::string& url, bool insecure,
                                         const std::string& username, const std::string& password);

}  // namespace rollcall
