#include "stack.h"

#include <httplib.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace rollcall::it {

Stack::Stack(const SimOptions& sim, std::string db)
    : options_(sim), image_repo_(sim.image_repo.empty() ? std::string(kRepo) : sim.image_repo) {
  char tmpl[] = "/tmp/rollcall-it-XXXXXX";
  dir_ = mkdtemp(tmpl);
  db_ = db.empty() ? dir_ + "/rollcall.db" : std::move(db);
  if (sim.tenants > 0) {
    std::vector<std::string> argv = {ROLLCALL_SIM_BIN, "--tenants", std::to_string(sim.tenants),
                                     "--listen", "127.0.0.1:0",
                                     sim.deploy_dist.empty() ? "--deploy-ms" : "--deploy-dist",
                                     sim.deploy_dist.empty() ? sim.deploy_ms : sim.deploy_dist,
                                     "--initial-image", image_repo_ + ":v0", "--seed", "1",
                                     "--tenants-out", dir_ + "/tenants.json"};
    for (const auto& f : sim.faults) {
      argv.push_back("--fault");
      argv.push_back(f);
    }
    auto child = ChildProcess::Start(argv);
    EXPECT_TRUE(child.ok()) << child.status().message();
    sim_process_ = std::move(child).value();
    auto at = WaitForListening(*sim_process_, After(std::chrono::seconds(20)));
    EXPECT_TRUE(at.ok()) << at.status().message();
    sim_ = *at;
  }
  StartServer();
  if (sim.tenants > 0) {
    std::ifstream in(dir_ + "/tenants.json");
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    HttpReply r = Post("/v1/tenants:bulk", body);
    EXPECT_EQ(r.status, 200) << r.body;
  }
}

Stack::~Stack() {
  server_process_.reset();
  sim_process_.reset();
  std::error_code ignored;
  if (!std::getenv("ROLLCALL_KEEP_TEST_OUTPUT")) std::filesystem::remove_all(dir_, ignored);
}

void Stack::StartServer() {
  server_process_ = LaunchServer(&server_);
}

std::unique_ptr<ChildProcess> Stack::StartAnotherServer(Endpoint* at) { return LaunchServer(at); }

std::unique_ptr<ChildProcess> Stack::LaunchServer(Endpoint* at) {
  std::vector<std::string> argv = {ROLLCALLD_BIN, "--listen", "127.0.0.1:0", "--db", db_,
                                   "--image-repo", image_repo_, "--health-interval", "0.05",
                                   "--soak", "0", "--per-tenant-timeout", "3",
                                   "--health-timeout", "3"};
  argv.insert(argv.end(), options_.server_args.begin(), options_.server_args.end());
  std::map<std::string, std::string> env = {{"ROLLCALL_ADMIN_TOKEN", kAdmin},
                                            {"ROLLCALL_READ_TOKEN", kRead}};
  for (const auto& [name, value] : options_.server_env) env[name] = value;
  auto child = ChildProcess::Start(std::move(argv), std::move(env));
  EXPECT_TRUE(child.ok()) << child.status().message();
  if (!child.ok()) return nullptr;
  auto listening = WaitForListening(**child, After(std::chrono::seconds(20)));
  EXPECT_TRUE(listening.ok()) << listening.status().message();
  if (listening.ok()) *at = *listening;
  return std::move(child).value();
}

void Stack::RestartServerWith(std::vector<std::string> server_args) {
  Kill9Server();
  options_.server_args = std::move(server_args);
  StartServer();
}

CliRun RunCliBinary(const std::string& bin, std::vector<std::string> args, std::map<std::string, std::string> env,
                    Deadline deadline) {
  args.insert(args.begin(), bin);
  env.emplace("ROLLCALL_RETRY_DELAYS", "0.01,0.01,0.01");
  env.emplace("GITHUB_ACTIONS", "");
  env.emplace("GITEA_ACTIONS", "");
  auto child = ChildProcess::Start(args, env);
  CliRun run;
  if (!child.ok()) {
    ADD_FAILURE() << child.status().message();
    return run;
  }
  Result<int> code = (*child)->Wait(deadline);
  EXPECT_TRUE(code.ok()) << "rollcall did not exit in time";
  run.exit = code.ok() ? *code : -1;
  run.out = (*child)->ReadStdout();
  run.err = (*child)->ReadStderr();
  return run;
}

