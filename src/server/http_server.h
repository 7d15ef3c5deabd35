// HttpServer: rollcalld's HTTP front (cpp-httplib): routing, auth, body
// limits, JSON errors and the SSE event stream, around a ControlPlane.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "server/auth.h"
#include "server/control_plane.h"
#include "server/promoter.h"

namespace httplib {
class Server;
}

namespace rollcall {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 7700;  // 0 picks a free port
  size_t body_limit = 1 << 20;
  int threads = 64;  // SSE streams and legacy calls each hold one
};

class HttpServer {
 public:
  // `plane`, `promoter` and `auth` outlive the server.
  HttpServer(ControlPlane& plane, Promoter& promoter, const Authorizer& auth, HttpServerOptions options);
  ~HttpServer();

  // Binds; returns the port, or an error naming the address.
  Result<int> Bind();
  // Serves until Stop(); blocks.
  void Serve();
  void Stop();

 private:
  void Routes();

  ControlPlane& plane_;
  Promoter& promoter_;
  const Authorizer& auth_;
  const HttpServerOptions options_;
  std::atomic<bool> stopping_{false};  // ends SSE streams on shutdown
  std::unique_ptr<httplib::Server> server_;
};

}  // namespace rollcall
