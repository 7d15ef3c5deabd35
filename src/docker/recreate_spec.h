// RecreateSpec: the body of POST /containers/create that recreates an
// existing container on a new image with the configuration it was given —
// env, labels, command, mounts, networks, restart policy, extra hosts and
// every other HostConfig field — and nothing it merely inherited from its
// old image (that image's env, labels, command, entrypoint, working dir,
// user, ports, volumes, healthcheck), so the new image's own defaults apply.
// The approach of docker-compose's and watchtower's recreate. Pure.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/json_reader.h"
#include "core/status.h"

namespace rollcall {

struct CreateSpec {
  Json body;  // Config fields + HostConfig + NetworkingConfig (one network: API v1.41)
  // Networks beyond the first, connected before the container starts.
  std::vector<std::pair<std::string, Json>> more_networks;
};

// `container`: GET /containers/{name}/json. `old_image`: GET /images/{id}/json
// of the image it runs, or null when that image is gone (then everything in
// Config is kept). Invalid when `container` lacks Config or HostConfig.
Result<CreateSpec> RecreateSpec(const Json& container, const Json& old_image, const std::string& new_image);

}  // namespace rollcall
