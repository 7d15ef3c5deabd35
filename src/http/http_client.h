// HttpClient: asynchronous HTTP over one libcurl multi handle.
//
// One worker thread drives every transfer, so thousands of concurrent
// requests (deploys, probes) cost sockets, not threads; connections are
// reused per host. Thread-safe: Send() from any thread; `done` runs on the
// worker thread and must not block.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/driver.h"
#include "core/time.h"

namespace rollcall {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  Duration timeout = std::chrono::seconds(30);  // whole transfer
  Duration connect_timeout = std::chrono::seconds(5);
  // Asked on the transfer thread once connected, right before the request
  // is written (CURLOPT_PREREQFUNCTION): false aborts it unsent, with the
  // error "not sent: refused just before sending". Empty: always send.
  std::function<bool()> may_send{};
};

struct HttpResponse {
  int status = 0;          // 0 when no HTTP answer arrived
  std::string body;        // bounded by HttpClientOptions::max_body
  std::string error;       // transport failure, empty when an answer arrived
  bool timed_out = false;  // the transfer hit HttpRequest::timeout
  bool not_sent = false;   // HttpRequest::may_send held it back: nothing left this process
};

struct HttpClientOptions {
  long max_connections_per_host = 512;  // more requests queue inside curl
  size_t max_body = 1 << 20;            // larger answers are cut and flagged as errors
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();  // abandons transfers in flight; their callbacks never run
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts `req`; `done` runs exactly once unless the returned CancelFn is
  // called first (then it may or may not run).
  CancelFn Send(HttpRequest req, std::function<void(HttpResponse)> done);

 private:
  struct Transfer;
  void Loop();
  void StartQueued();
  void FinishDone();
  void Abandon(uint64_t id);

  const HttpClientOptions options_;
  void* multi_ = nullptr;  // CURLM*, touched only by the worker (and ~HttpClient after join)
  std::mutex mu_;
  bool stopping_ = false;                               // guarded by mu_
  uint64_t next_id_ = 1;                                // guarded by mu_
  std::vector<std::unique_ptr<Transfer>> queued_;       // guarded by mu_
  std::vector<uint64_t> cancelled_;                     // guarded by mu_
  std::map<uint64_t, std::unique_ptr<Transfer>> active_;  // worker thread only
  std::thread worker_;
};

// "Authorization: Bearer <token>", or nothing for an empty token.
void AddBearer(std::vector<std::string>& headers, const std::string& token);

}  // namespace rollcall
