#include "cli/api_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include "http/curl_util.h"

#include <cstdio>
#include <sstream>
#include <thread>

namespace rollcall {
namespace {

size_t Collect(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

struct StreamSink {
  const std::function<bool(std::string_view)>* on_chunk;
  bool stopped = false;
};

size_t Forward(char* data, size_t size, size_t count, void* self) {
  auto* sink = static_cast<StreamSink*>(self);
  if (!(*sink->on_chunk)(std::string_view(data, size * count))) {
    sink->stopped = true;
    return 0;  // aborts the transfer
  }
  return size * count;
}

bool Retryable(long status, bool timed_out) {
  return timed_out || status == 502 || status == 503 || status == 504;
}

}  // namespace

Result<std::vector<Duration>> ParseRetryDelays(const std::string& text) {
  std::vector<Duration> delays;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    try {
      size_t used = 0;
      double seconds = std::stod(item, &used);
      if (used != item.size() || seconds < 0) throw std::invalid_argument(item);
      delays.push_back(SecondsToDuration(seconds));
    } catch (const std::exception&) {
      return Status::Invalid("ROLLCALL_RETRY_DELAYS: expected seconds like 5,10,20, got \"" + text + "\"");
    }
  }
  return delays;
}

ApiClient::ApiClient(ApiClientOptions options) : options_(std::move(options)) {
  CurlGlobalInitOnce();
  curl_ = curl_easy_init();
  while (!options_.server.empty() && options_.server.back() == '/') options_.server.pop_back();
}

ApiClient::~ApiClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

void ApiClient::Log(const std::string& line) {
  if (options_.log) return options_.log(line);
  std::fprintf(stderr, "%s\n", line.c_str());
}

ApiClient::Attempt ApiClient::Once(const std::string& method, const std::string& url,
                                   const std::string* body) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);
  Attempt a;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  if (!options_.token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + options_.token).c_str());
  }
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (body || method == "POST" || method == "PUT") {
    // An empty body still says Content-Length: 0; servers refuse a POST without one.
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body->data() : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body ? body->size() : 0));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, CurlMillis(options_.timeout));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &a.body);
  CURLcode code = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    a.timed_out = code == CURLE_OPERATION_TIMEDOUT;
    a.error = curl_easy_strerror(code);
    return a;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.status);
  if (a.status == 307 || a.status == 308) {
    char* location = nullptr;
    curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location);
    if (location != nullptr) a.location = location;
  }
  return a;
}

namespace {

// A standby's 307 names the leader; followed only to http(s), a few hops.
constexpr int kMaxRedirects = 5;
bool FollowableLocation(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

}  // namespace

Result<ApiAnswer> ApiClient::Call(const std::string& method, const std::string& path,
                                  const std::optional<Json>& body) {
  std::string url = options_.server + path;
  const std::string payload = body ? body->dump() : "";
  const int attempts = static_cast<int>(options_.retry_delays.size()) + 1;
  std::string last_error;
  int redirects = 0;
  for (int i = 1; i <= attempts; ++i) {
    Attempt a = Once(method, url, body ? &payload : nullptr);
    // A standby sends mutations to the leader: the same request again,
    // body and token, there (each standby answer counts no attempt).
    if (a.error.empty() && !a.location.empty() && FollowableLocation(a.location) &&
        redirects < kMaxRedirects) {
      ++redirects;
      Log(fmt::format("{} {}: HTTP {}: following it to {}", method, url, a.status, a.location));
      url = a.location;
      --i;
      continue;
    }
    // The last attempt's HTTP answer is the answer, 503 or not: its body
    // carries the server's error, which the caller must show.
    if (a.error.empty() && (!Retryable(a.status, false) || i == attempts)) {
      return ApiAnswer{static_cast<int>(a.status), Json::parse(a.body, nullptr, false)};
    }
    last_error = a.error.empty() ? fmt::format("HTTP {}", a.status) : a.error;
    if (!a.error.empty() && !a.timed_out) break;  // refused, DNS: not worth waiting for
    if (i < attempts) {
      Duration delay = options_.retry_delays[i - 1];
      Log(fmt::format("{} {}: {}; retrying in {} (attempt {}/{})", method, url, last_error,
                      FormatSeconds(DurationToSeconds(delay)), i + 1, attempts));
      std::this_thread::sleep_for(delay);  // a deliberate backoff, not synchronisation
    }
  }
  return Status::Unavailable(fmt::format("{} {}: {}", method, url, last_error));
}

Status ApiClient::Stream(const std::string& path, int64_t last_event_id,
                         const std::function<bool(std::string_view chunk)>& on_chunk) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);
  const std::string url = options_.server + path;
  curl_slist* headers = curl_slist_append(nullptr, "Accept: text/event-stream");
  if (!options_.token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + options_.token).c_str());
  }
  if (last_event_id > 0) {
    headers = curl_slist_append(headers, fmt::format("Last-Event-ID: {}", last_event_id).c_str());
  }
  StreamSink sink{&on_chunk};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
  // No total timeout: the stream lasts as long as the rollout. A silent
  // connection (the server sends keep-alives every 15 s) is cut after 60 s.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Forward);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  CURLcode code = curl_easy_perform(c);
  curl_slist_free_all(headers);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (sink.stopped) return Status::Ok();
  if (code != CURLE_OK) return Status::Unavailable(fmt::format("GET {}: {}", url, curl_easy_strerror(code)));
  if (status != 200) return Status::Unavailable(fmt::format("GET {}: HTTP {}", url, status));
  return Status::Ok();
}

}  // namespace rollcall
