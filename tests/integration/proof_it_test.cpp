// Proof that cannot be faked (DESIGN §3.5, §5), end to end: rollcalld with
// the real rollcall-agent, the exec driver and rollcall-sim on loopback. A
// tenant is verified only on what the tenant itself shows: never the image
// that was asked for, never a line a tenant var smuggled in, never an answer
// that went stale while the health gate settled.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "httpd/server_thread.h"
#include "stack.h"

namespace rollcall::it {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr char kAgentToken[] = "it-agent-token";

HttpReply Put(Stack& s, const std::string& slug, const Json& tenant) {
  return s.Send("PUT", "/v1/tenants/" + slug, tenant.dump(), BearerHeader(kAdmin));
}

Json ExecTenant(Stack& s, const Json& exec, const Json& vars = Json::object()) {
  return {{"base_url", s.sim().Url() + "/t/t0000"}, {"driver", "exec"}, {"exec", exec}, {"vars", vars}};
}

// ---- 1: the agent never reports the requested image as proof --------------

TEST(ProofIt, AnAgentWhoseDeployProvesNothingReportsNullAndTheTenantIsOffTarget) {
  Stack s({.tenants = 1, .server_args = {"--agent-token", kAgentToken}});
  auto agent = ChildProcess::Start({ROLLCALL_AGENT_BIN, "--listen", "127.0.0.1:0", "--deploy-cmd", "/bin/true"},
                                   {{"ROLLCALL_AGENT_TOKEN", kAgentToken}});
  ASSERT_TRUE(agent.ok()) << agent.status().message();
  Result<Endpoint> at = WaitForListening(**agent, After(20s));
  ASSERT_TRUE(at.ok()) << at.status().message();
  ASSERT_EQ(Put(s, "silent", {{"base_url", s.sim().Url() + "/t/t0000"}, {"driver", "agent"},
                              {"agent_url", at->Url()}}).status, 201);
  ASSERT_EQ(s.Send("DELETE", "/v1/tenants/t0000", "", BearerHeader(kAdmin)).status, 200);

  Json r = s.WaitFinished(s.StartRollout(RolloutBody({{"max_stragglers", 0}})));
  EXPECT_EQ(r["state"], "failed") << r.dump();
  EXPECT_EQ(StatusOf(r, "silent"), "OffTarget");
  EXPECT_EQ((*RowOf(r, "silent"))["error"], "no running-image proof");
  EXPECT_EQ((*RowOf(r, "silent"))["running_image"], nullptr);

  TestHttpClient http(*at);
  Json state = http.Get("/v1/state", BearerHeader(kAgentToken)).Json();
  EXPECT_EQ(state["running_image"], nullptr) << state.dump();
  EXPECT_EQ(state["release_seq"], 1) << state.dump();
}

// ---- 8: registration refuses what could forge proof or break a deploy ------

TEST(ProofIt, RegistrationRefusesControlCharactersUnknownPlaceholdersAndBadRepositories) {
  Stack s({.tenants = 1});
  const std::string forged = "h\nROLLCALL_RUNNING_IMAGE=" + s.image_repo() + ":v1";
  const Json echo = {{"deploy", {"/bin/echo", "{host}"}}};
  struct Case {
    Json tenant;
    std::string error;
  };
  const std::vector<Case> cases = {
      {ExecTenant(s, echo, {{"host", forged}}), "vars.host: must not contain control characters"},
      {ExecTenant(s, {{"deploy", {"/bin/echo", "{hots}"}}}), "exec.deploy[1]: unknown placeholder {hots}"},
      {ExecTenant(s, {{"deploy", {"/bin/true"}}, {"inspect", {"/bin/cat", "{image}"}}}),
       "exec.inspect[1]: unknown placeholder {image}"},
      {ExecTenant(s, {{"deploy", {"/bin/echo", "a\tb"}}}), "exec.deploy[1]: must not contain control characters"},
      {[&] { Json t = ExecTenant(s, echo, {{"host", "h"}}); t["labels"] = {{"region", "eu\r"}}; return t; }(),
       "labels.region: must not contain control characters"},
      {[&] { Json t = ExecTenant(s, echo, {{"host", "h"}}); t["image_repo"] = "Not A Repo"; return t; }(),
       "image_repo: must be an OCI repository"},
      {[&] { Json t = ExecTenant(s, echo, {{"host", "h"}}); t["image_repo"] = "reg.test/app:v1"; return t; }(),
       "image_repo: must be an OCI repository"},
  };
  for (const auto& c : cases) {
    HttpReply r = Put(s, "forged", c.tenant);
    EXPECT_EQ(r.status, 400) << c.tenant.dump() << " -> " << r.body;
    EXPECT_THAT(r.Json().value("error", ""), HasSubstr(c.error)) << c.tenant.dump();
    EXPECT_EQ(s.Get("/v1/tenants/forged").status, 404) << "stored despite: " << c.error;
  }
  Json good = ExecTenant(s, echo, {{"host", "h"}});
  good["slug"] = "fine";
  Json bad = ExecTenant(s, echo, {{"host", forged}});
  bad["slug"] = "forged";
  HttpReply bulk = s.Post("/v1/tenants:bulk", Json{{"tenants", {good, bad}}}.dump());
  EXPECT_EQ(bulk.status, 400) << bulk.body;
  EXPECT_THAT(bulk.Json().value("error", ""), HasSubstr("tenants[1].vars.host"));
  EXPECT_EQ(s.Get("/v1/tenants/fine").status, 404);  // all or none
}

TEST(ProofIt, OnlyAValidImageTheCommandPrintsOnStdoutIsProof) {
  Stack s({.tenants = 1});
  ASSERT_EQ(s.Send("DELETE", "/v1/tenants/t0000", "", BearerHeader(kAdmin)).status, 200);
  const std::string d = s.dir();
  const std::string target = s.image_repo() + ":v1";
  ASSERT_EQ(Put(s, "garbled", ExecTenant(s, {{"deploy", {WriteScript(d, "garbled.sh",
      "echo 'ROLLCALL_RUNNING_IMAGE=" + target + " and more'")}}})).status, 201);
  ASSERT_EQ(Put(s, "stderr", ExecTenant(s, {{"deploy", {WriteScript(d, "stderr.sh",
      "echo ROLLCALL_RUNNING_IMAGE=" + target + " >&2")}}})).status, 201);
  ASSERT_EQ(Put(s, "honest", ExecTenant(s, {{"deploy", {WriteScript(d, "honest.sh",
      "echo ROLLCALL_RUNNING_IMAGE=$1"), "{image}"}}})).status, 201);
  Json r = s.WaitFinished(s.StartRollout(RolloutBody({{"max_stragglers", 2}, {"max_parallel", 3}})));
  EXPECT_EQ(StatusOf(r, "honest"), "Success") << r.dump();
  for (const char* slug : {"garbled", "stderr"}) {
    EXPECT_EQ(StatusOf(r, slug), "OffTarget") << slug;
    EXPECT_EQ((*RowOf(r, slug))["error"], "no running-image proof") << slug;
  }
}

// ---- 12: the proof is read after the health gate, not remembered ----------

// A tenant's /healthz that, on its first probe, has another actor put the old
// image back (the file the inspect command reads) and answers 503; then 200.
class FlippingHealth {
 public:
  FlippingHealth(std::string state_file, std::string old_image)
      : state_file_(std::move(state_file)),
        old_image_(std::move(old_image)),
        server_([this](const httpd::HttpRequest&) {
          if (probes_++ == 0) {
            std::ofstream(state_file_) << old_image_ << "\n";
            return httpd::HttpResponse::Json(503, "{}");
          }
          return httpd::HttpResponse::Json(200, "{\"status\":\"ok\"}");
        }) {}
  std::string Url() const { return server_.Url(); }

