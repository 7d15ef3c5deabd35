// rollcalld: the control plane. Flags and environment (DESIGN §4), wiring
// of the engine to its real environment, crash resume, and the HTTP API.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <random>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <thread>

#include "core/fleet_keeper.h"
#include "core/image_ref.h"
#include "core/safe_text.h"
#include "core/listen_address.h"
#include "drivers/driver_router.h"
#include "drivers/exec_driver.h"
#include "http/agent_driver.h"
#include "http/http_client.h"
#include "http/http_prober.h"
#include "runtime/real_clock.h"
#include "runtime/shutdown_signals.h"
#include "server/auth.h"
#include "server/control_plane.h"
#include "httpd/http_server.h"
#include "httpd/server_flags.h"
#include "httpd/worker_pool.h"
#include "runtime/daemon_limits.h"
#include "server/api_routes.h"
#include "server/logging_sink.h"
#include "server/registry_retagger.h"
#include "server/rollcall_metrics.h"
#include "ssm/ssm_driver.h"
#include "docker/docker_driver.h"
#include "runtime/build_info.h"
#include "runtime/cli_docs.h"
#include "runtime/duration_flag.h"
#include "runtime/secret_file.h"
#include "server/random_ids.h"
#include "core/leader_gate.h"
#include "server/lease_keeper.h"
#include "server/ledger_open.h"
#include "server/ledger_tail.h"

