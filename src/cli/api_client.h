// ApiClient: blocking calls from the CLI to rollcalld (DESIGN §6).
//
// A 307 or 308 (a standby naming the leader, DESIGN §9) is followed with
// the same method, body and token, up to 5 hops. Fast calls time out at 120 s. 502/503/504 and read timeouts are retried
// after 5, 10 and 20 s (4 attempts), each retry logged with its attempt
// number; the delays can be shortened with ROLLCALL_RETRY_DELAYS=0.01,0.01,0.01
// for tests. Not thread-safe; one per thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/json_reader.h"
#include "core/status.h"
#include "core/time.h"

namespace rollcall {

struct ApiClientOptions {
  std::string server = "http://127.0.0.1:7700";
  std::string token;
  Duration timeout = std::chrono::seconds(120);
  std::vector<Duration> retry_delays = {std::chrono::seconds(5), std::chrono::seconds(10),
                                        std::chrono::seconds(20)};
  std::function<void(const std::string&)> log;  // retry notices; stderr when empty
};

struct ApiAnswer {
  int status = 0;
  Json body;  // null when the answer was not JSON
};

// "0.01,0.01,0.01" -> delays; Invalid naming the variable otherwise.
Result<std::vector<Duration>> ParseRetryDelays(const std::string& text);

class ApiClient {
 public:
  explicit ApiClient(ApiClientOptions options);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // Any HTTP answer is an ApiAnswer (the caller reads its status); Unavailable
  // when the server could not be reached or kept failing, naming the URL and
  // the last error.
  Result<ApiAnswer> Call(const std::string& method, const std::string& path,
                         const std::optional<Json>& body = std::nullopt);

  // Follows GET `path` as Server-Sent Events; `on_event` gets each event's
  // raw bytes and returns false to stop. Returns when the server ends the
  // stream (OK) or on a transport failure (Unavailable).
  Status Stream(const std::string& path, int64_t last_event_id,
                const std::function<bool(std::string_view chunk)>& on_chunk);

  const ApiClientOptions& options() const { return options_; }

 private:
  struct Attempt {
    long status = 0;
    std::string body;
    std::string error;  // transport
    bool timed_out = false;
    std::string location;  // a 307/308's Location
  };
  Attempt Once(const std::string& method, const std::string& url, const std::string* body);
  void Log(const std::string& line);

  ApiClientOptions options_;
  void* curl_ = nullptr;  // CURL*, reused: keeps the connection alive
};

}  // namespace rollcall
