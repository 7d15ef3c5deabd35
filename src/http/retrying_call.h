// RetryingCall: one HTTP request retried on 502/503/504 and connection
// failures, with growing delays, never past its deadline. A flaky proxy in
// front of an agent must not turn into a failed tenant; a timeout is not
// retried (the deadline is spent).
#pragma once

#include <memory>

#include "core/clock.h"
#include "http/http_client.h"

namespace rollcall {

struct RetryPolicy {
  int max_attempts = 3;
  Duration first_delay = std::chrono::milliseconds(500);  // doubles each retry
};

// Sends `req` (its timeout is the overall budget) and calls `done` once with
// the last answer. Thread-safe; `http` and `clock` outlive the call.
CancelFn SendWithRetry(HttpClient& http, Clock& clock, HttpRequest req, RetryPolicy policy,
                       std::function<void(HttpResponse)> done);

bool IsRetryable(const HttpResponse& r);

}  // namespace rollcall
