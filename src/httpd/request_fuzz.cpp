// libFuzzer target: arbitrary bytes sent as a request to the real server
// adapter over loopback. The server must answer with a well-formed status
// line or close, never crash, hang or leak (ASan), and go on serving.
//   build-fuzz/httpd_fuzz -runs=20000 -max_len=4096
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>

#include "httpd/http_server.h"

namespace {

using rollcall::httpd::HttpRequest;
using rollcall::httpd::HttpResponse;
using rollcall::httpd::HttpServer;
using rollcall::httpd::Responder;
using rollcall::httpd::Route;

// Routes like the daemons': one refused from the head (a token check), one
// answered inline, one on a worker.
Route RouteFor(const HttpRequest& head) {
  Route r;
  r.body_limit = 256;
  if (head.path == "/admin" && !rollcall::httpd::HasBearerToken(head, "token")) {
    r.reject = HttpResponse::JsonError(401, "unauthorized");
    return r;
  }
  if (head.path == "/work") r.dispatch = rollcall::httpd::Dispatch::kWorker;
  r.handler = [](const HttpRequest& req, Responder out) {
    out.Send(HttpResponse::Text(200, req.path + "|" + req.body));
  };
  return r;
}

struct Fixture {
  Fixture() : server(Options(), RouteFor) {
    if (!server.Bind().ok()) std::abort();
    thread = std::thread([this] { (void)server.Run(); });
  }
  static rollcall::httpd::ServerOptions Options() {
    rollcall::httpd::ServerOptions o;
    o.header_timeout = std::chrono::milliseconds(500);
    o.idle_timeout = std::chrono::milliseconds(200);
    o.linger_timeout = std::chrono::milliseconds(50);
    return o;
  }
  HttpServer server;
  std::thread thread;
};

int Connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) std::abort();
  return fd;
}

// Everything the server sends until it closes; aborts past 5 s (a hang).
std::string Drain(int fd) {
  std::string out;
  char buf[8192];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) std::abort();
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture();  // one server for the whole run
  int fd = Connect(fixture->server.port());
  (void)::send(fd, data, size, MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);  // no more bytes: the server must not wait for them
  const std::string answer = Drain(fd);
  ::close(fd);
  if (!answer.empty() && answer.rfind("HTTP/1.1 ", 0) != 0) std::abort();
  return 0;
}
