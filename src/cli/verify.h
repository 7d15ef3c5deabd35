// verify (DESIGN §6, failure 4): poll every tenant's /buildinfo and
// /healthz concurrently until each reports the target sha and is healthy,
// or the settle budget is spent. A bounded number of requests in flight; a
// tenant already OK is not polled again. The budget is a deadline: no poll
// starts after it, and no request outlives it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cli/summary.h"
#include "core/time.h"
#include "http/http_client.h"

namespace rollcall {

struct VerifyTarget {
  std::string slug;
  std::string base_url;  // where /buildinfo and /healthz are read
};

// Where each tenant is checked: its public_url (where users reach it),
// else `url_template` with {slug} substituted ("https://{slug}.example.com"),
// else its base_url. Invalid naming --url-template when the template has a
// placeholder other than {slug} or does not make an http(s) URL.
Result<std::string> VerifyUrlOf(const std::string& slug, const std::string& base_url, const std::string& public_url,
                                const std::string& url_template);

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

// What verify needs from the world: HTTP, and time (injected in tests).
struct VerifyEnv {
  std::function<void(HttpRequest, std::function<void(HttpResponse)>)> send;
  std::function<TimePoint()> now;
  std::function<void(TimePoint)> sleep_until;
};
// Real time over `http`.
VerifyEnv RealVerifyEnv(HttpClient& http);

// Returns one row per target, in the targets' order; every row is OK when
// the fleet settled on `sha` within the budget. `progress` (may be empty)
// is told after each round how many are OK.
std::vector<VerifyRow> RunVerify(const VerifyEnv& env, const std::vector<VerifyTarget>& targets,
                                 const VerifyOptions& options,
                                 const std::function<void(size_t ok, size_t total)>& progress = {});

}  // namespace rollcall
