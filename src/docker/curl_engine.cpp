#include "docker/curl_engine.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>

#include "core/safe_text.h"
#include "http/curl_util.h"

namespace rollcall {
namespace {

constexpr std::string_view kApiVersion = "/v1.41";

struct CurlDeleter {
  void operator()(CURL* e) const { curl_easy_cleanup(e); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// Collects the answer; a pull's progress stream is read line by line for
// its error instead of being kept.
struct Exchange {
  CurlEngine::Answer answer;
  size_t max_body = 0;
  bool too_large = false;
  bool progress_stream = false;
  std::string partial_line;
  std::string stream_error;

  void OnLine(std::string_view line) {
    if (!stream_error.empty()) return;
    Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("error")) {
      stream_error = j["error"].is_string() ? j["error"].get<std::string>() : j["error"].dump();
    }
  }

  static size_t OnBody(char* data, size_t size, size_t count, void* self) {
    auto* x = static_cast<Exchange*>(self);
    const size_t n = size * count;
    if (!x->progress_stream) {
      if (x->answer.body.size() + n > x->max_body) {
        x->too_large = true;
        return 0;
      }
      x->answer.body.append(data, n);
      return n;
    }
    x->partial_line.append(data, n);
    size_t start = 0;
    for (size_t nl; (nl = x->partial_line.find('\n', start)) != std::string::npos; start = nl + 1) {
      x->OnLine(std::string_view(x->partial_line).substr(start, nl - start));
    }
    x->partial_line.erase(0, start);
    if (x->partial_line.size() > x->max_body) x->partial_line.clear();  // a runaway line
    return n;
  }
};

std::string Escape(CURL* e, const std::string& s) {
  char* escaped = curl_easy_escape(e, s.c_str(), static_cast<int>(s.size()));
  std::string out = escaped ? escaped : "";
  curl_free(escaped);
  return out;
}

// The engine's {"message": "..."} (or the raw body), escaped and bounded.
std::string EngineMessage(const CurlEngine::Answer& a) {
  Json j = Json::parse(a.body, nullptr, /*allow_exceptions=*/false);
  std::string text = j.is_object() && j.contains("message") && j["message"].is_string()
                         ? j["message"].get<std::string>()
                         : a.body;
  if (text.size() > 500) text = text.substr(0, 500) + "...";
  return EscapeText(text);
}

const char* Base64UrlAlphabet() {
  return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

std::string Base64Url(std::string_view in) {
  const char* alphabet = Base64UrlAlphabet();
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(alphabet[(v >> shift) & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += {alphabet[(v >> 18) & 63], alphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {alphabet[(v >> 18) & 63], alphabet[(v >> 12) & 63], alphabet[(v >> 6) & 63], '='};
  }
  return out;
}

// "repo:tag" -> {"repo", "tag"}; a digest reference stays whole.
std::pair<std::string, std::string> SplitTag(const std::string& image) {
  if (image.find('@') != std::string::npos) return {image, ""};
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return {image, "latest"};
  return {image.substr(0, colon), image.substr(colon + 1)};
}

}  // namespace

std::string RegistryAuthHeader(const std::string& username, const std::string& password,
                               const std::string& server) {
  if (username.empty()) return "";
  Json auth = {{"username", username}, {"password", password}, {"serveraddress", server}};
  return Base64Url(auth.dump());
}

std::string RegistryHostOf(const std::string& image) {
  size_t slash = image.find('/');
  if (slash == std::string::npos) return "docker.io";
  std::string first = image.substr(0, slash);
  bool host = first.find('.') != std::string::npos || first.find(':') != std::string::npos ||
              first == "localhost";
  return host ? first : "docker.io";
}

CurlEngine::CurlEngine(CurlEngineOptions options) : options_(std::move(options)) {
  CurlGlobalInitOnce();
  constexpr std::string_view kUnix = "unix://";
  constexpr std::string_view kTcp = "tcp://";
  if (options_.host.rfind(kUnix, 0) == 0) {
    unix_socket_ = options_.host.substr(kUnix.size());
    base_url_ = fmt::format("http://docker{}", kApiVersion);
  } else {
    std::string authority = options_.host.rfind(kTcp, 0) == 0 ? options_.host.substr(kTcp.size()) : options_.host;
    base_url_ = fmt::format("{}://{}{}", options_.tls.Enabled() ? "https" : "http", authority, kApiVersion);
  }
}

Result<CurlEngine::Answer> CurlEngine::Call(const std::string& method, const std::string& path,
                                            const std::string& body, const std::string& registry_auth,
                                            Duration timeout) {
  std::unique_ptr<CURL, CurlDeleter> e(curl_easy_init());
  if (!e) return Status::Internal("docker: curl_easy_init failed");
  const std::string url = base_url_ + path;
  Exchange x;
  x.max_body = options_.max_body;
  x.progress_stream = path.rfind("/images/create", 0) == 0;
  curl_easy_setopt(e.get(), CURLOPT_URL, url.c_str());
  if (!unix_socket_.empty()) curl_easy_setopt(e.get(), CURLOPT_UNIX_SOCKET_PATH, unix_socket_.c_str());
  if (options_.tls.Enabled()) {
    if (!options_.tls.ca_file.empty()) curl_easy_setopt(e.get(), CURLOPT_CAINFO, options_.tls.ca_file.c_str());
    if (!options_.tls.cert_file.empty()) {
      curl_easy_setopt(e.get(), CURLOPT_SSLCERT, options_.tls.cert_file.c_str());
      curl_easy_setopt(e.get(), CURLOPT_SSLKEY, options_.tls.key_file.c_str());
    }
  }
  curl_easy_setopt(e.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(e.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e.get(), CURLOPT_TIMEOUT_MS, CurlMillis(timeout));
  curl_easy_setopt(e.get(), CURLOPT_CONNECTTIMEOUT_MS, CurlMillis(std::min<Duration>(timeout, std::chrono::seconds(10))));
  curl_easy_setopt(e.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e.get(), CURLOPT_WRITEFUNCTION, &Exchange::OnBody);
  curl_easy_setopt(e.get(), CURLOPT_WRITEDATA, &x);
  curl_slist* headers = curl_slist_append(nullptr, "Expect:");
  headers = curl_slist_append(headers, "Content-Type: application/json");
  if (!registry_auth.empty()) {
    headers = curl_slist_append(headers, ("X-Registry-Auth: " + registry_auth).c_str());
  }
  std::unique_ptr<curl_slist, CurlDeleter> header_list(headers);
  curl_easy_setopt(e.get(), CURLOPT_HTTPHEADER, header_list.get());
  if (method == "POST" || !body.empty()) {
    curl_easy_setopt(e.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(e.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  const CURLcode rc = curl_easy_perform(e.get());
  if (x.too_large) return Status::Unavailable(fmt::format("docker: {} {}: answer over {} bytes", method, path, x.max_body));
  if (rc != CURLE_OK) {
    return Status::Unavailable(fmt::format("docker: {} {} at {}: {}", method, EscapeText(path),
                                           EscapeText(options_.host), curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(e.get(), CURLINFO_RESPONSE_CODE, &x.answer.status);
  if (!x.partial_line.empty()) x.OnLine(x.partial_line);
  if (!x.stream_error.empty()) {
    x.answer.status = 500;
    x.answer.body = Json{{"message", x.stream_error}}.dump();
  }
  return x.answer;
}

Status CurlEngine::Expect(const Result<Answer>& answer, std::string_view what, std::initializer_list<long> ok) {
  if (!answer.ok()) return answer.status();
  for (long code : ok) {
    if (answer->status == code) return Status::Ok();
  }
  std::string message = fmt::format("docker: {}: HTTP {}: {}", what, answer->status, EngineMessage(*answer));
  if (answer->status == 404) return Status::NotFound(message);
  if (answer->status == 409) return Status::Conflict(message);
  return Status::Internal(message);
}

namespace {

Result<Json> ParseAnswer(const Result<CurlEngine::Answer>& a, std::string_view what) {
  Json j = Json::parse(a->body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Unavailable(fmt::format("docker: {}: the engine answered no JSON", what));
  return j;
}

}  // namespace

Result<Json> CurlEngine::InspectContainer(const std::string& name) {
  const std::string what = "inspect container " + name;
  Result<Answer> a = Call("GET", "/containers/" + name + "/json", "", "", options_.call_timeout);
  if (Status s = Expect(a, what, {200}); !s.ok()) return s;
  return ParseAnswer(a, what);
}

Result<Json> CurlEngine::InspectImage(const std::string& ref) {
  const std::string what = "inspect image " + ref;
  Result<Answer> a = Call("GET", "/images/" + ref + "/json", "", "", options_.call_timeout);
  if (Status s = Expect(a, what, {200}); !s.ok()) return s;
  return ParseAnswer(a, what);
}

Result<std::vector<std::string>> CurlEngine::NamesByLabel(const std::string& label) {
  std::unique_ptr<CURL, CurlDeleter> e(curl_easy_init());
  const std::string filters = Escape(e.get(), Json{{"label", {label}}}.dump());
  const std::string what = "list containers labelled " + label;
  Result<Answer> a = Call("GET", "/containers/json?all=1&filters=" + filters, "", "", options_.call_timeout);
  if (Status s = Expect(a, what, {200}); !s.ok()) return s;
  Result<Json> list = ParseAnswer(a, what);
  if (!list.ok()) return list.status();
  std::vector<std::string> names;
  if (!list->is_array()) return Status::Unavailable(fmt::format("docker: {}: not a list", what));
  for (const Json& c : *list) {
    if (!c.contains("Names") || !c["Names"].is_array() || c["Names"].empty() || !c["Names"][0].is_string()) continue;
    std::string name = c["Names"][0].get<std::string>();
    if (!name.empty() && name.front() == '/') name.erase(0, 1);
    names.push_back(name);
  }
  return names;
}

Status CurlEngine::Pull(const std::string& image, const std::string& registry_auth, Duration timeout) {
  std::unique_ptr<CURL, CurlDeleter> e(curl_easy_init());
  auto [repo, tag] = SplitTag(image);
  std::string path = "/images/create?fromImage=" + Escape(e.get(), repo);
  if (!tag.empty()) path += "&tag=" + Escape(e.get(), tag);
  return Expect(Call("POST", path, "", registry_auth, timeout), "pull " + image, {200});
}

Result<std::string> CurlEngine::Create(const std::string& name, const Json& body) {
  const std::string what = "create container " + name;
  Result<Answer> a = Call("POST", "/containers/create?name=" + name, body.dump(), "", options_.call_timeout);
  if (Status s = Expect(a, what, {201, 200}); !s.ok()) return s;
  Result<Json> j = ParseAnswer(a, what);
  if (!j.ok()) return j.status();
  if (!j->contains("Id") || !(*j)["Id"].is_string()) return Status::Unavailable("docker: " + what + ": no Id");
  return (*j)["Id"].get<std::string>();
}

Status CurlEngine::Connect(const std::string& network, const std::string& container, const Json& endpoint) {
  Json body = {{"Container", container}, {"EndpointConfig", endpoint}};
  return Expect(Call("POST", "/networks/" + network + "/connect", body.dump(), "", options_.call_timeout),
                fmt::format("connect {} to network {}", container, network), {200});
}

Status CurlEngine::Start(const std::string& name) {
  return Expect(Call("POST", "/containers/" + name + "/start", "", "", options_.call_timeout), "start " + name,
                {204, 304});
}

Status CurlEngine::Stop(const std::string& name, int64_t grace_s) {
  // The engine waits the grace out before it answers.
  Duration timeout = options_.call_timeout + std::chrono::seconds(grace_s);
  return Expect(Call("POST", fmt::format("/containers/{}/stop?t={}", name, grace_s), "", "", timeout),
                "stop " + name, {204, 304});
}

Status CurlEngine::Rename(const std::string& name, const std::string& new_name) {
  return Expect(Call("POST", "/containers/" + name + "/rename?name=" + new_name, "", "", options_.call_timeout),
                fmt::format("rename {} to {}", name, new_name), {204, 200});
}

Status CurlEngine::Remove(const std::string& name) {
  return Expect(Call("DELETE", "/containers/" + name + "?force=1", "", "", options_.call_timeout),
                "remove " + name, {204, 200});
}

}  // namespace rollcall
