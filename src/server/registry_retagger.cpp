#include "server/registry_retagger.h"

#include "registry/oci_client.h"

namespace rollcall {

Result<std::string> RegistryRetagger::Retag(const std::string& tag, const std::string& channel) {
  if (may_act_ && !may_act_()) {
    return Status::Unavailable("promotion refused: this controller's leader lease has run out by its own clock");
  }
  Result<RetagResult> r = rollcall::Retag(transport_, config_, tag, channel);
  if (!r.ok()) return r.status();
  return r->digest;
}

Result<RegistryConfig> RegistryConfigFor(const std::string& image_repo, const std::string& url, bool insecure,
                                         const std::string& username, const std::string& password) {
  Result<ImageRepo> repo = ParseImageRepo(image_repo);
  if (!repo.ok()) return repo.status().Prefixed("--image-repo: ");
  RegistryConfig c;
  c.url = url.empty() ? "https://" + repo->host : url;
  c.repository = repo->repository;
  c.username = username;
  c.password = password;
  c.insecure = insecure;
  if (Status s = ValidateRegistryConfig(c); !s.ok()) return s.Prefixed("--registry-url: ");
  return c;
}

}  // namespace rollcall
