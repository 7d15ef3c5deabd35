// rollcall-sim: a fleet of simulated tenants behind one HTTP port (DESIGN §7).
//
// Exit codes: 0 after SIGTERM/SIGINT, 1 when the server cannot start or
// fails, 2 for a bad flag (one line on stderr naming it).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "runtime/build_info.h"
#include "runtime/cli_docs.h"
#include "httpd/server_flags.h"
#include "runtime/daemon_limits.h"
#include "runtime/shutdown_signals.h"
#include "sim/agent_api.h"
#include "sim/sim_config.h"
#include "sim/sim_service.h"

namespace {

using rollcall::Status;
using rollcall::sim::SimConfig;

void AddFlags(CLI::App& app, SimConfig& config, rollcall::httpd::ServerFlags& server) {
  rollcall::httpd::AddServerFlags(app, server);
  app.add_option_function<int64_t>(
      "--tenants", [&config](int64_t n) { config.tenants = n; }, "number of tenants t0000...");
  app.add_option_function<std::string>(
      "--names", [&config](const std::string& s) { config.names = s; },
      "comma-separated tenant slugs instead of t0000...");
  app.add_option("--listen", config.listen, "HOST:PORT to serve on (port 0 picks a free one)");
  app.add_option("--agent-token", config.agent_token, "bearer token the agent routes require");
  app.add_option("--initial-image", config.initial_image, "image every tenant starts on");
  app.add_option("--initial-sha", config.initial_sha, "git sha every tenant starts on");
  auto* ms = app.add_option_function<double>(
      "--deploy-ms", [&config](double v) { config.deploy_ms = v; }, "fixed deploy time (200)");
  auto* dist = app.add_option_function<std::string>(
      "--deploy-dist", [&config](const std::string& s) { config.deploy_dist = s; },
      "deploy time distribution lognormal:MEDIAN_MS:SIGMA");
  ms->excludes(dist);
  app.add_option("--seed", config.seed, "seed of the deploy-time draws")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--fault", config.faults,
                 "SLUG=KIND[:ARG]: dead, stuck, unhealthy, slow:S, "
                 "flaky:K, lag:S, crash, revert:S (repeatable)");
  app.add_option("--tenants-out", config.tenants_out,
                 "write the POST /v1/tenants:bulk body for this fleet to FILE");
}

// Writes via a temporary file and a rename, so a reader that sees the file
// sees all of it.
Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) return Status::Unavailable(fmt::format("--tenants-out: cannot write {}", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::Unavailable(fmt::format("--tenants-out: cannot rename {} to {}", tmp, path));
  }
  return Status::Ok();
}

// A wildcard bind is reachable on loopback; URLs need a concrete address.
std::string ReachableHost(const std::string& host) {
  if (host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

int Fail(int code, const std::string& message) {
  fmt::print(stderr, "rollcall-sim: {}\n", message);
  return code;
}

int Serve(const SimConfig& config, rollcall::sim::Fleet& fleet,
          const rollcall::httpd::ServerFlags& flags) {
  auto listen = rollcall::sim::ParseListenAddress(config.listen);  // validated by MakeFleet
  rollcall::httpd::ServerOptions options;
  options.host = listen->host;
  options.port = listen->port;
  // Every tenant's agent traffic comes from one control plane: no per-peer
  // share below the whole cap.
  rollcall::httpd::ServerFlags sim_flags = flags;
  if (sim_flags.max_connections_per_peer == 0) sim_flags.max_connections_per_peer = flags.max_connections;
  const size_t open_files = rollcall::RaiseOpenFileLimit();
  rollcall::httpd::ApplyServerFlags(sim_flags, open_files, options);
  fmt::print(stderr, "rollcall-sim: serving up to {} connections (open-file limit {})\n",
             options.max_connections, open_files);
  rollcall::sim::SimServer server(fleet, options, config.agent_token);
  if (Status s = server.Bind(); !s.ok()) return Fail(1, "--listen: " + s.message());
  const std::string host = ReachableHost(listen->host);
  if (!config.tenants_out.empty()) {
    Status s = WriteFileAtomically(
        config.tenants_out,
        rollcall::sim::TenantsOutJson(fleet.config().slugs, host, server.port()));
    if (!s.ok()) return Fail(1, s.message());
  }
  const bool v6 = listen->host.find(':') != std::string::npos;
  fmt::print("listening on {}:{}\n", v6 ? "[" + listen->host + "]" : listen->host, server.port());
  std::fflush(stdout);
  // Signals are taken by this thread alone; the server runs on another.
  Status run = Status::Ok();
  std::thread serving([&] { run = server.Run(); });
  rollcall::WaitForShutdownSignal();
  server.Stop();
  serving.join();
  return run.ok() ? 0 : Fail(1, run.message());
}

}  // namespace

int main(int argc, char** argv) {
  rollcall::BlockShutdownSignals();  // before any thread exists
  CLI::App app{"rollcall-sim: a simulated fleet of single-tenant instances"};
  SimConfig config;
  rollcall::httpd::ServerFlags server_flags;
  AddFlags(app, config, server_flags);
  app.set_version_flag("--version", rollcall::VersionText("rollcall-sim"));
  if (std::optional<int> done = rollcall::ParseCommandLine(app, "rollcall-sim", argc, argv)) return *done;
  auto fleet = rollcall::sim::MakeFleet(config);
  if (!fleet.ok()) return Fail(2, fleet.status().message());
  return Serve(config, **fleet, server_flags);
}
