#include "docker/container_swap.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/safe_text.h"
#include "docker/recreate_spec.h"

namespace rollcall {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string Text(const Json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

bool Kept(const SwapTarget& target, const std::string& name) {
  return std::find(target.keep.begin(), target.keep.end(), name) != target.keep.end();
}

Duration Remaining(SteadyClock::time_point deadline) {
  return std::chrono::duration_cast<Duration>(deadline - SteadyClock::now());
}

// One line per step for the row's output, so an operator sees what ran.
struct StepLog {
  std::string text;
  void Add(const std::string& line) {
    if (!text.empty()) text += '\n';
    text += EscapeText(line);
  }
};

}  // namespace

std::string ConfiguredImage(const Json& container) { return Text(container.value("Config", Json()), "Image"); }

void ContainerSwap::Cancel() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  cv_.notify_all();
}

bool ContainerSwap::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

bool ContainerSwap::WaitFor(Duration d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this] { return cancelled_; });
  return !cancelled_;
}

Result<std::string> ContainerSwap::Locate(const SwapTarget& target) {
  std::string name = target.container;
  if (name.empty()) {
    Result<std::vector<std::string>> names = engine_.NamesByLabel(target.select_label);
    if (!names.ok()) return names.status();
    std::vector<std::string> candidates;
    for (const std::string& n : *names) {
      std::string base = n;
      if (base.size() > kAsideSuffix.size() && base.ends_with(kAsideSuffix)) {
        base.resize(base.size() - kAsideSuffix.size());  // the old one of an interrupted swap
      }
      if (!Kept(target, base) && std::find(candidates.begin(), candidates.end(), base) == candidates.end()) {
        candidates.push_back(base);
      }
    }
    if (candidates.empty()) {
      return Status::NotFound(fmt::format("no container carries the label {}", EscapeText(target.select_label)));
    }
    if (candidates.size() > 1) {
      std::string list;
      for (const auto& c : candidates) list += (list.empty() ? "" : ", ") + c;
      return Status::Invalid(fmt::format("the label {} marks {} containers ({}); it must mark one",
                                         EscapeText(target.select_label), candidates.size(), EscapeText(list)));
    }
    name = candidates.front();
  }
  if (Kept(target, name)) {
    return Status::Invalid(fmt::format("container {} is in keep: the swap never touches it", name));
  }
  return name;
}

Status ContainerSwap::Undo(const std::string& name, const std::string& new_id, int64_t grace_s, bool& restored) {
  restored = false;
  const std::string aside = name + std::string(kAsideSuffix);
  Result<Json> old = engine_.InspectContainer(aside);
  if (!old.ok()) return old.status().code() == Status::Code::kNotFound ? Status::Ok() : old.status();
  Result<Json> current = engine_.InspectContainer(name);
  if (current.ok()) {
    if (!new_id.empty() && Text(*current, "Id") != new_id) {
      return Status::Conflict(fmt::format("container {} is not the one this swap created; {} stays aside", name, aside));
    }
    if (Status s = engine_.Remove(name); !s.ok() && s.code() != Status::Code::kNotFound) return s;
  } else if (current.status().code() != Status::Code::kNotFound) {
    return current.status();
  }
  if (Status s = Restart(aside, grace_s); !s.ok()) return s;
  if (Status s = engine_.Rename(aside, name); !s.ok()) return s;
  restored = true;
  return Status::Ok();
}

Status ContainerSwap::Restart(const std::string& aside, int64_t grace_s) {
  Status started = engine_.Start(aside);
  if (started.ok() || started.code() == Status::Code::kUnavailable) return started;
  // A stop still under way (the deployer died during it) refuses a start:
  // let the stop finish, then start.
  if (Status s = engine_.Stop(aside, grace_s); !s.ok()) return s;
  return engine_.Start(aside);
}

