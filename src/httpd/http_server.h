// HttpServer: the one HTTP/1.1 server of rollcalld, rollcall-agent and
// rollcall-sim, on Boost.Beast + Boost.Asio (only http_server.cpp and
// session.cpp include them).
//
// One I/O thread runs an io_context; each connection is one C++20
// coroutine, so idle, slow or long-waiting clients cost memory, not
// threads. What the server enforces before any handler runs:
//   - deadlines: a new connection's request head within `header_timeout`
//     of its first byte (and its first byte within `header_timeout` of
//     the accept), the next request on a kept-alive connection within
//     `idle_timeout`, a body at `min_body_rate` or better, each write within
//     `write_timeout`. A connection that misses one is closed and counted;
//   - limits: head size and field count (431), the route's body limit for
//     Content-Length and chunked bodies alike (413 at the first byte past
//     it), a global and a per-peer connection cap (503, then closed);
//   - framing: Transfer-Encoding with Content-Length, a bad Content-Length
//     and any transfer coding but "chunked" are a 400 and a close;
//   - text: a path or query that is not valid percent-encoded UTF-8 is a
//     400 naming it, before routing.
// Routing happens on the head alone (Router), so a route can refuse a
// request — 401 for a missing token — without reading its body. A request
// whose body is left unread is answered with "Connection: close" and the
// rest of its upload is discarded for at most `linger_timeout` (so the
// client sees the answer instead of a reset), never stored.
//
// Handlers run on the I/O thread (quick ones, which must not block) or on
// the server's small worker pool (anything touching a store, a process or
// a lock that may be held long). They answer through a Responder, now or
// later, from any thread; a connection waiting for a late answer watches
// its socket, and a client that leaves frees the connection at once.
// Streams (SSE) are pulled from a StreamSource as it signals new data,
// with a heartbeat that finds departed clients.
//
// Thread-safety: Bind() and Run() from one thread; Stop(), Post(),
// RunAfter() and stats() from any thread; Responder from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "core/time.h"
#include "httpd/http_message.h"

namespace rollcall::httpd {

struct ServerOptions {
  std::string host = "127.0.0.1";  // numeric address or a resolvable name
  uint16_t port = 0;               // 0 picks a free port; see HttpServer::port()
  Duration header_timeout = std::chrono::seconds(10);
  Duration idle_timeout = std::chrono::seconds(5);
  Duration write_timeout = std::chrono::seconds(30);
  Duration linger_timeout = std::chrono::seconds(2);
  // Bytes per second a body must average once `header_timeout` has passed
  // since its head arrived; a read making no progress for `header_timeout`
  // fails at once.
  size_t min_body_rate = 4096;
  size_t header_limit = 16 * 1024;  // bytes of request line and fields
  size_t max_header_fields = 100;
  size_t max_connections = 10000;
  size_t max_connections_per_peer = 10000;
  int workers = 4;  // threads for Dispatch::kWorker handlers (at least 1 is started)
  int backlog = 4096;
};

// Counters since start (Prometheus: see MetricsText).
struct ServerStats {
  uint64_t accepted = 0;
  uint64_t open = 0;
  uint64_t requests = 0;  // complete requests handed to a handler
  uint64_t refused_at_cap = 0;
  uint64_t header_timeouts = 0;
  uint64_t idle_timeouts = 0;
  uint64_t body_timeouts = 0;
  uint64_t write_timeouts = 0;
  uint64_t bad_requests = 0;  // framing, head size, target: answered 4xx and closed
  uint64_t streams = 0;       // streams open now
};

// Prometheus text for `stats`, metric names prefixed by `prefix`
// (e.g. "rollcall_http").
std::string MetricsText(const ServerStats& stats, std::string_view prefix);

// Feeds a streamed (chunked) response. Every method runs on the I/O thread.
class StreamSource {
 public:
  StreamSource() = default;
  StreamSource(const StreamSource&) = delete;
  StreamSource& operator=(const StreamSource&) = delete;
  virtual ~StreamSource() = default;

  // Before the first Pull. `wake` is thread-safe and cheap: call it when
  // new data may be ready; the server then calls Pull again.
  virtual void Attach(std::function<void()> wake) = 0;
  // Appends what is ready now (a bounded amount: the server calls again
  // after writing it) to `out`. Returns false when the stream is over,
  // after appending its last bytes.
  virtual bool Pull(std::string& out) = 0;
  // Once, when the stream stops: over, client gone, write failed, shutdown.
  virtual void Detach() = 0;
};

struct StreamOptions {
  std::string heartbeat = ": keep-alive\n\n";  // written after `heartbeat_interval` of silence
  Duration heartbeat_interval = std::chrono::seconds(15);
};

struct Exchange;  // one request awaiting its answer (http_server.cpp)

// Answers one request. A small value: copy it anywhere, call it from any
// thread. Every call after the first answer, an Abort, or the connection's
// end is a no-op (returning false). Dropping every copy unanswered leaves
// the request waiting until the client leaves or the server stops.
class Responder {
 public:
  bool Send(HttpResponse response) const;
  // Answers with `head` (status, content type, extra headers; its body is
  // ignored) as a chunked stream fed by `source`.
  bool Stream(HttpResponse head, std::shared_ptr<StreamSource> source,
              StreamOptions options = {}) const;
  // Closes the connection without answering, as a crashing process would.
  void Abort() const;
  // True while the request waits for its answer on an open connection.
  bool Pending() const;

 private:
  friend struct Exchange;
  friend class HttpServer;
  explicit Responder(std::shared_ptr<Exchange> exchange) : exchange_(std::move(exchange)) {}
  std::shared_ptr<Exchange> exchange_;
};

enum class Dispatch { kInline, kWorker };

using Handler = std::function<void(const HttpRequest&, Responder)>;

// What to do with a request, decided from its head (`request.body` empty).
struct Route {
  // Names the route in metrics and logs ("GET /v1/rollouts/{id}"), never
  // the raw path, so its values stay few; copied to HttpRequest::route.
  std::string label;
  // Set: answer this without reading the body, and run no handler.
  std::optional<HttpResponse> reject;
  size_t body_limit = 0;  // bytes; a larger body is a 413
  Dispatch dispatch = Dispatch::kInline;
  Handler handler;
};

// Runs on the I/O thread for each request head; must not block.
using Router = std::function<Route(const HttpRequest& head)>;

// Called on the I/O thread after each answer (status 0: none was sent).
// `request.path` is decoded text from outside: escape it (EscapeText).
using AccessLog = std::function<void(const HttpRequest& request, int status)>;

class HttpServer {
 public:
  HttpServer(ServerOptions options, Router router, AccessLog access_log = {});
  ~HttpServer();  // stops, joins the workers, closes every socket
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens, without SO_REUSEPORT: a port another process holds
  // is Unavailable ("address already in use"), named in the message.
  Status Bind();
  // The bound port (the real one when options.port was 0); 0 before Bind().
  uint16_t port() const;

  // Serves until Stop(); returns at once when Stop() came first.
  Status Run();
  void Stop();

  // Runs `task` on the I/O thread, now or after `delay`.
  void Post(std::function<void()> task);
  void RunAfter(Duration delay, std::function<void()> task);

  ServerStats stats() const;

  struct Core;  // the io_context and everything on it (http_server.cpp)

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace rollcall::httpd
