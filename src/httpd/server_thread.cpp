#include "httpd/server_thread.h"

#include <stdexcept>

namespace rollcall::httpd {

ServerThread::ServerThread(Handle handle, size_t body_limit)
    : server_(ServerOptions{}, [handle = std::move(handle), body_limit](const HttpRequest&) {
        Route route;
        route.body_limit = body_limit;
        route.dispatch = Dispatch::kWorker;
        route.handler = [handle](const HttpRequest& request, Responder out) {
          out.Send(handle(request));
        };
        return route;
      }) {
  if (Status s = server_.Bind(); !s.ok()) throw std::runtime_error(s.message());  // tests only
  thread_ = std::thread([this] { (void)server_.Run(); });
}

ServerThread::~ServerThread() {
  server_.Stop();
  thread_.join();
}

}  // namespace rollcall::httpd
