// verify (DESIGN §6, failure 4): poll every tenant's /buildinfo and
// /healthz concurrently until each reports the target sha and is healthy,
// or the settle budget is spent. One libcurl multi handle, a bounded number
// of requests in flight; a tenant already OK is not polled again.
#pragma once

#include <string>
#include <vector>

#include "cli/summary.h"
#include "core/time.h"
#include "http/http_client.h"

namespace rollcall {

struct VerifyTarget {
  std::string slug;
  std::string base_url;
};

struct VerifyOptions {
  std::string sha;
  Duration budget = std::chrono::seconds(240);
  Duration interval = std::chrono::seconds(20);
  Duration request_timeout = std::chrono::seconds(10);
  // Requests outstanding at once. Each request's timeout runs from when it
  // is handed to curl, so queueing a whole fleet at once would time out the
  // tail of a large one before it was ever sent.
  size_t max_in_flight = 128;
};

// Returns one row per target, in the targets' order; every row is OK when
// the fleet settled on `sha` within the budget. `progress` (may be empty)
// is told after each round how many are OK.
std::vector<VerifyRow> RunVerify(HttpClient& http, const std::vector<VerifyTarget>& targets,
                                 const VerifyOptions& options,
                                 const std::function<void(size_t ok, size_t total)>& progress = {});

}  // namespace rollcall
