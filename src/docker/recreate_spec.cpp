#include "docker/recreate_spec.h"

#include <algorithm>
#include <set>

namespace rollcall {
namespace {

const Json& Field(const Json& object, const char* key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

bool Empty(const Json& j) { return j.is_null() || (j.is_array() && j.empty()) || (j.is_object() && j.empty()) || (j.is_string() && j.get<std::string>().empty()); }

// Drops `key` from `config` when the image sets the same value.
void DropIfInherited(Json& config, const Json& image_config, const char* key) {
  if (!config.contains(key)) return;
  const Json& mine = config[key];
  const Json& theirs = Field(image_config, key);
  if (Empty(mine) || mine == theirs) config.erase(key);
}

// Keeps the list entries (env "K=V") the image does not set itself.
void DropInheritedEntries(Json& config, const Json& image_config, const char* key) {
  if (!config.contains(key) || !config[key].is_array()) return;
  const Json& theirs = Field(image_config, key);
  Json kept = Json::array();
  for (const Json& entry : config[key]) {
    bool inherited = theirs.is_array() && std::find(theirs.begin(), theirs.end(), entry) != theirs.end();
    // The engine sets HOSTNAME itself, to the new container's.
    bool engine_set = entry.is_string() && entry.get<std::string>().rfind("HOSTNAME=", 0) == 0;
    if (!inherited && !engine_set) kept.push_back(entry);
  }
  config[key] = kept;
}

// Keeps the object members (labels, ports, volumes) the image does not set
// to the same value.
void DropInheritedMembers(Json& config, const Json& image_config, const char* key) {
  if (!config.contains(key) || !config[key].is_object()) return;
  const Json& theirs = Field(image_config, key);
  Json kept = Json::object();
  for (auto it = config[key].begin(); it != config[key].end(); ++it) {
    bool inherited = theirs.is_object() && theirs.contains(it.key()) && theirs[it.key()] == it.value();
    if (!inherited) kept[it.key()] = it.value();
  }
  config[key] = kept;
}

bool SharesAnotherNamespace(const std::string& network_mode) {
  return network_mode == "host" || network_mode == "none" || network_mode.rfind("container:", 0) == 0;
}

// What a network endpoint was configured with, without what the engine
// assigned (ids, addresses, gateways) — and without the container's own
// short id, which the engine adds as an alias.
Json EndpointConfigOf(const Json& endpoint, const std::string& short_id) {
  Json out = Json::object();
  for (const char* key : {"IPAMConfig", "Links", "DriverOpts"}) {
    if (!Empty(Field(endpoint, key))) out[key] = endpoint[key];
  }
  const Json& aliases = Field(endpoint, "Aliases");
  if (aliases.is_array()) {
    Json kept = Json::array();
    for (const Json& a : aliases) {
      if (!(a.is_string() && a.get<std::string>() == short_id)) kept.push_back(a);
    }
    if (!kept.empty()) out["Aliases"] = kept;
  }
  return out;
}

// Volumes the container got without naming them (an image VOLUME, `-v
// /data`) are recreated by name, so the new container keeps their data.
void KeepAnonymousVolumes(const Json& container, Json& host_config) {
  std::set<std::string> covered;
  for (const Json& bind : Field(host_config, "Binds")) {
    if (!bind.is_string()) continue;
    std::string b = bind.get<std::string>();
    size_t first = b.find(':');
    if (first == std::string::npos) continue;
    size_t second = b.find(':', first + 1);
    covered.insert(b.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1));
  }
  for (const Json& m : Field(host_config, "Mounts")) {
    if (m.is_object() && Field(m, "Target").is_string()) covered.insert(m["Target"].get<std::string>());
  }
  Json binds = Field(host_config, "Binds").is_array() ? host_config["Binds"] : Json::array();
  for (const Json& m : Field(container, "Mounts")) {
    if (!m.is_object() || Field(m, "Type") != "volume") continue;
    if (!Field(m, "Name").is_string() || !Field(m, "Destination").is_string()) continue;
    const std::string destination = m["Destination"].get<std::string>();
    if (covered.count(destination) > 0) continue;
    std::string bind = m["Name"].get<std::string>() + ":" + destination;
    if (Field(m, "RW") == false) bind += ":ro";
    binds.push_back(bind);
  }
  if (!binds.empty()) host_config["Binds"] = binds;
}

}  // namespace

Result<CreateSpec> RecreateSpec(const Json& container, const Json& old_image, const std::string& new_image) {
  if (!Field(container, "Config").is_object()) return Status::Invalid("container: no Config");
  if (!Field(container, "HostConfig").is_object()) return Status::Invalid("container: no HostConfig");
  const std::string id = Field(container, "Id").is_string() ? container["Id"].get<std::string>() : "";
  const std::string short_id = id.substr(0, 12);
  const Json& image_config = Field(old_image, "Config");

  CreateSpec spec;
  Json config = container["Config"];
  Json host_config = container["HostConfig"];
  const std::string network_mode =
      Field(host_config, "NetworkMode").is_string() ? host_config["NetworkMode"].get<std::string>() : "";

  config["Image"] = new_image;
  if (!old_image.is_null()) {
    DropInheritedEntries(config, image_config, "Env");
    DropInheritedMembers(config, image_config, "Labels");
    DropInheritedMembers(config, image_config, "ExposedPorts");
    DropInheritedMembers(config, image_config, "Volumes");
    for (const char* key : {"Cmd", "Entrypoint", "WorkingDir", "User", "StopSignal", "Healthcheck"}) {
      DropIfInherited(config, image_config, key);
    }
  } else {
    DropInheritedEntries(config, Json(), "Env");
  }
  // A hostname the engine made up (the short id), or the host's in a shared
  // namespace, is not configuration: the engine refuses or replaces it.
  const std::string hostname = Field(config, "Hostname").is_string() ? config["Hostname"].get<std::string>() : "";
  if (SharesAnotherNamespace(network_mode) || hostname == short_id) {
    config.erase("Hostname");
    config.erase("Domainname");
  }
  KeepAnonymousVolumes(container, host_config);
  spec.body = config;
  spec.body["HostConfig"] = host_config;

  const Json& networks = Field(Field(container, "NetworkSettings"), "Networks");
  if (!SharesAnotherNamespace(network_mode) && networks.is_object() && !networks.empty()) {
    std::string first = networks.contains(network_mode) ? network_mode : networks.begin().key();
    spec.body["NetworkingConfig"] = {{"EndpointsConfig", {{first, EndpointConfigOf(networks[first], short_id)}}}};
    for (auto it = networks.begin(); it != networks.end(); ++it) {
      if (it.key() != first) spec.more_networks.emplace_back(it.key(), EndpointConfigOf(it.value(), short_id));
    }
  }
  return spec;
}

}  // namespace rollcall
