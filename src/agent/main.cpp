// rollcall-agent: serves the agent API on a tenant host (DESIGN §5).
//
//   ROLLCALL_AGENT_TOKEN=... rollcall-agent --listen 127.0.0.1:7701
//     --state-file /var/lib/rollcall/agent.json
//     --deploy-cmd /opt/app/redeploy {image} --inspect-cmd /opt/app/running-image
//   or, swapping a container through the Docker Engine API itself:
//     --docker-container mol-tenant-acme --docker-keep mol-db-acme
//     --docker-health-url http://127.0.0.1:8080/healthz
//
// The token comes from ROLLCALL_AGENT_TOKEN (preferred: argv is visible to
// every local user) or --token. Arguments of a command that start with '-'
// are given as --deploy-cmd=-x; each occurrence adds arguments in order.
//
// Proof: the agent reports a running image only when something showed it:
// the deploy command printing `ROLLCALL_RUNNING_IMAGE=<image>` on stdout, or
// --inspect-cmd printing the image (its last line). Otherwise it answers
// running_image null and the control plane records the tenant OffTarget.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <tuple>

#include "runtime/build_info.h"
#include "runtime/cli_docs.h"
#include "runtime/duration_flag.h"
#include "agent/agent_http.h"
#include "core/listen_address.h"
#include "httpd/server_flags.h"
#include "core/docker_settings.h"
#include "runtime/daemon_limits.h"
#include "runtime/secret_file.h"
#include "runtime/shutdown_signals.h"

