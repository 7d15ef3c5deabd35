#include "http/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include "http/curl_util.h"

namespace rollcall {
namespace {

}  // namespace

struct HttpClient::Transfer {
  uint64_t id = 0;
  HttpRequest request;
  std::function<void(HttpResponse)> done;
  HttpResponse response;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  bool truncated = false;
  bool refused = false;  // request.may_send said no
  size_t max_body = 0;

  ~Transfer() {
    if (easy) curl_easy_cleanup(easy);
    if (headers) curl_slist_free_all(headers);
  }

  static size_t OnData(char* data, size_t size, size_t count, void* self) {
    auto* t = static_cast<Transfer*>(self);
    const size_t n = size * count;
    const size_t room = t->max_body - std::min(t->max_body, t->response.body.size());
    t->response.body.append(data, std::min(n, room));
    if (n > room) t->truncated = true;
    return n;
  }

  // Connected, the request not yet written: the last moment to hold it back.
  static int BeforeSend(void* self, char*, char*, int, int) {
    auto* t = static_cast<Transfer*>(self);
    if (t->request.may_send()) return CURL_PREREQFUNC_OK;
    t->refused = true;
    return CURL_PREREQFUNC_ABORT;
  }
};

HttpClient::HttpClient(HttpClientOptions options) : options_(options) {
  CurlGlobalInitOnce();
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, options_.max_connections_per_host);
  multi_ = multi;
  worker_ = std::thread([this] { Loop(); });
}

HttpClient::~HttpClient() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  worker_.join();
  for (auto& [id, t] : active_) curl_multi_remove_handle(static_cast<CURLM*>(multi_), t->easy);
  active_.clear();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

CancelFn HttpClient::Send(HttpRequest req, std::function<void(HttpResponse)> done) {
  auto t = std::make_unique<Transfer>();
  t->request = std::move(req);
  t->done = std::move(done);
  t->max_body = options_.max_body;
  uint64_t id;
  bool first;
  {
    std::lock_guard lock(mu_);
    id = t->id = next_id_++;
    first = queued_.empty();
    queued_.push_back(std::move(t));
  }
  // A non-empty queue already has a wakeup on its way (the transfer thread
  // empties the queue after it wakes): one write per batch, not per request.
  if (first) curl_multi_wakeup(static_cast<CURLM*>(multi_));
  return [this, id] {
    {
      std::lock_guard lock(mu_);
      cancelled_.push_back(id);
    }
    curl_multi_wakeup(static_cast<CURLM*>(multi_));
  };
}

void HttpClient::StartQueued() {
  std::vector<std::unique_ptr<Transfer>> queued;
  std::vector<uint64_t> cancelled;
  {
    std::lock_guard lock(mu_);
    queued.swap(queued_);
    cancelled.swap(cancelled_);
  }
  for (auto& t : queued) {
    const HttpRequest& r = t->request;
    t->easy = curl_easy_init();
    CURL* e = t->easy;
    curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    if (!r.body.empty() || r.method == "POST" || r.method == "PUT") {
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    }
    for (const auto& h : r.headers) t->headers = curl_slist_append(t->headers, h.c_str());
    t->headers = curl_slist_append(t->headers, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, CurlMillis(r.timeout));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, CurlMillis(std::min(r.connect_timeout, r.timeout)));
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::OnData);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    if (r.may_send) {
      curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, &Transfer::BeforeSend);
      curl_easy_setopt(e, CURLOPT_PREREQDATA, t.get());
    }
    curl_multi_add_handle(static_cast<CURLM*>(multi_), e);
    active_[t->id] = std::move(t);
  }
  for (uint64_t id : cancelled) Abandon(id);
}

void HttpClient::Abandon(uint64_t id) {
  auto it = active_.find(id);
  if (it == active_.end()) return;  // finished already
  curl_multi_remove_handle(static_cast<CURLM*>(multi_), it->second->easy);
  active_.erase(it);
}

void HttpClient::FinishDone() {
  CURLM* multi = static_cast<CURLM*>(multi_);
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* raw = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &raw);
    const CURLcode code = msg->data.result;
    curl_multi_remove_handle(multi, msg->easy_handle);
    auto node = active_.extract(raw->id);
    std::unique_ptr<Transfer> t = std::move(node.mapped());
    HttpResponse& resp = t->response;
    if (code == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
      resp.status = static_cast<int>(status);
      if (t->truncated) resp.error = fmt::format("answer larger than {} bytes", t->max_body);
    } else if (t->refused) {
      resp.not_sent = true;
      resp.error = fmt::format("{} {}: not sent: refused just before sending", t->request.method, t->request.url);
    } else {
      resp.timed_out = code == CURLE_OPERATION_TIMEDOUT;
      resp.error = fmt::format("{} {}: {}", t->request.method, t->request.url, curl_easy_strerror(code));
    }
    t->done(std::move(resp));
  }
}

void HttpClient::Loop() {
  CURLM* multi = static_cast<CURLM*>(multi_);
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    StartQueued();
    int running = 0;
    curl_multi_perform(multi, &running);
    FinishDone();
    curl_multi_poll(multi, nullptr, 0, 1000, nullptr);  // woken by curl_multi_wakeup
  }
}

void AddBearer(std::vector<std::string>& headers, const std::string& token) {
  if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
}

}  // namespace rollcall
