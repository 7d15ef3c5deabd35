// The dashboard's files over HTTP: index.html at / (and /ui/), the rest at
// /ui/<kWebVersion>/<name>. No token is needed for them: they hold no data
// (every datum comes from the API, with one). Every answer carries the
// Content-Security-Policy `default-src 'self'` (no inline script, no other
// origin) and an ETag; If-None-Match gets a 304.
#pragma once

#include <string>

#include "httpd/http_message.h"

namespace rollcall {

// index.html, revalidated on every load (Cache-Control: no-cache).
httpd::HttpResponse DashboardIndex(const std::string* if_none_match);

// One file of the current version, cached for a year ("immutable"); 404
// for another version or an unknown name.
httpd::HttpResponse DashboardAsset(const std::string& version, const std::string& name,
                                   const std::string* if_none_match);

}  // namespace rollcall