namespace rollcall {
namespace {

struct Flags {
  std::string listen = "127.0.0.1:7701";
  std::string token;
  bool insecure_no_token = false;
  std::vector<std::string> deploy_cmd;
  std::vector<std::string> inspect_cmd;
  std::string state_file;
  double deploy_timeout_s = 300;
  std::vector<std::string> pass_env;
  httpd::ServerFlags server;
  // docker mode
  std::string docker_container;
  std::string docker_host = std::string(kDefaultDockerHost);
  std::string docker_health_url;
  std::vector<std::string> docker_keep;
  int64_t docker_stop_grace_s = 10;
  double docker_health_timeout_s = 60;
  std::string registry_username;
  std::string registry_password_file;
};

void AddFlags(CLI::App& app, Flags& f) {
  httpd::AddServerFlags(app, f.server);
  app.add_option("--listen", f.listen, "HOST:PORT to serve on (port 0 picks a free one)")
      ->capture_default_str();
  app.add_option("--token", f.token, "bearer token callers must present")
      ->envname("ROLLCALL_AGENT_TOKEN");
  app.add_flag("--insecure-no-token", f.insecure_no_token, "serve without authentication");
  app.add_option("--deploy-cmd", f.deploy_cmd,
                 "deploy argv template, e.g. /opt/app/redeploy {image}; placeholders {image} {tag} "
                 "{git_sha} {release_seq} {rollout_id}. It proves what runs by printing "
                 "ROLLCALL_RUNNING_IMAGE=<image> on stdout")
      ->allow_extra_args();
  app.add_option("--inspect-cmd", f.inspect_cmd,
                 "argv printing the image that runs now (no placeholders), e.g. docker inspect "
                 "--format={{.Config.Image}} app; without it and without the marker line the "
                 "agent reports no running image")
      ->allow_extra_args();
  app.add_option("--pass-env", f.pass_env,
                 "environment variable the commands inherit (repeatable; they get PATH, HOME, "
                 "LANG and a few more otherwise)");
  app.add_option("--docker-container", f.docker_container,
                 "docker mode, instead of --deploy-cmd: swap this container onto the new image through "
                 "the Docker Engine API, keeping its configuration, and put it back when it fails");
  app.add_option("--docker-host", f.docker_host, "the Engine API: unix:///path (tcp://127.0.0.1:PORT for loopback)")
      ->capture_default_str();
  app.add_option("--docker-health-url", f.docker_health_url,
                 "the swap's health gate besides the container staying up, e.g. http://127.0.0.1:8080/healthz");
  app.add_option("--docker-health-timeout", f.docker_health_timeout_s,
                 "seconds the new container gets to turn healthy before the swap is undone")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--docker-keep", f.docker_keep, "a container the swap never touches (repeatable)");
  app.add_option("--docker-stop-grace", f.docker_stop_grace_s, "seconds the old container gets to stop")
      ->capture_default_str();
  app.add_option("--registry-username", f.registry_username, "registry user for docker pulls");
  app.add_option("--registry-password-file", f.registry_password_file, "file holding that user's password");
  app.add_option("--state-file", f.state_file, "where the running image and release_seq persist");
  app.add_option("--deploy-timeout", f.deploy_timeout_s, "how long before a deploy is killed (300, 5m)")
      ->transform(DurationSeconds())
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

// Docker mode's flags, checked as the tenant's "docker" settings are; the
// message names the flag.
Result<AgentDockerOptions> DockerOptionsOf(const Flags& f) {
  DockerSettings settings;
  settings.host = f.docker_host;
  settings.container = f.docker_container;
  settings.keep = f.docker_keep;
  settings.stop_grace_s = f.docker_stop_grace_s;
  if (Status s = ValidateDockerSettings(settings, {}, ""); !s.ok()) {
    std::string message = s.message();
    for (const auto& [field, flag] : {std::pair{"docker.host", "--docker-host"}, {"docker.container", "--docker-container"},
                                      {"docker.keep", "--docker-keep"}, {"docker.stop_grace_s", "--docker-stop-grace"},
                                      {"docker.tls", "--docker-host"}}) {
      if (message.rfind(field, 0) == 0) {
        message = flag + message.substr(std::string(field).size());
        break;
      }
    }
    return Status::Invalid(message);
  }
  if (!f.docker_health_url.empty() && f.docker_health_url.rfind("http://", 0) != 0 &&
      f.docker_health_url.rfind("https://", 0) != 0) {
    return Status::Invalid("--docker-health-url: must be an http:// or https:// URL");
  }
  AgentDockerOptions docker;
  docker.host = f.docker_host;
  docker.target.container = f.docker_container;
  docker.target.keep = f.docker_keep;
  docker.target.stop_grace_s = f.docker_stop_grace_s;
  docker.health_url = f.docker_health_url;
  docker.health_timeout = SecondsToDuration(f.docker_health_timeout_s);
  docker.registry_username = f.registry_username;
  if (!f.registry_password_file.empty()) {
    Result<std::string> password = ReadSecretFile(f.registry_password_file, "--registry-password-file");
    if (!password.ok()) return password.status();
    docker.registry_password = *password;
  }
  return docker;
}

// Returns the options, or prints why not and returns nullopt.
std::optional<AgentServerOptions> ToOptions(const Flags& f) {
  if (f.token.empty() && !f.insecure_no_token) {
    std::fprintf(stderr,
                 "no token: set ROLLCALL_AGENT_TOKEN or --token (or --insecure-no-token to "
                 "serve without authentication)\n");
    return std::nullopt;
  }
  Result<std::pair<std::string, int>> address = ParseListenAddress(f.listen);
  if (!address.ok()) {
    std::fprintf(stderr, "%s\n", address.status().message().c_str());
    return std::nullopt;
  }
  if (f.deploy_cmd.empty() == f.docker_container.empty()) {
    std::fprintf(stderr, "give exactly one of --deploy-cmd and --docker-container\n");
    return std::nullopt;
  }
  // An unknown placeholder would fail every deploy: refuse to start instead.
  // The inspect command also runs on its own (GET /v1/state): none at all.
  const PlaceholderValues deploy_known = AgentPlaceholders(AgentDeployRequest{});
  for (const auto& [flag, argv, known] : {std::tuple{"--deploy-cmd", &f.deploy_cmd, deploy_known},
                                          std::tuple{"--inspect-cmd", &f.inspect_cmd, PlaceholderValues{}}}) {
    if (auto checked = SubstituteArgv(*argv, known); !checked.ok()) {
      std::fprintf(stderr, "%s: %s\n", flag, checked.status().message().c_str());
      return std::nullopt;
    }
  }
  AgentServerOptions options;
  options.server.host = address->first;
  options.server.port = static_cast<uint16_t>(address->second);
  const size_t open_files = RaiseOpenFileLimit();
  httpd::ApplyServerFlags(f.server, open_files, options.server);
  std::fprintf(stderr, "rollcall-agent: serving up to %zu connections, %zu per client address (open-file limit %zu)\n",
               options.server.max_connections, options.server.max_connections_per_peer, open_files);
  options.token = f.token;
  options.commands = ExecCommands{f.deploy_cmd, f.inspect_cmd};
  options.deploy_timeout = SecondsToDuration(f.deploy_timeout_s);
  options.limits.pass_env = f.pass_env;
  if (!f.docker_container.empty()) {
    Result<AgentDockerOptions> docker = DockerOptionsOf(f);
    if (!docker.ok()) {
      std::fprintf(stderr, "%s\n", docker.status().message().c_str());
      return std::nullopt;
    }
    options.docker = std::move(docker).value();
  }
  return options;
}

// Serves until SIGINT or SIGTERM. Signals are taken by this thread alone
// (sigwait); the server runs on another.
int ServeUntilSignalled(AgentServer& server) {
  std::thread serving([&] { server.Serve(); });
  const int sig = WaitForShutdownSignal();
  std::fprintf(stderr, "rollcall-agent: signal %d, stopping\n", sig);
  server.Stop();
  serving.join();
  return 0;
}

int Run(const Flags& flags) {
  std::optional<AgentServerOptions> options = ToOptions(flags);
  if (!options) return 2;
  Result<std::unique_ptr<AgentService>> service = AgentService::Open(flags.state_file);
  if (!service.ok()) {
    std::fprintf(stderr, "%s\n", service.status().message().c_str());
    return 1;
  }
  AgentServer server(**service, *options);
  Result<int> port = server.Bind();
  if (!port.ok()) {
    std::fprintf(stderr, "%s\n", port.status().message().c_str());
    return 1;
  }
  std::printf("listening on %s:%d\n", options->server.host.c_str(), *port);
  std::fflush(stdout);
  return ServeUntilSignalled(server);
}

}  // namespace
}  // namespace rollcall

int main(int argc, char** argv) {
  rollcall::BlockShutdownSignals();  // before any thread exists

  CLI::App app{"rollcall-agent: redeploys this tenant host on request"};
  rollcall::Flags flags;
  rollcall::AddFlags(app, flags);
  app.set_version_flag("--version", rollcall::VersionText("rollcall-agent"));
  if (std::optional<int> done = rollcall::ParseCommandLine(app, "rollcall-agent", argc, argv)) return *done;
  // Commands get a clean environment anyway (spawn.h); the token goes too.
  unsetenv("ROLLCALL_AGENT_TOKEN");
  try {
    return rollcall::Run(flags);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rollcall-agent: %s\n", e.what());
    return 1;
  }
}
