// CurlTransport: RegistryTransport over blocking libcurl easy handles.
//
// One easy handle per Send, so calls from several threads are safe (and
// never share a connection). Promotion is rare; simplicity beats reuse.
// Only http and https are spoken, redirects are not followed (credentials
// must not wander to another host), TLS peers are always verified.
#pragma once

#include <cstddef>
#include <string>

#include "registry/registry_transport.h"

namespace rollcall {

struct CurlTransportOptions {
  size_t max_body = 4 << 20;  // larger answers fail as Unavailable; manifests are small
  Duration connect_timeout = std::chrono::seconds(10);  // capped by each request's timeout
  std::string ca_file;  // PEM bundle for a private CA; empty: the system's
};

class CurlTransport : public RegistryTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options = {});

  // Unavailable on connection failure, timeout, TLS failure or an answer
  // over max_body; messages carry the method and URL, never headers.
  Result<RegistryResponse> Send(const RegistryRequest& request) override;

 private:
  const CurlTransportOptions options_;
};

}  // namespace rollcall
