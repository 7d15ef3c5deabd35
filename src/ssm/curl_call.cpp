#include "ssm/curl_call.h"

namespace rollcall {
namespace {

struct Sink {
  std::string* body;
  size_t max;
};

size_t Collect(char* data, size_t size, size_t n, void* out) {
  auto* sink = static_cast<Sink*>(out);
  const size_t bytes = size * n;
  if (sink->body->size() + bytes > sink->max) return 0;  // curl fails the transfer
  sink->body->append(data, bytes);
  return bytes;
}

}  // namespace

CurlOutcome PerformAndCleanUp(CURL* easy, curl_slist* headers, std::string& body, size_t max_body) {
  Sink sink{&body, max_body};
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &sink);
  CurlOutcome out;
  out.code = curl_easy_perform(easy);
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  out.status = static_cast<int>(status);
  curl_easy_cleanup(easy);
  curl_slist_free_all(headers);
  return out;
}

}  // namespace rollcall