namespace rollcall {
namespace {

struct Config {
  std::string listen = "127.0.0.1:7700";
  std::string db = "./rollcall.db";
  std::string image_repo = "registry.local/app";
  std::string agent_token;
  std::string admin_token;
  std::string read_token;
  std::string admin_token_file;
  std::string read_token_file;
  std::string tokens_file;
  std::vector<NamedToken> tokens;  // every token, named: the single ones are "admin" and "read"
  bool dev = false;
  Policy defaults;  // server defaults (DESIGN §2)
  std::string max_stragglers = "0";
  size_t body_limit = 1 << 20;
  // Promotion: the registry behind image_repo (https://<host> by default).
  std::string registry_url;
  bool registry_insecure = false;
  std::string registry_username;
  std::string registry_password;
  std::string registry_password_file;
  std::string log_level = "info";
  std::vector<std::string> pass_env;  // what exec commands inherit besides the basics
  // The ssm driver: "" = https://ssm.<region>.amazonaws.com; requests per
  // second and region.
  std::string ssm_endpoint;
  double ssm_max_rps = 10;
  httpd::ServerFlags server;
  double watch_interval_s = 60;  // 0: no drift watch
  bool auto_recover = false;
  std::string auto_recover_backoff = "1m";
  int auto_recover_parallel = 4;
  rollcall::AutoRecoveryConfig recovery;  // from the three above, in Finish
  // Replicated on PostgreSQL (DESIGN §9).
  std::string db_password_file;
  std::string db_password;  // from the file, in Finish; never logged
  std::string lease_ttl = "10s";
  std::string lease_renew = "2s";
  std::string commit_linger;  // "": 2ms on PostgreSQL, 0 on SQLite
  Duration linger{};
  std::string advertise_url;
  LeadershipConfig lease;  // from the two above, in Finish
};

// A leader that lost its lease or its ledger exits with this status.
constexpr int kExitSteppedDown = 3;

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

std::string GenerateToken() {
  std::random_device rd;
  std::string token = "dev-";
  for (int i = 0; i < 4; ++i) token += fmt::format("{:08x}", rd());
  return token;
}

Status FinishLease(Config& c) {
  if (!c.db_password_file.empty()) {
    Result<std::string> t = ReadSecretFile(c.db_password_file, "--db-password-file");
    if (!t.ok()) return t.status();
    c.db_password = *t;
  }
  std::optional<Duration> ttl = ParseDurationText(c.lease_ttl);
  if (!ttl || *ttl <= Duration::zero()) return Status::Invalid("--lease-ttl: a positive duration such as 10s");
  std::optional<Duration> renew = ParseDurationText(c.lease_renew);
  if (!renew || *renew <= Duration::zero()) {
    return Status::Invalid("--lease-renew: a positive duration such as 2s");
  }
  // Two renewals may fail and the leader still acts; the margin (one renew
  // interval) absorbs clock-rate differences and the last renewal's trip.
  if (*ttl < 3 * *renew) return Status::Invalid("--lease-ttl: must be at least three --lease-renew intervals");
  c.lease = LeadershipConfig{.ttl = *ttl, .renew_every = *renew, .margin = *renew};
  // A commit to a networked database costs round trips: let a few turns'
  // writes share one. SQLite's commits are local and cheap.
  const bool postgres = IsPostgresConninfo(c.db);
  std::optional<Duration> linger = c.commit_linger.empty() ? std::optional<Duration>(postgres ? std::chrono::milliseconds(2) : Duration::zero())
                                                           : ParseDurationText(c.commit_linger);
  if (!linger || *linger < Duration::zero() || *linger > std::chrono::seconds(1)) {
    return Status::Invalid("--commit-linger: a duration from 0 to 1s, such as 2ms");
  }
  c.linger = *linger;
  if (!c.advertise_url.empty() && c.advertise_url.rfind("http://", 0) != 0 &&
      c.advertise_url.rfind("https://", 0) != 0) {
    return Status::Invalid("--advertise-url: an http:// or https:// URL, e.g. http://cp1.internal:7700");
  }
  while (!c.advertise_url.empty() && c.advertise_url.back() == '/') c.advertise_url.pop_back();
  return Status::Ok();
}

// Resolves tokens and defaults; the error names the flag or variable.
Status Finish(Config& c) {
  if (!c.admin_token_file.empty()) {
    Result<std::string> t = ReadSecretFile(c.admin_token_file, "--admin-token-file");
    if (!t.ok()) return t.status();
    c.admin_token = *t;
  }
  if (!c.registry_password_file.empty()) {
    Result<std::string> t = ReadSecretFile(c.registry_password_file, "--registry-password-file");
    if (!t.ok()) return t.status();
    c.registry_password = *t;
  }
  if (!c.read_token_file.empty()) {
    Result<std::string> t = ReadSecretFile(c.read_token_file, "--read-token-file");
    if (!t.ok()) return t.status();
    c.read_token = *t;
  }
  std::vector<NamedToken> named;
  if (!c.tokens_file.empty()) {
    Result<std::string> text = ReadSecretsText(c.tokens_file, "--tokens-file");
    if (!text.ok()) return text.status();
    Result<std::vector<NamedToken>> parsed = ParseTokensFile(*text, "--tokens-file " + c.tokens_file);
    if (!parsed.ok()) return parsed.status();
    named = std::move(parsed).value();
  }
  const bool named_admin =
      std::any_of(named.begin(), named.end(), [](const NamedToken& t) { return t.role == Access::kAdmin; });
  if (c.admin_token.empty() && !named_admin) {
    if (!c.dev) {
      return Status::Invalid(
          "ROLLCALL_ADMIN_TOKEN: required (or --admin-token-file, an admin line in --tokens-file, or --dev for a "
          "generated one)");
    }
    c.admin_token = GenerateToken();
    std::printf("dev admin token: %s\n", c.admin_token.c_str());  // printed once, by request
  }
  c.tokens.clear();
  if (!c.admin_token.empty()) c.tokens.push_back(NamedToken{"admin", Access::kAdmin, c.admin_token});
  if (!c.read_token.empty()) c.tokens.push_back(NamedToken{"read", Access::kRead, c.read_token});
  for (NamedToken& t : named) c.tokens.push_back(std::move(t));
  if (Result<Authorizer> checked = Authorizer::Create(c.tokens); !checked.ok()) {
    return checked.status().Prefixed("tokens: ");
  }
  std::optional<Duration> backoff = ParseDurationText(c.auto_recover_backoff);
  if (!backoff || *backoff <= Duration::zero()) {
    return Status::Invalid("--auto-recover-backoff: a positive duration such as 90s, 1m or 1h30m");
  }
  if (c.auto_recover && c.watch_interval_s <= 0) {
    return Status::Invalid("--auto-recover: needs the drift watch (--watch-interval above 0)");
  }
  c.recovery = AutoRecoveryConfig{.enabled = c.auto_recover,
                                  .backoff = *backoff,
                                  .max_backoff = std::max<Duration>(*backoff, std::chrono::hours(1)),
                                  .parallel = c.auto_recover_parallel};
  Result<StragglerLimit> limit = ParseStragglerLimit(c.max_stragglers);
  if (!limit.ok()) return limit.status().Prefixed("--max-stragglers: ");
  c.defaults.max_stragglers = *limit;
  if (Status s = Validate(c.defaults, "--"); !s.ok()) return s;
  if (!IsValidRepository(c.image_repo)) {
    return Status::Invalid("--image-repo: must be an OCI repository reference such as ghcr.io/acme/app");
  }
  return FinishLease(c);
}

// Ends this controller's term: it exits, so nothing of the term (a timer,
// a late driver answer, a queued request) can act again. A supervisor
// (systemd's Restart=) brings it back as a standby.
[[noreturn]] void StepDown(const std::string& why) {
  spdlog::critical("stepping down: {}; exiting so that this process acts on nothing more", EscapeText(why));
  spdlog::default_logger()->flush();
  std::fflush(stdout);
  std::_Exit(kExitSteppedDown);
}

// The URL standbys redirect mutations to: --advertise-url, else the bound
// listen address.
std::string AdvertiseUrl(const Config& c, const std::string& host, int port) {
  if (!c.advertise_url.empty()) return c.advertise_url;
  if (host == "0.0.0.0" || host == "::") {
    spdlog::warn("--advertise-url not set while listening on {}: standbys redirect to 127.0.0.1", host);
    return fmt::format("http://127.0.0.1:{}", port);
  }
  return host.find(':') != std::string::npos ? fmt::format("http://[{}]:{}", host, port)
                                              : fmt::format("http://{}:{}", host, port);
}

int Serve(const Config& c) {
  auto host_port = ParseListenAddress(c.listen);
  if (!host_port.ok()) {
    std::fprintf(stderr, "%s\n", host_port.status().message().c_str());
    return 2;
  }
  Result<Ledger> ledger = OpenLedger(c.db, c.db_password);
  if (!ledger.ok()) {
    std::fprintf(stderr, "%s\n", ledger.status().message().c_str());
    return 1;
  }
  Store& store = *ledger->store;
  const bool replicated = ledger->pg != nullptr;
  if (replicated) {
    // A leader paused inside a write's transaction holds a share lock on the
    // lease row; the server ends that transaction well within the TTL, so
    // the takeover is not held back. Lease attempts wait one renew
    // interval for a lock at most, then try again.
    for (PgStore* s : {ledger->pg, ledger->lease.get()}) {
      if (Status limited = s->LimitSession(c.lease.ttl / 2, c.lease.renew_every); !limited.ok()) {
        std::fprintf(stderr, "--db: %s\n", limited.message().c_str());
        return 1;
      }
    }
  }
  // Set before the lease can be taken; read by the deploy gate and the API.
  std::unique_ptr<LeaseKeeper> lease;
  auto may_act = [&lease] { return !lease || lease->MayAct(); };

  // Declaration order is shutdown order in reverse: the clock outlives every
  // driver that posts into it, and stops before the service its tasks use.
  RealClock clock;
  HttpClient http;
  const std::string self = MakeHolderId();
  AgentDriver agent(http, clock, c.agent_token);
  agent.SetController(self);
  // Exec deploys record their process group in the ledger before they start.
  ExecDriver exec(ExecLimits{.pass_env = c.pass_env}, &store);
  // Docker pulls carry the promotion registry's credentials.
  DockerDriverOptions docker_options;
  docker_options.registry_username = c.registry_username;
  docker_options.registry_password = c.registry_password;
  DockerDriver docker(docker_options);
  // SSM: credentials from the standard chain (environment, shared file,
  // instance metadata), requests signed with SigV4 by libcurl.
  AwsCredentialsChain aws_credentials(RealCredentialsEnvironment());
  CurlSsmTransport ssm_transport(c.ssm_endpoint, aws_credentials);
  SsmApiOptions ssm_options;
  ssm_options.max_rps = c.ssm_max_rps;
  SsmApi ssm_api(ssm_transport, ssm_options);
  SsmDriver ssm(ssm_api);
  DriverRouter drivers(agent, exec, docker, ssm);
  // A leader whose lease ran out by its own clock deploys nothing more.
  LeaderGatedDriver gated(drivers, may_act, [](const std::string& why) { StepDown(why); });
  HttpProber prober(http);
  // Runs what waits for a rollout's end (legacy answers, cancel) once it
  // ends: they read the store, which the engine loop must not wait for.
  httpd::WorkerPool completions(2);
  EventHub hub(store, clock, [&completions](std::function<void()> task) {
    completions.Submit(std::move(task));
  });
  LoggingSink sink(hub);
  RollcallMetrics metrics(kBuildVersion, kBuildCommit);
  EngineEnv env{clock, gated, prober, store, sink, c.image_repo, c.linger, &metrics};
  RandomIds ids;
  RolloutService service(env, ids);

  ControlPlane plane(clock, store, service, hub, ControlPlaneConfig{c.image_repo, c.defaults});
  std::shared_ptr<DriftWatch> watch;
  DriftWatchConfig watch_config;
  watch_config.interval = SecondsToDuration(c.watch_interval_s);
  std::shared_ptr<FleetKeeper> keeper;
  if (c.watch_interval_s > 0) {
    auto watched = std::make_shared<std::weak_ptr<DriftWatch>>();  // set below: the two refer to each other
    keeper = FleetKeeper::Create(env, service, c.recovery, [watched] {
      auto w = watched->lock();
      return w ? w->Snapshot() : std::map<std::string, DriftStatus>{};
    });
    service.SetOnFinished([keeper](const Rollout& r) { keeper->OnRolloutFinished(r); });
    auto on_look = [keeper](const Tenant& t, const DriftStatus& before, const DriftStatus& after, bool changed) {
      keeper->OnLook(t, before, after, changed);
    };
    auto on_round = [](size_t looked, Duration took) {
      spdlog::info("drift watch: looked at {} tenant(s) in {:.1f} s", looked,
                   std::chrono::duration<double>(took).count());
    };
    watch = DriftWatch::Create(env, service.leases(), watch_config, on_look, on_round);
    *watched = watch;
    if (c.recovery.enabled) {
      spdlog::info("automatic recovery on: backoff {} doubling to {}, {} tenant(s) at a time",
                   FormatSeconds(DurationToSeconds(c.recovery.backoff)),
                   FormatSeconds(DurationToSeconds(c.recovery.max_backoff)), c.recovery.parallel);
    }
  }
  // What a leader runs, on the loop: crash resume of every unfinished
  // rollout, then the drift watch (its first look one interval later).
  auto lead = [&]() -> Status {
    Result<size_t> resumed = service.ResumeAll();
    if (!resumed.ok()) return resumed.status();
    if (*resumed > 0) spdlog::info("resumed {} unfinished rollout(s) from the ledger", *resumed);
    if (watch) {
      plane.SetDriftWatch(watch);
      watch->Start(watch_config.interval);
    }
    return Status::Ok();
  };
  std::shared_ptr<LedgerTail> tail;
  if (!replicated) {
    Status led = Status::Internal("not run");
    clock.RunSync([&] { led = lead(); }, std::chrono::seconds(60));
    if (!led.ok()) {
      spdlog::error("resume: {}", EscapeText(led.message()));
      return 1;
    }
  } else {
    // A standby until the lease is ours: it follows the leader's events.
    tail = LedgerTail::Create(clock, store, hub, std::chrono::milliseconds(250));
    tail->Start();
    // Deposed, or past its lease by its own clock: the term is over. A
    // database that does not answer ends nothing by itself: the engine
    // waits and retries, the lease keeper keeps renewing, and the term ends
    // only if the lease runs out first.
    ledger->pg->OnTermEnd([](const Status& s) { StepDown("the ledger: " + s.message()); });
    ledger->pg->GateWrites(may_act);
    ledger->pg->OnReachability([](bool up, const std::string& why) {
      if (up) {
        spdlog::info("the ledger (postgres) answers again: rollouts go on");
      } else {
        spdlog::warn("the ledger (postgres) does not answer: {}; rollouts wait (nothing new is deployed), "
                     "mutations answer 503, reads answer from cache; retrying",
                     EscapeText(why));
      }
    });
  }
  Result<RegistryConfig> registry = RegistryConfigFor(c.image_repo, c.registry_url, c.registry_insecure,
                                                      c.registry_username, c.registry_password);
  std::unique_ptr<RegistryRetagger> retagger;
  if (registry.ok()) {
    retagger = std::make_unique<RegistryRetagger>(*registry, may_act);
  } else {
    spdlog::warn("promotion disabled: {}", EscapeText(registry.status().message()));
  }
  Promoter promoter(store, retagger.get(), registry.ok() ? "" : registry.status().message(),
                    [&clock] { return clock.WallMillis(); });
  Result<Authorizer> authorizer = Authorizer::Create(c.tokens);  // checked by Finish
  if (!authorizer.ok()) {
    std::fprintf(stderr, "%s\n", authorizer.status().message().c_str());
    return 2;
  }
  const Authorizer& auth = *authorizer;
  httpd::ServerOptions options;
  options.host = host_port->first;
  options.port = static_cast<uint16_t>(host_port->second);
  const size_t open_files = RaiseOpenFileLimit();
  httpd::ApplyServerFlags(c.server, open_files, options);
  options.workers = 8;  // store reads, and mutations waiting (bounded) for the engine loop
  httpd::HttpServer* serving_server = nullptr;  // for /metrics, set below
  ReadCache read_cache;  // reads answer from it while the ledger does not
  ApiDeps deps{plane, promoter, auth, hub, c.body_limit, [&serving_server, &hub, &metrics] {
                 return metrics.Render() + httpd::MetricsText(serving_server->stats(), "rollcall_http") +
                        fmt::format("# HELP rollcall_event_followers Event streams following a rollout.\n"
                                    "# TYPE rollcall_event_followers gauge\nrollcall_event_followers {}\n",
                                    hub.followers());
               },
               [&lease, &self]() {
                 if (lease) return lease->View();
                 LeaderView only;  // the SQLite file's one controller
                 only.store = "sqlite";
                 only.self = self;
                 only.leader = true;
                 only.may_act = true;
                 return only;
               },
               &read_cache,
               [&plane, &metrics](AuditEntry entry) {
                 metrics.MutationAnswered(entry);
                 plane.RecordMutation(std::move(entry));
               }};
  auto access_log = [&metrics](const httpd::HttpRequest& request, int status) {
    LogRequest(request, status);
    if (status == 0) return;  // nothing was answered
    metrics.RequestAnswered(request.route.empty() ? "unmatched" : request.route, status,
                            std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - request.received));
  };
  auto server = std::make_unique<httpd::HttpServer>(options, MakeApiRouter(deps), access_log);
  serving_server = server.get();
  if (Status s = server->Bind(); !s.ok()) {
    std::fprintf(stderr, "--listen: %s\n", s.message().c_str());
    return 1;
  }
  if (replicated) {
    LeaseKeeperConfig config{self, AdvertiseUrl(c, host_port->first, server->port()), c.lease};
    PgStore& fenced = *ledger->pg;
    lease = std::make_unique<LeaseKeeper>(
        *ledger->lease, config,
        [&, config](int64_t epoch) {
          // Every ledger write from here on checks the epoch in its own
          // transaction; then the engine resumes, after the old leader's
          // last events were passed on.
          fenced.FenceWrites(epoch);
          spdlog::info("leader: took the lease at epoch {} as {} ({})", epoch, EscapeText(config.holder),
                       EscapeText(config.url));
          clock.Post([&, epoch] {
            tail->CatchUpAndStop();
            if (Status s = lead(); !s.ok()) StepDown(fmt::format("resume at epoch {}: {}", epoch, s.message()));
          });
        },
        [](const std::string& why) { StepDown("lost the leader lease: " + why); });
    spdlog::info("replicated: sharing the PostgreSQL ledger as {}; the lease is taken by compare-and-set "
                 "(ttl {}, renew {})",
                 EscapeText(self), FormatSeconds(DurationToSeconds(c.lease.ttl)),
                 FormatSeconds(DurationToSeconds(c.lease.renew_every)));
    lease->Start();
  }
  std::printf("listening on %s:%d\n", host_port->first.c_str(), server->port());
  std::fflush(stdout);
  spdlog::info("rollcalld listening on {}:{} ({}, image repo {})", host_port->first, server->port(),
               replicated ? "db postgres" : "db " + c.db, c.image_repo);
  spdlog::info("serving up to {} connections, {} per client address (open-file limit {})",
               options.max_connections, options.max_connections_per_peer, open_files);

