// Stack: a real rollcall-sim and a real rollcalld on loopback, wired
// together, for the control plane's integration tests.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
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
};

// The status of row `slug` in a rollout JSON ("" when absent).
std::string StatusOf(const nlohmann::json& rollout, const std::string& slug);
const nlohmann::json* RowOf(const nlohmann::json& rollout, const std::string& slug);

}  // namespace rollcall::it