Status ContainerSwap::Gate(const std::string& name, const SwapRequest& req) {
  std::string last = "not checked yet";
  const SteadyClock::time_point deadline =
      req.health_timeout > Duration(0) ? std::min(req.deadline, SteadyClock::now() + req.health_timeout) : req.deadline;
  for (;;) {
    Result<Json> c = engine_.InspectContainer(name);
    if (!c.ok()) return c.status();
    const Json state = c->value("State", Json::object());
    const std::string status = Text(state, "Status");
    const std::string health = Text(state.value("Health", Json::object()), "Status");
    if (status == "exited" || status == "dead") {
      return Status::Internal(fmt::format("the new container {} with exit code {}", EscapeText(status),
                                          state.value("ExitCode", Json(-1)).dump()));
    }
    if (health == "unhealthy") return Status::Internal("the new container's HEALTHCHECK says unhealthy");
    if (status != "running") {
      last = "container " + status;
    } else if (!health.empty() && health != "healthy") {
      last = "HEALTHCHECK " + health;
    } else if (req.health) {
      HealthAnswer answer = req.health(std::clamp<Duration>(Remaining(deadline), Duration(1000),
                                                            std::chrono::seconds(5)));
      if (answer.healthy) return Status::Ok();
      last = answer.detail;
    } else {
      return Status::Ok();
    }
    const Duration left = Remaining(deadline);
    if (left <= Duration(0)) return Status::Unavailable("health gate: not healthy in time: " + EscapeText(last));
    if (!WaitFor(std::min(left, req.health_interval))) return Status::Unavailable("cancelled during the health gate");
  }
}

std::string ContainerSwap::Proof(const std::string& name, const std::string& image, std::string& why) {
  Result<Json> c = engine_.InspectContainer(name);
  if (!c.ok()) {
    why = c.status().message();
    return "";
  }
  if (!c->value("State", Json::object()).value("Running", false)) {
    why = fmt::format("container {} is not running ({})", name, Text(c->value("State", Json()), "Status"));
    return "";
  }
  const std::string configured = ConfiguredImage(*c);
  const std::string ref = image.empty() ? configured : image;
  Result<Json> resolved = engine_.InspectImage(ref);
  if (!resolved.ok()) {
    why = resolved.status().message();
    return "";
  }
  const std::string id = Text(*c, "Image");
  if (configured == ref && Text(*resolved, "Id") == id) return configured;
  // It runs something else than the reference names now: say what.
  return fmt::format("{}@{}", configured, id);
}

