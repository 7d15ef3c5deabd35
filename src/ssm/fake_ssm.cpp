#include "ssm/fake_ssm.h"

#include <fmt/format.h>

#include <sstream>

#include "httpd/http_server.h"
#include "ssm/sigv4.h"

namespace rollcall {
namespace {

constexpr size_t kSsmOutputLimit = 24000;  // what SSM keeps of an invocation's output
const char* kImdsSecret = "imds/secret/0123456789abcdefghij";
const char* kImdsToken = "imds-session-token-0123456789";
const char* kImdsApiToken = "imds-v2-api-token";

httpd::HttpResponse AwsError(int status, const std::string& type, const std::string& message) {
  return httpd::HttpResponse::Json(status, Json{{"__type", type}, {"message", message}}.dump());
}

std::string LastWord(const std::string& line) {
  std::istringstream words(line);
  std::string word, last;
  while (words >> word) last = word;
  return last;
}

}  // namespace

struct FakeSsm::Impl {
  std::string access_key, secret;
  std::mutex mu;
  std::map<std::string, FakeSsmInstance> instances;  // guarded by mu
  std::vector<FakeSsmCommand> sent;                  // guarded by mu
  std::map<std::string, int> polls;                  // command id -> GetCommandInvocation calls; guarded by mu
  std::map<std::string, int> throttles_left;         // "op instance" -> throttling still to answer; guarded by mu
  std::vector<std::string> cancelled;                // guarded by mu
  std::map<std::string, int> calls;                  // guarded by mu
  int bad_signatures = 0, throttled = 0, token_requests = 0;  // guarded by mu
  std::unique_ptr<httpd::HttpServer> ssm, imds;
  std::thread ssm_thread, imds_thread;

  httpd::HttpResponse Ssm(const httpd::HttpRequest& r) {
    SigV4Request signed_request{r.method, r.path, "", r.headers, r.body};
    const std::string* token = r.Header("X-Amz-Security-Token");
    const bool from_imds = token != nullptr;
    if (from_imds && *token != kImdsToken) return Bad("X-Amz-Security-Token: unknown");
    if (Status s = VerifySigV4(signed_request, from_imds ? kImdsSecret : secret, "ssm"); !s.ok()) return Bad(s.message());
    Result<SigV4Authorization> auth = ParseSigV4Authorization(*r.Header("Authorization"));
    if (auth->access_key_id != (from_imds ? std::string("ASIAFAKEIMDS0000001") : access_key)) {
      return Bad("unknown access key");
    }
    const std::string* target = r.Header("X-Amz-Target");
    Json body = Json::parse(r.body, nullptr, false);
    if (target == nullptr || !body.is_object()) return AwsError(400, "ValidationException", "no target or no JSON");
    const std::string op = target->substr(target->find('.') + 1);
    std::lock_guard lock(mu);
    ++calls[op];
    std::string instance = body.value("InstanceId", "");
    const Json ids = body.value("InstanceIds", Json::array());
    if (instance.empty() && ids.is_array() && !ids.empty() && ids[0].is_string()) instance = ids[0];
    FakeSsmInstance& script = instances[instance];
    const std::string key = op + " " + instance;
    if (!throttles_left.count(key)) throttles_left[key] = script.throttles;
    if (throttles_left[key] > 0) {
      --throttles_left[key];
      ++throttled;
      return AwsError(400, "ThrottlingException", "Rate exceeded");
    }
    throttles_left.erase(key);  // the next call meets the throttling again
    if (op == "SendCommand") return Send(body, instance);
    if (op == "GetCommandInvocation") return Get(body.value("CommandId", ""), instance);
    if (op == "CancelCommand") {
      cancelled.push_back(body.value("CommandId", ""));
      return httpd::HttpResponse::Json(200, "{}");
    }
    return AwsError(400, "UnknownOperationException", op);
  }

  httpd::HttpResponse Bad(const std::string& why) {
    std::lock_guard lock(mu);
    ++bad_signatures;
    return AwsError(400, "AccessDeniedException", "signature: " + why);
  }

  httpd::HttpResponse Send(const Json& body, const std::string& instance) {  // mu held
    FakeSsmCommand c;
    c.command_id = fmt::format("cmd-{:04}", sent.size() + 1);
    c.instance_id = instance;
    c.document = body.value("DocumentName", "");
    c.comment = body.value("Comment", "");
    const Json params = body.value("Parameters", Json::object());
    c.commands = params.value("commands", std::vector<std::string>{});
    const Json timeout = params.value("executionTimeout", Json::array());
    if (timeout.is_array() && !timeout.empty() && timeout[0].is_string()) c.execution_timeout = timeout[0];
    sent.push_back(c);
    return httpd::HttpResponse::Json(200, Json{{"Command", {{"CommandId", c.command_id}}}}.dump());
  }