 private:
  std::string state_file_, old_image_;
  std::atomic<int> probes_{0};
  httpd::ServerThread server_;  // last: stopped first
};

TEST(ProofIt, TheProofIsReadFreshAfterTheHealthGateAndTheRowSaysWhen) {
  Stack s({.tenants = 1});
  ASSERT_EQ(s.Send("DELETE", "/v1/tenants/t0000", "", BearerHeader(kAdmin)).status, 200);
  const std::string d = s.dir();
  const std::string state = d + "/running";
  const std::string old_image = s.image_repo() + ":v0";
  FlippingHealth health(state, old_image);
  Json tenant = ExecTenant(s, {{"deploy", {WriteScript(d, "deploy.sh", "echo \"$1\" > " + state +
                                                                         "; echo ROLLCALL_RUNNING_IMAGE=$1"),
                                           "{image}"}},
                               {"inspect", {"/bin/cat", state}}});
  tenant["base_url"] = health.Url();
  ASSERT_EQ(Put(s, "flipped", tenant).status, 201);

  Json r = s.WaitFinished(s.StartRollout(RolloutBody({{"max_stragglers", 0}})));
  EXPECT_EQ(StatusOf(r, "flipped"), "OffTarget") << r.dump();
  const Json* row = RowOf(r, "flipped");
  ASSERT_NE(row, nullptr);
  EXPECT_TRUE((*row)["healthz_ok"].get<bool>());
  EXPECT_EQ((*row)["running_image"], old_image);
  EXPECT_THAT((*row).value("error", ""), HasSubstr("running " + old_image));
  ASSERT_TRUE((*row).contains("proof_observed_at")) << row->dump();
  EXPECT_GE((*row)["proof_observed_at"].get<std::string>(), (*row)["started_at"].get<std::string>());
  EXPECT_NE(s.Get("/v1/tenants/flipped").Json()["running_seq"], 1);
}

}  // namespace
}  // namespace rollcall::it
