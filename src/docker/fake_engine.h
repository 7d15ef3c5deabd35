// FakeEngine: an in-memory DockerEngine for the swap's tests. Holds
// containers and images, pulls from a set of "registry" images, and can
// die after a given number of state-changing calls — every later call
// fails as if the deployer had been killed there — so a test can crash a
// swap between any two steps and resume it with a fresh ContainerSwap.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "docker/engine.h"

namespace rollcall {

class FakeEngine : public DockerEngine {
 public:
  struct Container {
    std::string id;
    std::string image;     // Config.Image
    std::string image_id;  // Image
    bool running = false;
    std::string status = "created";  // State.Status
    Json config = Json::object();    // Config besides Image
    Json host_config = Json::object();
    std::string health;  // State.Health.Status
  };

  // Images the "registry" serves, by reference -> id.
  std::map<std::string, std::string> registry;
  // A started container on one of these image ids exits at once.
  std::set<std::string> crashing_images;
  // Mutating calls (pull, create, connect, start, stop, rename, remove)
  // allowed before the engine "dies"; nullopt: never.
  std::optional<int> die_after;
  // The registry auth header of the last pull.
  std::string last_registry_auth;

  void AddImage(const std::string& ref, const std::string& id);
  void AddContainer(const std::string& name, Container c);
  std::optional<Container> Get(const std::string& name) const;
  std::vector<std::string> Names() const;
  std::vector<std::string> Calls() const;  // "rename a a-rollcall-previous", ...
  int mutating_calls() const;
  void Revive();  // the engine answers again; die_after cleared

  Result<Json> InspectContainer(const std::string& name) override;
  Result<Json> InspectImage(const std::string& ref) override;
  Result<std::vector<std::string>> NamesByLabel(const std::string& label) override;
  Status Pull(const std::string& image, const std::string& registry_auth, Duration timeout) override;
  Result<std::string> Create(const std::string& name, const Json& body) override;
  Status Connect(const std::string& network, const std::string& container, const Json& endpoint) override;
  Status Start(const std::string& name) override;
  Status Stop(const std::string& name, int64_t grace_s) override;
  Status Rename(const std::string& name, const std::string& new_name) override;
  Status Remove(const std::string& name) override;

 private:
  // Counts a mutating call; Unavailable once the engine has died.
  Status Mutate(const std::string& call);
  Status Alive() const;
  // The container by name or id, or nullptr.
  Container* Find(const std::string& name_or_id, std::string* name = nullptr);

  mutable std::mutex mu_;
  std::map<std::string, Container> containers_;  // by name
  std::map<std::string, std::string> images_;    // local: ref -> id
  std::vector<std::string> calls_;
  int mutating_ = 0;
  bool dead_ = false;
  int next_id_ = 1;
};

}  // namespace rollcall