  httpd::HttpResponse Get(const std::string& id, const std::string& instance) {  // mu held
    const FakeSsmCommand* c = nullptr;
    for (const auto& s : sent) {
      if (s.command_id == id && s.instance_id == instance) c = &s;
    }
    if (c == nullptr) return AwsError(400, "InvocationDoesNotExist", id);
    FakeSsmInstance& script = instances[instance];
    const int n = ++polls[id];
    const bool inspect = c->comment.rfind("rollcall inspect", 0) == 0;
    bool cancelled_it = false;
    for (const auto& x : cancelled) cancelled_it = cancelled_it || x == id;
    if (cancelled_it) return httpd::HttpResponse::Json(200, Json{{"Status", "Cancelled"}, {"StatusDetails", "Cancelled"}}.dump());
    if (!inspect && (script.in_progress_polls < 0 || n <= script.in_progress_polls)) {
      return httpd::HttpResponse::Json(200, Json{{"Status", "InProgress"}, {"StatusDetails", "InProgress"},
                                                 {"ResponseCode", -1}}.dump());
    }
    Json answer = {{"CommandId", id}, {"InstanceId", instance}};
    if (inspect) {
      answer.update({{"Status", "Success"}, {"StatusDetails", "Success"}, {"ResponseCode", 0},
                     {"StandardOutputContent", script.image + "\n"}, {"StandardErrorContent", ""}});
      return httpd::HttpResponse::Json(200, answer.dump());
    }
    std::string out(script.output_padding, '.');
    if (script.status == "Success" && !c->commands.empty()) {
      script.image = LastWord(c->commands.front());
      if (script.marker) out += "\nROLLCALL_RUNNING_IMAGE=" + script.image + "\n";
    }
    if (out.size() > kSsmOutputLimit) out.resize(kSsmOutputLimit);
    answer.update({{"Status", script.status},
                   {"StatusDetails", script.details.empty() ? script.status : script.details},
                   {"ResponseCode", script.response_code},
                   {"StandardOutputContent", out},
                   {"StandardErrorContent", script.status == "Success" ? "" : "it went wrong"}});
    return httpd::HttpResponse::Json(200, answer.dump());
  }

  httpd::HttpResponse Imds(const httpd::HttpRequest& r) {
    std::lock_guard lock(mu);
    if (r.method == "PUT" && r.path == "/latest/api/token") {
      if (r.Header("X-aws-ec2-metadata-token-ttl-seconds") == nullptr) return httpd::HttpResponse::Text(400, "ttl");
      ++token_requests;
      return httpd::HttpResponse::Text(200, kImdsApiToken);
    }
    const std::string* token = r.Header("X-aws-ec2-metadata-token");
    if (token == nullptr || *token != kImdsApiToken) return httpd::HttpResponse::Text(401, "IMDSv2 token required");
    if (r.path == "/latest/meta-data/iam/security-credentials/") return httpd::HttpResponse::Text(200, "rollcall-role");
    if (r.path == "/latest/meta-data/iam/security-credentials/rollcall-role") {
      return httpd::HttpResponse::Json(200, Json{{"Code", "Success"}, {"AccessKeyId", "ASIAFAKEIMDS0000001"},
                                                 {"SecretAccessKey", kImdsSecret}, {"Token", kImdsToken},
                                                 {"Expiration", "2099-01-01T00:00:00Z"}}.dump());
    }
    return httpd::HttpResponse::Text(404, "not found");
  }
};

namespace {

std::unique_ptr<httpd::HttpServer> Serve(std::function<httpd::HttpResponse(const httpd::HttpRequest&)> fn,
                                         std::thread& thread) {
  auto server = std::make_unique<httpd::HttpServer>(httpd::ServerOptions{}, [fn](const httpd::HttpRequest&) {
    httpd::Route route;
    route.body_limit = 1 << 20;
    route.dispatch = httpd::Dispatch::kWorker;
    route.handler = [fn](const httpd::HttpRequest& r, httpd::Responder out) { out.Send(fn(r)); };
    return route;
  });
  if (!server->Bind().ok()) return nullptr;
  httpd::HttpServer* raw = server.get();
  thread = std::thread([raw] { (void)raw->Run(); });
  return server;
}

}  // namespace

FakeSsm::FakeSsm(std::string access_key_id, std::string secret_access_key) : impl_(std::make_unique<Impl>()) {
  impl_->access_key = std::move(access_key_id);
  impl_->secret = std::move(secret_access_key);
  Impl* impl = impl_.get();
  impl_->ssm = Serve([impl](const httpd::HttpRequest& r) { return impl->Ssm(r); }, impl_->ssm_thread);
  impl_->imds = Serve([impl](const httpd::HttpRequest& r) { return impl->Imds(r); }, impl_->imds_thread);
}

FakeSsm::~FakeSsm() {
  for (auto* s : {impl_->ssm.get(), impl_->imds.get()}) {
    if (s) s->Stop();
  }
  for (auto* t : {&impl_->ssm_thread, &impl_->imds_thread}) {
    if (t->joinable()) t->join();
  }
}

std::string FakeSsm::url() const { return fmt::format("http://127.0.0.1:{}/", impl_->ssm ? impl_->ssm->port() : 0); }
std::string FakeSsm::metadata_url() const {
  return fmt::format("http://127.0.0.1:{}", impl_->imds ? impl_->imds->port() : 0);
}

void FakeSsm::Script(const std::string& instance_id, FakeSsmInstance script) {
  std::lock_guard lock(impl_->mu);
  impl_->instances[instance_id] = std::move(script);
}

FakeSsmInstance FakeSsm::Instance(const std::string& instance_id) {
  std::lock_guard lock(impl_->mu);
  return impl_->instances[instance_id];
}

std::vector<FakeSsmCommand> FakeSsm::sent() {
  std::lock_guard lock(impl_->mu);
  return impl_->sent;
}

std::vector<std::string> FakeSsm::cancelled() {
  std::lock_guard lock(impl_->mu);
  return impl_->cancelled;
}

int FakeSsm::bad_signatures() {
  std::lock_guard lock(impl_->mu);
  return impl_->bad_signatures;
}

int FakeSsm::throttled() {
  std::lock_guard lock(impl_->mu);
  return impl_->throttled;
}

int FakeSsm::calls(const std::string& op) {
  std::lock_guard lock(impl_->mu);
  return impl_->calls[op];
}

int FakeSsm::metadata_token_requests() {
  std::lock_guard lock(impl_->mu);
  return impl_->token_requests;
}

}  // namespace rollcall