DeployOutcome ContainerSwap::Deploy(const SwapRequest& req) {
  DeployOutcome out;
  StepLog log;
  auto fail = [&](std::string why, bool engine_answered = true) {
    if (engine_answered) out.exit_code = 1;
    out.error = std::move(why);
    out.output = log.text;
    return out;
  };

  Result<std::string> located = Locate(req.target);
  if (!located.ok()) return fail(located.status().message(), located.status().code() != Status::Code::kUnavailable);
  const std::string name = *located;
  const std::string aside = name + std::string(kAsideSuffix);

  // A swap a crash interrupted is undone before anything else.
  bool restored = false;
  if (Status s = Undo(name, "", req.target.stop_grace_s, restored); !s.ok()) {
    return fail("undoing an interrupted swap: " + s.message(), s.code() != Status::Code::kUnavailable);
  }
  if (restored) log.Add(fmt::format("undid an interrupted swap: {} runs again", name));

  Result<Json> old = engine_.InspectContainer(name);
  if (!old.ok()) return fail(old.status().message(), old.status().code() != Status::Code::kUnavailable);
  const std::string old_image = ConfiguredImage(*old);

  if (cancelled()) return fail("cancelled before the pull");
  if (Status s = engine_.Pull(req.image, req.registry_auth, std::max(Remaining(req.deadline), Duration(1000)));
      !s.ok()) {
    return fail(fmt::format("pull {}: {}; nothing changed", req.image, s.message()));
  }
  Result<Json> target_image = engine_.InspectImage(req.image);
  if (!target_image.ok()) return fail(fmt::format("pulled {} but cannot inspect it: {}; nothing changed", req.image,
                                                  target_image.status().message()));
  log.Add(fmt::format("pulled {} ({})", req.image, Text(*target_image, "Id")));

  const bool running = old->value("State", Json::object()).value("Running", false);
  if (running && Text(*old, "Image") == Text(*target_image, "Id") && old_image == req.image) {
    log.Add(fmt::format("{} already runs {}", name, req.image));
    out.exit_code = 0;
    std::string why;
    out.running_image = Proof(name, req.image, why);
    out.output = log.text;
    return out;
  }

  Result<Json> old_image_config = engine_.InspectImage(Text(*old, "Image"));
  Result<CreateSpec> spec = RecreateSpec(*old, old_image_config.ok() ? *old_image_config : Json(), req.image);
  if (!spec.ok()) return fail(fmt::format("cannot recreate {}: {}; nothing changed", name, spec.status().message()));

  // From here on the old container is aside: every failure undoes.
  std::string new_id;
  auto undo = [&](const std::string& why) {
    bool back = false;
    Status s = Undo(name, new_id, req.target.stop_grace_s, back);
    if (!s.ok()) {
      return fail(fmt::format("{}; the undo failed: {} (the next deploy or inspect finishes it)", why, s.message()));
    }
    log.Add(fmt::format("removed the new container, started {} again", name));
    return fail(fmt::format("{}; rolled back to {}", why, old_image));
  };

  if (cancelled()) return fail("cancelled before the swap; nothing changed");
  if (Status s = engine_.Rename(name, aside); !s.ok()) return fail(fmt::format("rename {}: {}; nothing changed", name, s.message()));
  log.Add(fmt::format("renamed {} to {}", name, aside));
  if (Status s = engine_.Stop(aside, req.target.stop_grace_s); !s.ok()) return undo("stop the old container: " + s.message());
  log.Add(fmt::format("stopped {} (grace {}s)", aside, req.target.stop_grace_s));
  Result<std::string> created = engine_.Create(name, spec->body);
  if (!created.ok()) return undo("create: " + created.status().message());
  new_id = *created;
  for (const auto& [network, endpoint] : spec->more_networks) {
    if (Status s = engine_.Connect(network, new_id, endpoint); !s.ok()) return undo("connect: " + s.message());
  }
  log.Add(fmt::format("created {} on {}", name, req.image));
  if (cancelled()) return undo("cancelled");
  if (Status s = engine_.Start(new_id); !s.ok()) return undo("start: " + s.message());
  log.Add(fmt::format("started {}", name));
  if (Status s = Gate(new_id, req); !s.ok()) return undo(s.message());
  log.Add(fmt::format("{} is healthy", name));
  if (Status s = engine_.Remove(aside); !s.ok() && s.code() != Status::Code::kNotFound) {
    // The new container serves; the old one lingers aside and the next
    // deploy's undo would remove the new one: say so loudly.
    return fail(fmt::format("{} runs {} but removing {} failed: {}", name, req.image, aside, s.message()));
  }
  log.Add(fmt::format("removed {}", aside));
  out.exit_code = 0;
  std::string why;
  out.running_image = Proof(name, req.image, why);
  if (out.running_image.empty()) log.Add("no proof: " + why);
  out.output = log.text;
  return out;
}

InspectOutcome ContainerSwap::Inspect(const SwapTarget& target) {
  InspectOutcome out;
  Result<std::string> located = Locate(target);
  if (!located.ok()) {
    out.error = located.status().message();
    return out;
  }
  bool restored = false;
  if (Status s = Undo(*located, "", target.stop_grace_s, restored); !s.ok()) {
    out.error = "undoing an interrupted swap: " + s.message();
    return out;
  }
  std::string why;
  out.running_image = Proof(*located, "", why);
  if (out.running_image.empty()) out.error = why;
  return out;
}

}  // namespace rollcall
