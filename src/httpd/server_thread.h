// ServerThread: an HttpServer on 127.0.0.1 (a free port) with its own
// thread, for tests that need a fake peer (a registry, a Gitea, a tenant's
// /healthz). Every request goes to `handle`, on a worker thread.
#pragma once

#include <functional>
#include <string>
#include <thread>

#include "httpd/http_server.h"

namespace rollcall::httpd {

class ServerThread {
 public:
  using Handle = std::function<HttpResponse(const HttpRequest&)>;
  explicit ServerThread(Handle handle, size_t body_limit = 1 << 20);
  ~ServerThread();  // stops and joins
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  uint16_t port() const { return server_.port(); }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port()); }

 private:
  HttpServer server_;
  std::thread thread_;
};

}  // namespace rollcall::httpd
