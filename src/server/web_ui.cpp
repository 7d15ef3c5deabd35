#include "server/web_ui.h"

#include "server/web_assets.h"

namespace rollcall {
namespace {

const WebAsset* Find(std::string_view name) {
  for (const WebAsset& a : WebAssets()) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

httpd::HttpResponse Serve(const WebAsset& a, const char* cache_control, const std::string* if_none_match) {
  httpd::HttpResponse r;
  const bool fresh = if_none_match != nullptr && *if_none_match == a.etag;
  r.status = fresh ? 304 : 200;
  r.content_type = std::string(a.content_type);
  if (!fresh) r.body = std::string(a.body);
  r.headers = {{"Content-Security-Policy", "default-src 'self'"},
               {"X-Content-Type-Options", "nosniff"},
               {"X-Frame-Options", "DENY"},
               {"Referrer-Policy", "no-referrer"},
               {"Cache-Control", cache_control},
               {"ETag", std::string(a.etag)}};
  return r;
}

}  // namespace

httpd::HttpResponse DashboardIndex(const std::string* if_none_match) {
  const WebAsset* index = Find("index.html");
  if (index == nullptr) return httpd::HttpResponse::JsonError(404, "this build has no dashboard");
  return Serve(*index, "no-cache", if_none_match);
}

httpd::HttpResponse DashboardAsset(const std::string& version, const std::string& name,
                                   const std::string* if_none_match) {
  const WebAsset* a = version == kWebVersion && name != "index.html" ? Find(name) : nullptr;
  if (a == nullptr) return httpd::HttpResponse::JsonError(404, "/ui/" + version + "/" + name + ": not found");
  return Serve(*a, "public, max-age=31536000, immutable", if_none_match);
}

}  // namespace rollcall
