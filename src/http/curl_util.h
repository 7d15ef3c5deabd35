// Small libcurl helpers shared by every adapter that uses it (the async
// HttpClient, the registry transport, the CLI's API client).
#pragma once

#include <curl/curl.h>

#include <algorithm>

#include "core/time.h"

namespace rollcall {

// curl_global_init is not thread-safe: every user calls this before its
// first handle; the first call (a thread-safe static) does the work.
inline void CurlGlobalInitOnce() {
  static const bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)done;
}

// A duration as curl's millisecond options take it; at least 1 (0 would
// mean "no timeout").
inline long CurlMillis(Duration d) { return static_cast<long>(std::max<int64_t>(1, DurationToMillis(d))); }

}  // namespace rollcall
