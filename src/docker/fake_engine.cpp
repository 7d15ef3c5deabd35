#include "docker/fake_engine.h"

#include <fmt/format.h>

namespace rollcall {

void FakeEngine::AddImage(const std::string& ref, const std::string& id) {
  std::lock_guard lock(mu_);
  images_[ref] = id;
}

void FakeEngine::AddContainer(const std::string& name, Container c) {
  std::lock_guard lock(mu_);
  if (c.id.empty()) c.id = fmt::format("{:064d}", next_id_++);
  containers_[name] = std::move(c);
}

std::optional<FakeEngine::Container> FakeEngine::Get(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = containers_.find(name);
  if (it == containers_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> FakeEngine::Names() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, c] : containers_) names.push_back(name);
  return names;
}

std::vector<std::string> FakeEngine::Calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

int FakeEngine::mutating_calls() const {
  std::lock_guard lock(mu_);
  return mutating_;
}

void FakeEngine::Revive() {
  std::lock_guard lock(mu_);
  dead_ = false;
  die_after.reset();
}

Status FakeEngine::Alive() const {
  return dead_ ? Status::Unavailable("docker: connection refused (the fake engine died)") : Status::Ok();
}

Status FakeEngine::Mutate(const std::string& call) {
  if (dead_) return Alive();
  if (die_after && mutating_ >= *die_after) {
    dead_ = true;
    return Alive();
  }
  ++mutating_;
  calls_.push_back(call);
  return Status::Ok();
}

FakeEngine::Container* FakeEngine::Find(const std::string& name_or_id, std::string* name) {
  auto it = containers_.find(name_or_id);
  if (it == containers_.end()) {
    it = std::find_if(containers_.begin(), containers_.end(), [&](const auto& kv) { return kv.second.id == name_or_id; });
  }
  if (it == containers_.end()) return nullptr;
  if (name) *name = it->first;
  return &it->second;
}

Result<Json> FakeEngine::InspectContainer(const std::string& name) {
  std::lock_guard lock(mu_);
  if (Status s = Alive(); !s.ok()) return s;
  std::string found;
  Container* c = Find(name, &found);
  if (!c) return Status::NotFound("docker: no such container: " + name);
  Json config = c->config;
  config["Image"] = c->image;
  Json state = {{"Status", c->status}, {"Running", c->running}, {"ExitCode", c->running ? 0 : 1}};
  if (!c->health.empty()) state["Health"] = {{"Status", c->health}};
  return Json{{"Id", c->id},        {"Name", "/" + found},          {"Image", c->image_id},
              {"Config", config},   {"HostConfig", c->host_config}, {"State", state}};
}

Result<Json> FakeEngine::InspectImage(const std::string& ref) {
  std::lock_guard lock(mu_);
  if (Status s = Alive(); !s.ok()) return s;
  auto it = images_.find(ref);
  if (it == images_.end()) {
    for (const auto& [r, id] : images_) {
      if (id == ref) return Json{{"Id", id}, {"Config", {{"Env", {"PATH=/bin"}}}}};
    }
    return Status::NotFound("docker: no such image: " + ref);
  }
  return Json{{"Id", it->second}, {"Config", {{"Env", {"PATH=/bin"}}}}};
}

Result<std::vector<std::string>> FakeEngine::NamesByLabel(const std::string& label) {
  std::lock_guard lock(mu_);
  if (Status s = Alive(); !s.ok()) return s;
  size_t eq = label.find('=');
  std::string key = label.substr(0, eq), value = eq == std::string::npos ? "" : label.substr(eq + 1);
  std::vector<std::string> names;
  for (const auto& [name, c] : containers_) {
    const Json labels = c.config.value("Labels", Json::object());
    if (labels.contains(key) && labels[key] == value) names.push_back(name);
  }
  return names;
}

Status FakeEngine::Pull(const std::string& image, const std::string& registry_auth, Duration) {
  std::lock_guard lock(mu_);
  if (Status s = Mutate("pull " + image); !s.ok()) return s;
  last_registry_auth = registry_auth;
  auto it = registry.find(image);
  if (it == registry.end()) return Status::Internal("docker: pull " + image + ": manifest unknown");
  images_[image] = it->second;
  return Status::Ok();
}

Result<std::string> FakeEngine::Create(const std::string& name, const Json& body) {
  std::lock_guard lock(mu_);
  if (Status s = Mutate("create " + name); !s.ok()) return s;
  if (containers_.count(name)) return Status::Conflict("docker: create " + name + ": name in use");
  const std::string image = body.value("Image", "");
  auto img = images_.find(image);
  if (img == images_.end()) return Status::NotFound("docker: create: no such image " + image);
  Container c;
  c.id = fmt::format("{:064d}", next_id_++);
  c.image = image;
  c.image_id = img->second;
  c.config = body;
  c.config.erase("Image");
  c.config.erase("HostConfig");
  c.config.erase("NetworkingConfig");
  c.host_config = body.value("HostConfig", Json::object());
  containers_[name] = c;
  return c.id;
}

Status FakeEngine::Connect(const std::string& network, const std::string& container, const Json&) {
  std::lock_guard lock(mu_);
  return Mutate(fmt::format("connect {} {}", network, container));
}

Status FakeEngine::Start(const std::string& name) {
  std::lock_guard lock(mu_);
  std::string found;
  Container* c = Find(name, &found);
  if (Status s = Mutate("start " + (c ? found : name)); !s.ok()) return s;
  if (!c) return Status::NotFound("docker: start: no such container " + name);
  if (c->status == "stopping") return Status::Internal("docker: start: container state improper");
  const bool crashes = crashing_images.count(c->image_id) > 0;
  c->running = !crashes;
  c->status = crashes ? "exited" : "running";
  return Status::Ok();
}

Status FakeEngine::Stop(const std::string& name, int64_t) {
  std::lock_guard lock(mu_);
  std::string found;
  Container* c = Find(name, &found);
  if (Status s = Mutate("stop " + (c ? found : name)); !s.ok()) return s;
  if (!c) return Status::NotFound("docker: stop: no such container " + name);
  c->running = false;
  c->status = "exited";
  return Status::Ok();
}

Status FakeEngine::Rename(const std::string& name, const std::string& new_name) {
  std::lock_guard lock(mu_);
  if (Status s = Mutate(fmt::format("rename {} {}", name, new_name)); !s.ok()) return s;
  std::string found;
  Container* c = Find(name, &found);
  if (!c) return Status::NotFound("docker: rename: no such container " + name);
  if (containers_.count(new_name)) return Status::Conflict("docker: rename: name in use: " + new_name);
  Container moved = *c;
  containers_.erase(found);
  containers_[new_name] = moved;
  return Status::Ok();
}

Status FakeEngine::Remove(const std::string& name) {
  std::lock_guard lock(mu_);
  std::string found;
  Container* c = Find(name, &found);
  if (Status s = Mutate("remove " + (c ? found : name)); !s.ok()) return s;
  if (!c) return Status::NotFound("docker: remove: no such container " + name);
  containers_.erase(found);
  return Status::Ok();
}

}  // namespace rollcall
