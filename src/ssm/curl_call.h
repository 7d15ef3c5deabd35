// The one blocking libcurl exchange the ssm module makes (the SSM API, the
// instance metadata service): perform, collect a bounded answer, clean up.
#pragma once

#include <curl/curl.h>

#include <string>

namespace rollcall {

struct CurlOutcome {
  CURLcode code = CURLE_OK;
  int status = 0;  // the HTTP status; 0 when none arrived
};

// Performs `easy` (its URL and options set), collecting at most `max_body`
// bytes of the answer into `body` (more fails the transfer), then frees
// `easy` and `headers` (may be null).
CurlOutcome PerformAndCleanUp(CURL* easy, curl_slist* headers, std::string& body, size_t max_body);

}  // namespace rollcall
