// Stack: a real rollcall-sim and a real rollcalld on loopback, wired
// together, for the control plane's integration tests.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <thread>
#include <string>
#include <vector>

#include "harness.h"

namespace rollcall::it {

inline constexpr const char* kAdmin = "it-admin-token";
inline constexpr const char* kRead = "it-read-token";
inline constexpr const char* kRepo = "registry.it/app";

struct SimOptions {
  int tenants = 10;
  std::vector<std::string> faults{};  // "t0003=stuck"
  std::string deploy_ms{"20"};
  // New fields go at the end: call sites use designated initializers.
  // rollcalld's --image-repo (and the sim's initial image's repository);
  // empty: kRepo.
  std::string image_repo{};
  // Extra rollcalld arguments, after the defaults (do not repeat one of
  // them: single-value flags refuse a second value), e.g.
  // {"--registry-url", "http://127.0.0.1:5000", "--registry-insecure"}.
  std::vector<std::string> server_args{};
  // Extra rollcalld environment; wins over the tokens Stack sets.
  std::map<std::string, std::string> server_env{};
  // The simulator's --deploy-dist (e.g. "lognormal:400:0.5"); wins over
  // deploy_ms when set.
  std::string deploy_dist{};
};

class Stack {
 public:
  // Starts rollcall-sim (when sim.tenants > 0) and rollcalld on `db` (a
  // fresh file in a temp dir when empty), and registers the sim's tenants.
  explicit Stack(const SimOptions& sim, std::string db = "");
  ~Stack();

  // Restarts rollcalld on the same database (after Kill9Server()).
  void StartServer();
  void Kill9Server();
  // Kill -9, then start again on the same database with `server_args`
  // instead of the ones given at construction.
  void RestartServerWith(std::vector<std::string> server_args);

  // Another rollcalld on the same database and arguments (a standby when
  // the database is PostgreSQL); `at` gets its address.
  std::unique_ptr<ChildProcess> StartAnotherServer(Endpoint* at);
  ChildProcess* server_process() { return server_process_.get(); }

  // Admin-authenticated JSON calls to rollcalld.
  HttpReply Get(const std::string& path, const std::string& token = kAdmin);
  HttpReply Post(const std::string& path, const std::string& body, const std::string& token = kAdmin);
  HttpReply Send(const std::string& method, const std::string& path, const std::string& body,
                 const HttpHeaders& headers);

  // POST /v1/rollouts and returns the id (fails the test otherwise).
  std::string StartRollout(const std::string& body);
  // Polls GET /v1/rollouts/{id} until it is finished; returns it.
  nlohmann::json WaitFinished(const std::string& id, Deadline deadline = After(std::chrono::seconds(60)));
  // GET /sim/v1/state of the simulator.
  nlohmann::json SimState();

  const Endpoint& server() const { return server_; }
  const Endpoint& sim() const { return sim_; }
  const std::string& db() const { return db_; }
  const std::string& dir() const { return dir_; }
  // The image repository rollcalld was started with ("<repo>:<tag>" targets).
  const std::string& image_repo() const { return image_repo_; }

 private:
  SimOptions options_;
  std::string image_repo_;
  std::string dir_;
  std::string db_;
  std::unique_ptr<ChildProcess> sim_process_;
  std::unique_ptr<ChildProcess> server_process_;
  Endpoint sim_;
  Endpoint server_;

  std::unique_ptr<ChildProcess> LaunchServer(Endpoint* at);
};

// POST /v1/rollouts body for `tag` (git_sha abc1234, `seq`) under `policy`.
std::string RolloutBody(const nlohmann::json& policy, const std::string& tag = "v1", int seq = 1);

// One event of a rollout's SSE stream.
struct StreamEvent {
  int64_t id = 0;
  std::string type;
  nlohmann::json data;
};
// GET /v1/rollouts/{id}/events of a finished rollout (the stream ends after
// the final event), parsed.
std::vector<StreamEvent> ReadEvents(Stack& s, const std::string& id);
// How many tenant_finished events name `slug`.
int FinishedEventsFor(const std::vector<StreamEvent>& events, const std::string& slug);

// One run of the `rollcall` CLI binary `bin`, to completion: short retry
// delays, CI annotations off unless `env` says otherwise.
struct CliRun {
  int exit = -1;
  std::string out, err;
};
CliRun RunCliBinary(const std::string& bin, std::vector<std::string> args, std::map<std::string, std::string> env = {},
                    Deadline deadline = After(std::chrono::seconds(120)));

// Writes an executable `#!/bin/sh` script into `dir`; returns its path.
std::string WriteScript(const std::string& dir, const std::string& name, const std::string& body);
// The lines of a text file (empty when it does not exist).
std::vector<std::string> ReadLines(const std::string& path);

// Polls `done` until it holds or the deadline passes; the last answer.
template <typename Fn>
bool PollUntil(Fn done, Deadline deadline) {
  while (SteadyClock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll interval, bounded
  }
  return done();
}

// The status of row `slug` in a rollout JSON ("" when absent).
std::string StatusOf(const nlohmann::json& rollout, const std::string& slug);
const nlohmann::json* RowOf(const nlohmann::json& rollout, const std::string& slug);

}  // namespace rollcall::it
