#include "docker/docker_driver.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include "core/argv_template.h"
#include "core/safe_text.h"
#include "docker/curl_engine.h"
#include "http/curl_util.h"

namespace rollcall {
namespace {

Result<std::string> Substitute(const std::string& text, const PlaceholderValues& values, const char* field) {
  Result<std::vector<std::string>> out = SubstituteArgv({text}, values);
  if (!out.ok()) return Status::Invalid(fmt::format("docker.{}: {}", field, out.status().message()));
  return out->front();
}

struct Discard {
  static size_t OnBody(char*, size_t size, size_t count, void*) { return size * count; }
};

}  // namespace

std::unique_ptr<DockerEngine> MakeCurlEngine(const DockerSettings& settings, Duration call_timeout) {
  CurlEngineOptions options;
  options.host = settings.host;
  options.tls = settings.tls;
  options.call_timeout = call_timeout;
  return std::make_unique<CurlEngine>(options);
}

Result<SwapTarget> SwapTargetFor(const Tenant& tenant) {
  const PlaceholderValues values = WithVars({{"slug", tenant.slug}}, tenant);
  SwapTarget target;
  target.stop_grace_s = tenant.docker.stop_grace_s;
  if (!tenant.docker.container.empty()) {
    Result<std::string> name = Substitute(tenant.docker.container, values, "container");
    if (!name.ok()) return name.status();
    if (!IsValidDockerName(*name)) {
      return Status::Invalid(fmt::format("docker.container: \"{}\" is not a Docker name", EscapeText(*name)));
    }
    target.container = *name;
  } else {
    Result<std::string> label = Substitute(tenant.docker.select_label, values, "select.label");
    if (!label.ok()) return label.status();
    target.select_label = *label;
  }
  for (const std::string& keep : tenant.docker.keep) {
    Result<std::string> name = Substitute(keep, values, "keep");
    if (!name.ok()) return name.status();
    target.keep.push_back(*name);
  }
  return target;
}

Duration ForwardBudget(Duration timeout) {
  const Duration reserve = std::clamp<Duration>(timeout / 5, std::chrono::seconds(2), std::chrono::seconds(30));
  return std::max<Duration>(timeout - reserve, timeout / 2);
}

HealthAnswer ProbeHealthUrl(const std::string& url, Duration timeout) {
  CurlGlobalInitOnce();
  CURL* e = curl_easy_init();
  if (!e) return {false, "curl_easy_init failed"};
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, CurlMillis(timeout));
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Discard::OnBody);
  const CURLcode rc = curl_easy_perform(e);
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(e);
  if (rc != CURLE_OK) return {false, fmt::format("GET {}: {}", EscapeText(url), curl_easy_strerror(rc))};
  if (status < 200 || status > 299) return {false, fmt::format("GET {}: HTTP {}", EscapeText(url), status)};
  return {true, ""};
}

DockerDriver::DockerDriver(DockerDriverOptions options, EngineFactory factory)
    : options_(std::move(options)), factory_(std::move(factory)) {}

bool DockerDriver::BeginSwap(const std::string& slug) {
  std::lock_guard lock(mu_);
  return swapping_.insert(slug).second;
}

void DockerDriver::EndSwap(const std::string& slug) {
  std::lock_guard lock(mu_);
  swapping_.erase(slug);
}

bool DockerDriver::Swapping(const std::string& slug) const {
  std::lock_guard lock(mu_);
  return swapping_.count(slug) > 0;
}

std::shared_ptr<std::mutex> DockerDriver::TenantLock(const std::string& slug) {
  std::lock_guard lock(mu_);
  std::shared_ptr<std::mutex>& m = tenant_locks_[slug];
  if (!m) m = std::make_shared<std::mutex>();
  return m;
}

CancelFn DockerDriver::Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) {
  Result<SwapTarget> target = SwapTargetFor(req.tenant);
  if (!target.ok()) {
    DeployOutcome outcome;
    outcome.error = target.status().message();
    done(std::move(outcome));
    return [] {};
  }
  if (!BeginSwap(req.tenant.slug)) {
    DeployOutcome outcome;
    outcome.busy = true;
    outcome.error = "a swap of this tenant is already running";
    done(std::move(outcome));
    return [] {};
  }
  std::shared_ptr<DockerEngine> engine = factory_(req.tenant.docker, options_.call_timeout);
  auto swap = std::make_shared<ContainerSwap>(*engine);
  SwapRequest swap_req;
  swap_req.target = std::move(target).value();
  swap_req.image = req.image;
  swap_req.registry_auth = RegistryAuthHeader(options_.registry_username, options_.registry_password,
                                              RegistryHostOf(req.image));
  const Duration timeout = req.timeout > Duration(0) ? req.timeout : options_.default_timeout;
  swap_req.deadline = std::chrono::steady_clock::now() + ForwardBudget(timeout);
  swap_req.health_interval = options_.health_interval;
  const std::string health_url = req.tenant.base_url + "/healthz";
  auto probe = options_.probe ? options_.probe : ProbeHealthUrl;
  swap_req.health = [probe, health_url](Duration t) { return probe(health_url, t); };
  const std::string slug = req.tenant.slug;
  auto body = [this, engine, swap, swap_req, slug, done, may_send = req.may_send,
               tenant_lock = TenantLock(slug)]() mutable {
    DeployOutcome outcome;
    if (may_send && !may_send()) {  // a worker thread may start late
      EndSwap(slug);
      outcome.error = "not started: refused just before the swap";
      done(std::move(outcome));
      return;
    }
    {
      std::lock_guard hold(*tenant_lock);
      outcome = swap->Deploy(swap_req);
    }
    EndSwap(slug);
    if (!swap->cancelled()) done(std::move(outcome));
    done = nullptr;  // the engine's lease on the tenant goes with it, only now
  };
  Status started = workers_.Start(std::move(body), [swap] { swap->Cancel(); });
  if (!started.ok()) {
    EndSwap(slug);
    DeployOutcome outcome;
    outcome.error = started.message();
    done(std::move(outcome));
    return [] {};
  }
  return [swap] { swap->Cancel(); };
}

CancelFn DockerDriver::Inspect(const Tenant& tenant, std::function<void(InspectOutcome)> done) {
  Result<SwapTarget> target = SwapTargetFor(tenant);
  if (!target.ok() || Swapping(tenant.slug)) {
    InspectOutcome outcome;
    if (!target.ok()) {
      outcome.error = target.status().message();
    } else {
      outcome.deploying = true;
      outcome.deploying_detail = "a container swap by this control plane";
    }
    done(std::move(outcome));
    return [] {};
  }
  std::shared_ptr<DockerEngine> engine = factory_(tenant.docker, options_.call_timeout);
  auto swap = std::make_shared<ContainerSwap>(*engine);
  auto body = [this, engine, swap, target = std::move(target).value(), done, slug = tenant.slug,
               tenant_lock = TenantLock(tenant.slug)] {
    InspectOutcome outcome;
    if (Swapping(slug)) {  // a deploy began since the call
      outcome.deploying = true;
      outcome.deploying_detail = "a container swap by this control plane";
    } else {
      std::lock_guard hold(*tenant_lock);
      outcome = swap->Inspect(target);
    }
    if (!swap->cancelled()) done(std::move(outcome));
  };
  Status started = workers_.Start(std::move(body), [swap] { swap->Cancel(); });
  if (!started.ok()) {
    InspectOutcome outcome;
    outcome.error = started.message();
    done(std::move(outcome));
    return [] {};
  }
  return [swap] { swap->Cancel(); };
}

}  // namespace rollcall
