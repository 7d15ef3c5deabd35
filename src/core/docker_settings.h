// The docker driver's per-tenant settings (DESIGN §5): which Engine API to
// call, which container is the tenant's, and what the swap must never touch.
//
//   "docker": {"host": "unix:///var/run/docker.sock" | "tcp://host:2376",
//              "tls": {"ca_file": "...", "cert_file": "...", "key_file": "..."},
//              "container": "mol-tenant-{slug}"  |  "select": {"label": "k={slug}"},
//              "keep": ["mol-db-{slug}", "mol-data-{slug}"],
//              "stop_grace_s": 10}
//
// `container`, `select.label` and `keep` are templates: {slug} and the
// tenant's vars are substituted (core/argv_template.h), nothing else. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_reader.h"
#include "core/status.h"

namespace rollcall {

struct DockerTls {
  std::string ca_file;    // PEM CA bundle the engine's certificate must chain to
  std::string cert_file;  // client certificate (PEM)
  std::string key_file;   // its key (PEM)

  bool Enabled() const { return !ca_file.empty() || !cert_file.empty() || !key_file.empty(); }
  bool operator==(const DockerTls&) const = default;
};

struct DockerSettings {
  std::string host;          // "unix:///path" or "tcp://host:port"
  DockerTls tls;             // tcp:// only
  std::string container;     // name template; or
  std::string select_label;  // "key=value" template of a label that marks it
  std::vector<std::string> keep;  // container and volume name templates never touched
  int64_t stop_grace_s = 10;      // SIGTERM -> SIGKILL when the old container stops

  bool Configured() const { return !host.empty(); }
  bool operator==(const DockerSettings&) const = default;
};

inline constexpr std::string_view kDefaultDockerHost = "unix:///var/run/docker.sock";

// Reads the "docker" object; unknown fields are errors naming
// `path` + "docker." + field. Validation is ValidateDockerSettings.
Result<DockerSettings> ParseDockerSettings(const Json& j, const std::string& path);
Json ToJson(const DockerSettings& d);

// Invalid naming the field: a host that is not unix:///absolute or
// tcp://host:port, tcp:// to a non-loopback host without tls (the Engine API
// is root on that host), tls on a unix socket, neither or both of container
// and select, a name template outside Docker's name grammar, a label without
// a key, a stop grace outside 0..600 s. `placeholders`: the names templates
// may use ({slug} and the tenant's vars).
Status ValidateDockerSettings(const DockerSettings& d, const std::vector<std::string>& placeholders,
                              std::string_view path);

// Docker's container and volume name grammar: [a-zA-Z0-9][a-zA-Z0-9_.-]*,
// at most 128 characters.
bool IsValidDockerName(std::string_view name);

}  // namespace rollcall
