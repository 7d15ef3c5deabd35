// RegistryRetagger: the Retagger over the OCI distribution API (libcurl).
#pragma once

#include <functional>

#include "registry/curl_transport.h"
#include "registry/registry_config.h"
#include "server/promoter.h"

namespace rollcall {

class RegistryRetagger : public Retagger {
 public:
  // `may_act` (when set) is asked right before the registry is changed: a
  // controller whose leader lease ran out by its own clock changes nothing.
  explicit RegistryRetagger(RegistryConfig config, std::function<bool()> may_act = {})
      : config_(std::move(config)), may_act_(std::move(may_act)) {}
  Result<std::string> Retag(const std::string& tag, const std::string& channel) override;
  std::string Name() const override { return RegistryName(config_); }

 private:
  const RegistryConfig config_;
  const std::function<bool()> may_act_;
  CurlTransport transport_;  // used under the Promoter's lock only
};

// The registry behind `image_repo` ("host[:port]/repo"): https://host unless
// `url` overrides it; credentials as given. Invalid naming the flag.
Result<RegistryConfig> RegistryConfigFor(const std::string& image_repo, const std::string& url, bool insecure,
                                         const std::string& username, const std::string& password);

}  // namespace rollcall