void Stack::Kill9Server() {
  ASSERT_TRUE(server_process_->Kill(SIGKILL).ok());
  ASSERT_TRUE(server_process_->Wait(After(std::chrono::seconds(10))).ok());
}

HttpReply Stack::Send(const std::string& method, const std::string& path, const std::string& body,
                      const HttpHeaders& headers) {
  httplib::Client client(server_.host, server_.port);
  client.set_read_timeout(std::chrono::seconds(60));
  httplib::Headers h;
  for (const auto& [k, v] : headers) h.emplace(k, v);
  httplib::Result r = method == "GET"      ? client.Get(path.c_str(), h)
                      : method == "DELETE" ? client.Delete(path.c_str(), h)
                      : method == "PUT"    ? client.Put(path.c_str(), h, body, "application/json")
                                           : client.Post(path.c_str(), h, body, "application/json");
  HttpReply reply;
  if (!r) {
    reply.error = httplib::to_string(r.error());
    return reply;
  }
  reply.status = r->status;
  reply.body = r->body;
  reply.headers = HttpHeaders(r->headers.begin(), r->headers.end());
  return reply;
}

HttpReply Stack::Get(const std::string& path, const std::string& token) {
  return Send("GET", path, "", BearerHeader(token));
}

HttpReply Stack::Post(const std::string& path, const std::string& body, const std::string& token) {
  return Send("POST", path, body, BearerHeader(token));
}

std::string Stack::StartRollout(const std::string& body) {
  HttpReply r = Post("/v1/rollouts", body);
  EXPECT_EQ(r.status, 202) << r.body;
  return r.Json().value("id", "");
}

nlohmann::json Stack::WaitFinished(const std::string& id, Deadline deadline) {
  nlohmann::json last;
  while (SteadyClock::now() < deadline) {
    HttpReply r = Get("/v1/rollouts/" + id);
    last = r.Json();
    std::string state = last.is_object() ? last.value("state", "") : "";
    if (state == "succeeded" || state == "failed" || state == "cancelled" || state == "superseded") {
      return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval, bounded by the deadline
  }
  ADD_FAILURE() << "rollout " << id << " did not finish in time; last: " << last.dump();
  return last;
}

nlohmann::json Stack::SimState() {
  TestHttpClient client(sim_);
  return client.Get("/sim/v1/state").Json();
}

const nlohmann::json* RowOf(const nlohmann::json& rollout, const std::string& slug) {
  if (!rollout.contains("results")) return nullptr;
  for (const auto& row : rollout["results"]) {
    if (row.value("slug", "") == slug) return &row;
  }
  return nullptr;
}

std::string RolloutBody(const nlohmann::json& policy, const std::string& tag, int seq) {
  return nlohmann::json{{"release", {{"tag", tag}, {"git_sha", "abc1234"}, {"seq", seq}}}, {"policy", policy}}.dump();
}

std::vector<StreamEvent> ReadEvents(Stack& s, const std::string& id) {
  HttpReply reply = s.Get("/v1/rollouts/" + id + "/events", kRead);
  EXPECT_EQ(reply.status, 200) << reply.body;
  std::vector<StreamEvent> events;
  std::istringstream lines(reply.body);
  StreamEvent current;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("id: ", 0) == 0) current.id = std::stoll(line.substr(4));
    if (line.rfind("event: ", 0) == 0) current.type = line.substr(7);
    if (line.rfind("data: ", 0) == 0) current.data = nlohmann::json::parse(line.substr(6), nullptr, false);
    if (line.empty() && !current.type.empty()) {
      events.push_back(std::move(current));
      current = StreamEvent{};
    }
  }
  return events;
}

int FinishedEventsFor(const std::vector<StreamEvent>& events, const std::string& slug) {
  int n = 0;
  for (const auto& e : events) {
    if (e.type == "tenant_finished" && e.data.is_object() && e.data.value("slug", "") == slug) ++n;
  }
  return n;
}

std::string WriteScript(const std::string& dir, const std::string& name, const std::string& body) {
  std::string path = dir + "/" + name;
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string StatusOf(const nlohmann::json& rollout, const std::string& slug) {
  const nlohmann::json* row = RowOf(rollout, slug);
  return row ? row->value("status", row->value("ssm_status", "")) : "";
}

}  // namespace rollcall::it
