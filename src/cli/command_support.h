// Helpers shared by the command implementations: one-line failures with the
// right exit code, the server client, and calls that expect one status.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "core/json_reader.h"

namespace rollcall {

// Prints `line` to stderr and returns `code`.
int Fail(int code, const std::string& line);
// Invalid -> exit 2 (usage or bad input), anything else -> exit 1.
int FailWith(const Status& s);

// A client for rollcalld from the global flags (ROLLCALL_RETRY_DELAYS
// shortens the retry delays for tests).
Result<std::unique_ptr<ApiClient>> ServerClient(const Globals& g);
// A client for any JSON API at `base_url` with `token`, same retry rules.
Result<std::unique_ptr<ApiClient>> JsonClient(const std::string& base_url, const std::string& token);

// For Expect: any 2xx answer will do (PUT answers 200 or 201).
inline constexpr int kAny2xx = 0;

// A call whose answer must have status `want` (or any 2xx for kAny2xx). Otherwise one line naming
// the server's error: Invalid for a 4xx the caller caused (not 409),
// Unavailable for the rest.
Result<Json> Expect(ApiClient& client, const std::string& method, const std::string& path, int want,
                    const std::string& what, const std::optional<Json>& body = std::nullopt);

// Flag checks with the domain's patterns; Invalid naming `flag`.
Status CheckSlug(const std::string& slug, const std::string& flag);
Status CheckTag(const std::string& tag, const std::string& flag);
Status CheckSha(const std::string& sha, const std::string& flag);

// The value of environment variable `name`, or `fallback` when unset/empty.
std::string EnvOr(const char* name, const std::string& fallback);

}  // namespace rollcall
