// The registry retag client: point a channel tag at a release's image
// through the OCI distribution API, without docker.
//
//   CurlTransport transport;
//   RegistryConfig config{.url = "https://registry.example", .repository = "app"};
//   Result<RetagResult> r = Retag(transport, config, "staging-3f9a1c2", "latest");
//
// Retag GETs the source tag's manifest (Accept: the four manifest media
// types, so the registry never converts it), verifies its digest, and PUTs
// the exact bytes under the target tag with Content-Type = its media type.
// The digest is therefore unchanged, and checked to be.
//
// Error codes: Invalid for a bad config or tag (nothing is sent); NotFound
// when the tag is absent; Unavailable when the registry is unreachable,
// times out or answers 5xx/429 (worth retrying later); Internal for
// everything a retry will not fix: refused credentials, digest mismatches,
// unsupported media types, other refusals. Messages name the registry and
// tag, never a credential. Functions here are thread-safe as far as the
// transport is: each call keeps its own authentication state.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/status.h"
#include "registry/registry_config.h"
#include "registry/registry_transport.h"

namespace rollcall {

// OCI manifest, OCI index, Docker v2 manifest, Docker manifest list.
inline constexpr std::array<std::string_view, 4> kManifestMediaTypes = {
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
};

// The four media types joined by commas, for the Accept header.
std::string ManifestAccept();

struct RetagResult {
  std::string digest;      // "sha256:<hex>", of the source and now of the target tag
  std::string media_type;  // the manifest's, e.g. application/vnd.oci.image.manifest.v1+json
};

// Points `target_tag` at the manifest of `source_tag` in config.repository.
// NotFound `source tag "<tag>" not found in <host>/<repository>` when the
// source is absent, and then nothing is PUT. Internal when the digest the
// registry reports (for the GET or the PUT) differs from the bytes'.
Result<RetagResult> Retag(RegistryTransport& transport, const RegistryConfig& config,
                          const std::string& source_tag, const std::string& target_tag);

// The digest of the manifest `tag` points at (verified against its bytes).
// NotFound `tag "<tag>" not found in <host>/<repository>` when absent.
Result<std::string> ManifestDigest(RegistryTransport& transport, const RegistryConfig& config,
                                   const std::string& tag);

}  // namespace rollcall