  // Signals are taken by this thread alone; the server runs on another.
  std::thread serving([&] {
    if (Status s = server->Run(); !s.ok()) spdlog::error("{}", s.message());
  });
  const int sig = WaitForShutdownSignal();
  spdlog::info("signal {}: shutting down; running rollouts resume on the next start", sig);
  server->Stop();
  serving.join();
  server.reset();      // its workers finish while the engine loop still runs
  if (watch) watch->Stop();
  if (tail) tail->Stop();
  completions.Stop();
  clock.Stop();
  // The engine acts no more: a standby may take over at once.
  if (lease) lease->Stop(/*release=*/true);
  return 0;
}

}  // namespace
}  // namespace rollcall

int main(int argc, char** argv) {
  rollcall::BlockShutdownSignals();  // before any thread exists

  rollcall::Config c;
  c.listen = rollcall::EnvOr("ROLLCALL_LISTEN", c.listen);
  c.db = rollcall::EnvOr("ROLLCALL_DB", c.db);
  c.image_repo = rollcall::EnvOr("ROLLCALL_IMAGE_REPO", c.image_repo);
  c.agent_token = rollcall::EnvOr("ROLLCALL_AGENT_TOKEN", "");
  c.admin_token = rollcall::EnvOr("ROLLCALL_ADMIN_TOKEN", "");
  c.read_token = rollcall::EnvOr("ROLLCALL_READ_TOKEN", "");
  c.registry_url = rollcall::EnvOr("ROLLCALL_REGISTRY_URL", "");
  c.registry_username = rollcall::EnvOr("ROLLCALL_REGISTRY_USERNAME", "");
  c.registry_password = rollcall::EnvOr("ROLLCALL_REGISTRY_PASSWORD", "");

  CLI::App app{"rollcalld: the Rollcall control plane"};
  app.set_version_flag("--version", rollcall::VersionText("rollcalld"));
  app.add_option("--listen", c.listen, "HOST:PORT (port 0 picks a free one)")->capture_default_str();
  app.add_option("--db", c.db,
                 "SQLite database path, or a PostgreSQL conninfo (postgres://user@host:5432/db?...) shared by "
                 "replicated controllers")
      ->capture_default_str();
  app.add_option("--db-password-file", c.db_password_file,
                 "file holding the PostgreSQL password (else PGPASSWORD or ~/.pgpass)");
  app.add_option("--lease-ttl", c.lease_ttl, "PostgreSQL: how long the leader lease lasts unrenewed")
      ->capture_default_str();
  app.add_option("--lease-renew", c.lease_renew, "PostgreSQL: how often the leader renews it (standbys try)")
      ->capture_default_str();
  app.add_option("--commit-linger", c.commit_linger,
                 "how long the engine's ledger writes wait to share a commit (default 2ms on PostgreSQL, 0 on "
                 "SQLite)");
  app.add_option("--advertise-url", c.advertise_url,
                 "PostgreSQL: this controller's URL, where standbys redirect mutations (default: the listen "
                 "address)");
  app.add_option("--image-repo", c.image_repo, "image repository; target = <repo>:<tag>")->capture_default_str();
  app.add_option("--agent-token", c.agent_token, "bearer token for rollcall-agent (or ROLLCALL_AGENT_TOKEN)");
  app.add_option("--admin-token-file", c.admin_token_file, "file holding the admin token");
  app.add_option("--read-token-file", c.read_token_file, "file holding the read-only token");
  app.add_option("--tokens-file", c.tokens_file,
                 "named tokens, one \"NAME ROLE TOKEN\" per line (role admin or read): the name is the actor "
                 "recorded in the audit trail; not readable by every user");
  app.add_flag("--dev", c.dev, "generate an admin token and print it once");
  for (auto [flag, value] : {std::pair<const char*, double*>{"--per-tenant-timeout", &c.defaults.per_tenant_timeout_s},
                             {"--health-timeout", &c.defaults.health_timeout_s},
                             {"--health-interval", &c.defaults.health_interval_s},
                             {"--soak", &c.defaults.soak_seconds}}) {
    app.add_option(flag, *value, "a duration: seconds or units (90, 90s, 5m)")
        ->transform(rollcall::DurationSeconds())
        ->capture_default_str();
  }
  app.add_option("--max-parallel", c.defaults.max_parallel)->capture_default_str();
  app.add_option("--max-stragglers", c.max_stragglers, "N or N%")->capture_default_str();
  app.add_option("--registry-url", c.registry_url, "registry for promotion (default https://<image-repo host>)");
  app.add_flag("--registry-insecure", c.registry_insecure, "allow a plain http:// registry (loopback tests)");
  app.add_option("--registry-password-file", c.registry_password_file,
                 "file holding the registry password (or ROLLCALL_REGISTRY_PASSWORD)");
  app.add_option("--body-limit", c.body_limit, "request body limit in bytes")->capture_default_str();
  rollcall::httpd::AddServerFlags(app, c.server);
  app.add_option("--watch-interval", c.watch_interval_s,
                 "time between two looks at each tenant by the drift watch (60, 1m; 0: off)")
      ->transform(rollcall::DurationSeconds())
      ->capture_default_str();
  app.add_flag("--auto-recover", c.auto_recover,
               "roll the desired release out again to quarantined and drifted tenants, with a backoff");
  app.add_option("--auto-recover-backoff", c.auto_recover_backoff,
                 "wait after a failed recovery attempt, doubling per attempt to 1h (90s, 1m, ...)")
      ->capture_default_str();
  app.add_option("--auto-recover-parallel", c.auto_recover_parallel, "tenants recovering at once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--ssm-endpoint", c.ssm_endpoint,
                 "Systems Manager endpoint URL for the ssm driver (default https://ssm.<region>.amazonaws.com; "
                 "a VPC endpoint, or a test's)");
  app.add_option("--ssm-max-rps", c.ssm_max_rps, "SSM requests per second and region, at most")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error")->capture_default_str();
  app.add_option("--pass-env", c.pass_env,
                 "environment variable exec-driver commands inherit (repeatable); they get PATH, "
                 "HOME, LANG, SSH_AUTH_SOCK and a few more, never rollcalld's tokens");
  if (std::optional<int> done = rollcall::ParseCommandLine(app, "rollcalld", argc, argv)) return *done;
  if (rollcall::Status s = rollcall::Finish(c); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 2;
  }
  // Logs go to stderr: stdout carries only what tools parse ("listening on").
  spdlog::set_default_logger(spdlog::stderr_color_mt("rollcalld"));
  spdlog::set_level(spdlog::level::from_str(c.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  return rollcall::Serve(c);
}
