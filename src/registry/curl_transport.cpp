#include "registry/curl_transport.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include "http/curl_util.h"

#include <algorithm>
#include <memory>

namespace rollcall {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

struct Exchange {
  RegistryResponse response;
  size_t max_body = 0;
  bool too_large = false;

  static size_t OnBody(char* data, size_t size, size_t count, void* self) {
    auto* x = static_cast<Exchange*>(self);
    const size_t n = size * count;
    if (x->response.body.size() + n > x->max_body) {
      x->too_large = true;
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    x->response.body.append(data, n);
    return n;
  }

  // Called once per header line, for every answer of the exchange (a
  // "100 Continue" or a proxy's CONNECT answer come first): a status line
  // starts over, so only the final answer's headers remain.
  static size_t OnHeader(char* data, size_t size, size_t count, void* self) {
    auto* x = static_cast<Exchange*>(self);
    const std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
      x->response.headers.clear();
    } else if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
      x->response.headers.emplace_back(std::string(Trim(line.substr(0, colon))),
                                       std::string(Trim(line.substr(colon + 1))));
    }
    return size * count;
  }
};

struct CurlDeleter {
  void operator()(CURL* e) const { curl_easy_cleanup(e); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

bool HasHeader(const RegistryHeaders& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return HeaderNameEquals(h.first, name); });
}

// Our headers, plus blanks that stop curl from adding its own: no
// "Expect: 100-continue" round trip, no form Content-Type on a PUT.
std::unique_ptr<curl_slist, CurlDeleter> HeaderList(const RegistryRequest& request) {
  curl_slist* list = nullptr;
  for (const auto& [name, value] : request.headers) {
    list = curl_slist_append(list, fmt::format("{}: {}", name, value).c_str());
  }
  list = curl_slist_append(list, "Expect:");
  if (!HasHeader(request.headers, "Content-Type")) list = curl_slist_append(list, "Content-Type:");
  return std::unique_ptr<curl_slist, CurlDeleter>(list);
}

void SetMethod(CURL* e, const RegistryRequest& request) {
  if (request.method == "GET") {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
}

}  // namespace

CurlTransport::CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {
  CurlGlobalInitOnce();
}

Result<RegistryResponse> CurlTransport::Send(const RegistryRequest& request) {
  std::unique_ptr<CURL, CurlDeleter> easy(curl_easy_init());
  if (!easy) return Status::Internal("curl_easy_init failed");
  CURL* e = easy.get();
  auto headers = HeaderList(request);
  Exchange x;
  x.max_body = options_.max_body;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  SetMethod(e, request);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, CurlMillis(request.timeout));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   CurlMillis(std::min(options_.connect_timeout, request.timeout)));
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  if (!options_.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Exchange::OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Exchange::OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);

  const CURLcode rc = curl_easy_perform(e);
  const std::string what = request.method + " " + request.url;
  if (x.too_large) {
    return Status::Unavailable(
        fmt::format("{}: answer larger than {} bytes", what, options_.max_body));
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return Status::Unavailable(fmt::format("{}: timed out after {}", what,
                                           FormatSeconds(DurationToSeconds(request.timeout))));
  }
  if (rc != CURLE_OK) {
    return Status::Unavailable(
        fmt::format("{}: {}", what, error[0] != '\0' ? error : curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  x.response.status = static_cast<int>(status);
  return std::move(x.response);
}

}  // namespace rollcall
