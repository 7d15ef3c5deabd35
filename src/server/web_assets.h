// The dashboard's files (web/), embedded at build time by
// cmake/embed_web.cmake: rollcalld needs nothing on disk to serve them.
#pragma once

#include <string_view>
#include <vector>

namespace rollcall {

struct WebAsset {
  std::string_view name;          // "app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view etag;          // "\"<16 hex of its SHA-256>\""
  std::string_view body;
};

// A hash of every file's contents: the assets are served under
// /ui/<kWebVersion>/ (index.html names that path).
extern const char* const kWebVersion;

const std::vector<WebAsset>& WebAssets();

}  // namespace rollcall
