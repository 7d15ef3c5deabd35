// The only translation unit that includes Beast and Asio (they cost ~20 s
// of compile time each time they are included).
#include <utility>  // before Asio: 1.74's awaitable.hpp uses std::exchange

#include "httpd/http_server.h"

#include <fmt/format.h>
#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <limits>
#include <mutex>
#include <unordered_map>

#include "core/safe_text.h"
#include "httpd/worker_pool.h"

namespace rollcall::httpd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using beast::error_code;

namespace {

constexpr size_t kReadChunk = 16 * 1024;

struct Counters {
  std::atomic<uint64_t> accepted{0}, open{0}, requests{0}, refused_at_cap{0}, header_timeouts{0},
      idle_timeouts{0}, body_timeouts{0}, write_timeouts{0}, bad_requests{0}, streams{0};
};

auto Await(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// What a connection waiting for an answer (or for stream data) is woken
// by. Lives on the I/O thread only; others reach it through a post.
struct Waiter {
  asio::steady_timer* timer = nullptr;  // the session's, while it waits
  bool woken = false;
  bool gone = false;  // the client closed its side
  void Wake() {
    woken = true;
    if (timer != nullptr) timer->cancel();
  }
};

}  // namespace

struct HttpServer::Core {
  Core(ServerOptions o, Router r, AccessLog l)
      : options(std::move(o)), router(std::move(r)), access_log(std::move(l)) {}

  const ServerOptions options;
  const Router router;
  const AccessLog access_log;
  Counters counters;
  std::unordered_map<std::string, size_t> per_peer;  // I/O thread only
  std::atomic<bool> stopped{false};
  std::atomic<uint16_t> port{0};
  std::weak_ptr<Core> weak_self;  // for Responders, which must not keep the server alive
  // After everything a session's destructor touches (destroyed before it),
  // so abandoned coroutines can be torn down by the io_context's destructor.
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  WorkerPool workers{options.workers};  // destroyed first: no task outlives io
};

struct Exchange {
  enum class State { kWaiting, kAnswered, kStreaming, kAborted, kClosed };

  std::weak_ptr<HttpServer::Core> core;
  std::mutex mu;
  State state = State::kWaiting;                 // guarded by mu
  HttpResponse response;                         // guarded by mu
  std::shared_ptr<StreamSource> source;          // guarded by mu
  StreamOptions stream_options;                  // guarded by mu
  std::weak_ptr<Waiter> waiter;                  // guarded by mu; set while the session waits

  // Moves from kWaiting to `to`, filling the answer under the lock; wakes
  // the session. False when the request was settled already.
  template <typename Fill>
  bool Settle(State to, Fill fill) {
    std::weak_ptr<Waiter> wake;
    {
      std::lock_guard lock(mu);
      if (state != State::kWaiting) return false;
      state = to;
      fill();
      wake = waiter;
    }
    if (auto c = core.lock()) {
      asio::post(c->io, [wake] {
        if (auto w = wake.lock()) w->Wake();
      });
    }
    return true;
  }

  static Responder ResponderFor(std::shared_ptr<Exchange> exchange) {
    return Responder(std::move(exchange));
  }

  State Current() {
    std::lock_guard lock(mu);
    return state;
  }
};

bool Responder::Send(HttpResponse response) const {
  return exchange_->Settle(Exchange::State::kAnswered,
                           [&] { exchange_->response = std::move(response); });
}

bool Responder::Stream(HttpResponse head, std::shared_ptr<StreamSource> source,
                       StreamOptions options) const {
  return exchange_->Settle(Exchange::State::kStreaming, [&] {
    exchange_->response = std::move(head);
    exchange_->source = std::move(source);
    exchange_->stream_options = std::move(options);
  });
}

void Responder::Abort() const {
  exchange_->Settle(Exchange::State::kAborted, [] {});
}

bool Responder::Pending() const { return exchange_->Current() == Exchange::State::kWaiting; }

namespace {

std::string HeaderSafe(std::string_view value) {
  std::string out(value);
  std::erase_if(out, [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
  return out;
}

bool IsTimeout(const error_code& ec) { return ec == beast::error::timeout; }

// One connection: reads requests one after another and answers each in
// order. Long because it is the connection's state machine, step by step.
class Session {
 public:
  Session(HttpServer::Core& core, tcp::socket socket, std::string peer)
      : core_(core), stream_(std::move(socket)), peer_(std::move(peer)),
        timer_(stream_.get_executor()), waiter_(std::make_shared<Waiter>()) {
    ++core_.per_peer[peer_];
    ++core_.counters.open;
  }
  ~Session() {
    if (--core_.per_peer[peer_] == 0) core_.per_peer.erase(peer_);
    --core_.counters.open;
  }

  awaitable<void> Run() {
    for (bool first = true;; first = false) {
      if (core_.stopped) co_return;
      if (buffer_.size() == 0 && !co_await AwaitFirstByte(first)) co_return;
      if (!co_await ServeOne()) co_return;
    }
  }

 private:
  // The next request's first byte: within header_timeout of the accept,
  // or idle_timeout after the previous answer.
  awaitable<bool> AwaitFirstByte(bool first) {
    error_code ec;
    stream_.expires_after(first ? core_.options.header_timeout : core_.options.idle_timeout);
    size_t n = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), Await(ec));
    if (ec) {
      if (IsTimeout(ec)) ++(first ? core_.counters.header_timeouts : core_.counters.idle_timeouts);
      co_return false;
    }
    buffer_.commit(n);
    co_return true;
  }

  // Reads, routes, runs and answers one request; false: close.
  awaitable<bool> ServeOne() {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(core_.options.header_limit));
    parser.body_limit(std::numeric_limits<uint64_t>::max());  // the route decides
    error_code ec;
    stream_.expires_after(core_.options.header_timeout);
    co_await http::async_read_header(stream_, buffer_, parser, Await(ec));
    if (ec) {
      if (IsTimeout(ec)) {
        ++core_.counters.header_timeouts;
        co_return false;  // the stream closed the socket at the deadline
      }
      if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
          ec == asio::error::eof || ec == asio::error::connection_reset) {
        co_return false;
      }
      ++core_.counters.bad_requests;
      const bool too_big = ec == http::error::header_limit;
      const int status = too_big ? 431 : 400;
      const std::string why =
          too_big ? fmt::format("request head: larger than {} bytes", core_.options.header_limit)
                  : fmt::format("bad request: {}", ec.message());
      co_await Refuse(status, why);
      co_return false;
    }
    request_ = HttpRequest{};
    const std::pair<int, std::string> refused = ReadHead(parser);
    if (refused.first != 0) {
      ++core_.counters.bad_requests;
      co_await Refuse(refused.first, refused.second);
      co_return false;
    }
    const bool has_body = parser.chunked() || parser.content_length().value_or(0) > 0;
    const bool keep_alive = parser.get().keep_alive();
    Route route = RouteOf();
    if (route.reject) {
      // The body stays unread: answer, then close (discarding what follows).
      const bool keep = keep_alive && !has_body;
      co_return co_await Answer(*route.reject, keep) && keep;
    }
    if (parser.content_length() && *parser.content_length() > route.body_limit) {
      const std::string why = fmt::format("body: larger than {} bytes", route.body_limit);
      co_await Refuse(413, why);
      co_return false;
    }
    parser.body_limit(route.body_limit);
    if (has_body && !co_await ReadBody(parser, route.body_limit)) co_return false;
    request_.body = std::move(parser.get().body());
    ++core_.counters.requests;
    co_return co_await RunHandler(std::move(route), keep_alive);
  }

  // Fills request_ from the parsed head; {status, message} when refused.
  std::pair<int, std::string> ReadHead(http::request_parser<http::string_body>& parser) {
    const auto& head = parser.get();
    if (head.version() != 10 && head.version() != 11) return {400, "HTTP version: only 1.0 and 1.1"};
    size_t fields = 0;
    for (const auto& field : head) {
      if (++fields > core_.options.max_header_fields) {
        return {431, fmt::format("request head: more than {} fields", core_.options.max_header_fields)};
      }
      request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    if (const std::string* te = request_.Header("Transfer-Encoding")) {
      // Only "chunked" alone: any other coding would be framed by guesswork.
      std::string coding = *te;
      std::erase_if(coding, [](char c) { return c == ' ' || c == '\t'; });
      if (!EqualsIgnoreCase(coding, "chunked") || !parser.chunked() || head.version() == 10) {
        return {400, "Transfer-Encoding: only \"chunked\" is supported"};
      }
    }
    request_.method = std::string(head.method_string());
    request_.target = std::string(head.target());
    request_.peer = peer_;
    if (Status s = DecodeTarget(request_.target, request_); !s.ok()) {
      request_.path = EscapeText(request_.target);  // for the access log
      return {400, s.message()};
    }
    return {0, ""};
  }

  Route RouteOf() {
    try {
      return core_.router(request_);
    } catch (const std::exception&) {
      Route r;
      r.reject = HttpResponse::JsonError(500, "internal error");
      return r;
    }
  }

  // Reads the body at no less than min_body_rate; false: closed (answered
  // 413 or 408 where the connection still allows it).
  awaitable<bool> ReadBody(http::request_parser<http::string_body>& parser, size_t body_limit) {
    error_code ec;
    if (const std::string* expect = request_.Header("Expect");
        expect && EqualsIgnoreCase(*expect, "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(core_.options.write_timeout);
      co_await asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()), Await(ec));
      if (ec) co_return false;
    }
    const auto started = std::chrono::steady_clock::now();
    while (!parser.is_done()) {
      stream_.expires_after(core_.options.header_timeout);
      co_await http::async_read_some(stream_, buffer_, parser, Await(ec));
      if (ec == http::error::body_limit) {
        const std::string why = fmt::format("body: larger than {} bytes", body_limit);
        co_await Refuse(413, why);
        co_return false;
      }
      if (IsTimeout(ec)) {
        ++core_.counters.body_timeouts;
        co_return false;
      }
      if (ec) {
        if (ec != http::error::end_of_stream && ec != asio::error::eof) {
          ++core_.counters.bad_requests;
          const std::string why = fmt::format("bad request body: {}", ec.message());
          co_await Refuse(400, why);
        }
        co_return false;
      }
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      const double grace = std::chrono::duration<double>(core_.options.header_timeout).count();
      if (elapsed > grace && static_cast<double>(parser.get().body().size()) <
                                 static_cast<double>(core_.options.min_body_rate) * elapsed) {
        ++core_.counters.body_timeouts;
        const std::string why = "body: arriving too slowly";
        co_await Refuse(408, why);
        co_return false;
      }
    }
    co_return true;
  }

  awaitable<bool> RunHandler(Route route, bool keep_alive) {
    auto exchange = std::make_shared<Exchange>();
    exchange->core = core_.weak_self;
    Responder responder = Exchange::ResponderFor(exchange);
    auto request = std::make_shared<const HttpRequest>(std::move(request_));
    auto run = [handler = std::move(route.handler), request, responder] {
      try {
        handler(*request, responder);
      } catch (const std::exception&) {
        responder.Send(HttpResponse::JsonError(500, "internal error"));
      }
    };
    if (route.dispatch == Dispatch::kWorker) {
      core_.workers.Submit(std::move(run));
    } else {
      run();
    }
    // What the access log needs; the handler owns the request (and its body).
    request_ = HttpRequest{};
    request_.method = request->method;
    request_.path = request->path;
    request_.peer = request->peer;
    const Exchange::State settled = co_await AwaitAnswer(*exchange);
    if (settled == Exchange::State::kAnswered) {
      HttpResponse response;
      {
        std::lock_guard lock(exchange->mu);
        response = std::move(exchange->response);
      }
      co_return co_await Answer(response, keep_alive && !response.close_connection) && keep_alive &&
          !response.close_connection;
    }
    if (settled == Exchange::State::kStreaming) {
      co_await RunStream(*exchange);
      co_return false;
    }
    Log(0);
    co_return false;  // aborted, the client left, or the server stops
  }

  // Waits until the exchange is settled or the client goes away.
  awaitable<Exchange::State> AwaitAnswer(Exchange& exchange) {
    {
      std::lock_guard lock(exchange.mu);
      if (exchange.state != Exchange::State::kWaiting) co_return exchange.state;
      exchange.waiter = waiter_;
    }
    WatchForDeparture();
    Exchange::State state = Exchange::State::kWaiting;
    while ((state = exchange.Current()) == Exchange::State::kWaiting) {
      if (waiter_->gone || core_.stopped) {
        std::lock_guard lock(exchange.mu);
        if (exchange.state == Exchange::State::kWaiting) exchange.state = Exchange::State::kClosed;
        state = exchange.state;
        break;
      }
      co_await WaitForWake(std::chrono::steady_clock::time_point::max());
    }
    error_code ignored;
    stream_.socket().cancel(ignored);  // ends the departure watch
    co_return state;
  }

  // Sleeps until Wake() or `until`; true when the deadline passed.
  awaitable<bool> WaitForWake(std::chrono::steady_clock::time_point until) {
    if (waiter_->woken) {
      waiter_->woken = false;
      co_return false;
    }
    error_code ec;
    waiter_->timer = &timer_;
    timer_.expires_at(until);
    co_await timer_.async_wait(Await(ec));
    waiter_->timer = nullptr;
    waiter_->woken = false;
    co_return !ec;
  }

  // Notices a client that closes its side while it waits for an answer or
  // reads a stream (HTTP clients do not half-close: it left).
  void WatchForDeparture() {
    std::weak_ptr<Waiter> weak = waiter_;
    const int fd = stream_.socket().native_handle();
    stream_.socket().async_wait(tcp::socket::wait_read, [weak, fd](const error_code& ec) {
      auto w = weak.lock();
      if (ec || !w) return;
      char byte;
      const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        w->gone = true;
        w->Wake();
      }  // n > 0: a pipelined request; it waits its turn
    });
  }

  awaitable<void> RunStream(Exchange& exchange) {
    std::shared_ptr<StreamSource> source;
    StreamOptions options;
    http::response<http::empty_body> head;
    {
      std::lock_guard lock(exchange.mu);
      source = exchange.source;
      options = exchange.stream_options;
      head = HeadOf(exchange.response);
    }
    head.chunked(true);
    head.keep_alive(false);
    error_code ec;
    http::response_serializer<http::empty_body> serializer(head);
    stream_.expires_after(core_.options.write_timeout);
    co_await http::async_write_header(stream_, serializer, Await(ec));
    Log(head.result_int());
    if (ec) co_return;
    ++core_.counters.streams;
    source->Attach(WakeFunction());
    WatchForDeparture();
    co_await PumpStream(*source, options);
    source->Detach();
    --core_.counters.streams;
    error_code ignored;
    stream_.socket().cancel(ignored);
  }

  awaitable<void> PumpStream(StreamSource& source, const StreamOptions& options) {
    error_code ec;
    for (;;) {
      waiter_->woken = false;
      std::string out;
      const bool more = source.Pull(out);
      if (!out.empty() && !co_await WriteChunk(out)) co_return;
      if (!more) {
        stream_.expires_after(core_.options.write_timeout);
        co_await asio::async_write(stream_, http::make_chunk_last(), Await(ec));
        co_return;
      }
      if (waiter_->gone || core_.stopped) co_return;
      if (!out.empty()) continue;
      const bool silent = co_await WaitForWake(std::chrono::steady_clock::now() +
                                               options.heartbeat_interval);
      if (waiter_->gone || core_.stopped) co_return;
      if (silent && !co_await WriteChunk(options.heartbeat)) co_return;
    }
  }

  awaitable<bool> WriteChunk(const std::string& bytes) {
    error_code ec;
    stream_.expires_after(core_.options.write_timeout);
    co_await asio::async_write(stream_, http::make_chunk(asio::buffer(bytes)), Await(ec));
    if (IsTimeout(ec)) ++core_.counters.write_timeouts;
    co_return !ec;
  }

  // Coalesces wakes from other threads into at most one post at a time.
  std::function<void()> WakeFunction() {
    auto posted = std::make_shared<std::atomic<bool>>(false);
    std::weak_ptr<Waiter> weak = waiter_;
    std::weak_ptr<HttpServer::Core> core = core_.weak_self;
    return [posted, weak, core] {
      if (posted->exchange(true)) return;
      auto c = core.lock();
      if (!c) return;
      asio::post(c->io, [posted, weak] {
        posted->store(false);
        if (auto w = weak.lock()) w->Wake();
      });
    };
  }

  static http::response<http::empty_body> HeadOf(const HttpResponse& r) {
    http::response<http::empty_body> head{static_cast<http::status>(r.status), 11};
    head.set(http::field::content_type, HeaderSafe(r.content_type));
    for (const auto& [name, value] : r.headers) head.insert(HeaderSafe(name), HeaderSafe(value));
    return head;
  }

  // Writes `r`; false when the write failed. With !keep_alive, says
  // "Connection: close" and closes after it (lingering).
  awaitable<bool> Answer(const HttpResponse& r, bool keep_alive) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
    res.set(http::field::content_type, HeaderSafe(r.content_type));
    for (const auto& [name, value] : r.headers) res.insert(HeaderSafe(name), HeaderSafe(value));
    res.keep_alive(keep_alive);
    if (request_.method == "HEAD") {
      res.content_length(r.body.size());
    } else {
      res.body() = r.body;
      res.prepare_payload();
    }
    error_code ec;
    stream_.expires_after(core_.options.write_timeout);
    co_await http::async_write(stream_, res, Await(ec));
    if (IsTimeout(ec)) ++core_.counters.write_timeouts;
    Log(r.status);
    if (ec) co_return false;
    if (!keep_alive) co_await LingeringClose();
    co_return true;
  }

  awaitable<void> Refuse(int status, const std::string& message) {
    HttpResponse r = HttpResponse::JsonError(status, message);
    co_await Answer(r, false);
  }

  // Half-closes and discards what the client still sends (an upload we
  // refused) for at most linger_timeout, so it reads our answer instead of
  // a reset; then closes.
  awaitable<void> LingeringClose() {
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    const auto deadline = std::chrono::steady_clock::now() + core_.options.linger_timeout;
    static thread_local char scratch[kReadChunk];
    while (!ec) {
      stream_.expires_at(deadline);
      co_await stream_.async_read_some(asio::buffer(scratch), Await(ec));
    }
    stream_.close();
  }

  void Log(int status) {
    if (core_.access_log && !request_.method.empty()) core_.access_log(request_, status);
  }

  HttpServer::Core& core_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  const std::string peer_;
  asio::steady_timer timer_;
  std::shared_ptr<Waiter> waiter_;
  HttpRequest request_;  // the request being served (without its body once handled)
};

awaitable<void> RunSession(HttpServer::Core& core, tcp::socket socket, std::string peer) {
  Session session(core, std::move(socket), std::move(peer));
  try {
    co_await session.Run();
  } catch (const std::exception&) {
    // A failed allocation or a bug: drop this connection, keep serving.
  }
}

// Over the cap: a canned 503 without a coroutine, then close.
void RefuseBusy(tcp::socket& socket) {
  static constexpr std::string_view kBody = R"({"error":"server busy: too many connections"})";
  const std::string answer = fmt::format(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Content-Length: {}\r\nConnection: close\r\nRetry-After: 1\r\n\r\n{}",
      kBody.size(), kBody);
  const int fd = socket.native_handle();
  (void)::send(fd, answer.data(), answer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  char scratch[4096];
  while (::recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT) > 0) {
  }
  error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

awaitable<void> AcceptLoop(HttpServer::Core& core) {
  asio::steady_timer backoff(core.io);
  for (;;) {
    error_code ec;
    tcp::socket socket = co_await core.acceptor.async_accept(Await(ec));
    if (core.stopped || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors (EMFILE) or similar: pause accepting briefly
      // instead of spinning; queued connections wait in the backlog.
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(Await(ec));
      continue;
    }
    ++core.counters.accepted;
    std::string peer = socket.remote_endpoint(ec).address().to_string();
    if (ec) continue;  // already gone
    auto at = core.per_peer.find(peer);
    const size_t from_peer = at == core.per_peer.end() ? 0 : at->second;
    if (core.counters.open >= core.options.max_connections ||
        from_peer >= core.options.max_connections_per_peer) {
      ++core.counters.refused_at_cap;
      RefuseBusy(socket);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);  // without it Nagle adds 40 ms per answer
    asio::co_spawn(core.io, RunSession(core, std::move(socket), std::move(peer)), asio::detached);
  }
}

}  // namespace

std::string MetricsText(const ServerStats& s, std::string_view prefix) {
  std::string out;
  auto counter = [&](std::string_view name, std::string_view help, uint64_t value) {
    out += fmt::format("# HELP {0}_{1} {2}\n# TYPE {0}_{1} counter\n{0}_{1} {3}\n", prefix, name,
                       help, value);
  };
  auto gauge = [&](std::string_view name, std::string_view help, uint64_t value) {
    out += fmt::format("# HELP {0}_{1} {2}\n# TYPE {0}_{1} gauge\n{0}_{1} {3}\n", prefix, name,
                       help, value);
  };
  counter("connections_accepted_total", "Connections accepted.", s.accepted);
  gauge("connections_open", "Connections open now.", s.open);
  gauge("streams_open", "Event streams open now.", s.streams);
  counter("requests_total", "Complete requests handed to a handler.", s.requests);
  counter("connections_refused_total", "Connections refused at the connection cap.",
          s.refused_at_cap);
  counter("bad_requests_total", "Requests refused for framing, head size or target.",
          s.bad_requests);
  out += fmt::format(
      "# HELP {0}_deadline_closes_total Connections closed for missing a deadline.\n"
      "# TYPE {0}_deadline_closes_total counter\n",
      prefix);
  for (auto [kind, n] : {std::pair{"header", s.header_timeouts}, std::pair{"idle", s.idle_timeouts},
                         std::pair{"body", s.body_timeouts}, std::pair{"write", s.write_timeouts}}) {
    out += fmt::format("{}_deadline_closes_total{{deadline=\"{}\"}} {}\n", prefix, kind, n);
  }
  return out;
}

HttpServer::HttpServer(ServerOptions options, Router router, AccessLog access_log)
    : core_(std::make_shared<Core>(std::move(options), std::move(router), std::move(access_log))) {
  core_->weak_self = core_;
}

HttpServer::~HttpServer() {
  Stop();
  // No worker may run (and drop the last reference to the core) past here.
  core_->workers.Stop();
}

Status HttpServer::Bind() {
  Core& c = *core_;
  error_code ec;
  tcp::resolver resolver(c.io);
  auto endpoints = resolver.resolve(c.options.host, std::to_string(c.options.port),
                                    tcp::resolver::passive, ec);
  if (ec || endpoints.empty()) {
    return Status::Invalid(fmt::format("cannot resolve {}: {}", EscapeText(c.options.host),
                                       ec ? ec.message() : "no address"));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  const std::string where = fmt::format("{}:{}", EscapeText(c.options.host), c.options.port);
  c.acceptor.open(endpoint.protocol(), ec);
  // SO_REUSEADDR lets a restart bind over TIME_WAIT; it never lets a second
  // process share a listening port (that would be SO_REUSEPORT).
  if (!ec) c.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) c.acceptor.bind(endpoint, ec);
  if (!ec) c.acceptor.listen(c.options.backlog, ec);
  if (ec) {
    error_code ignored;
    c.acceptor.close(ignored);
    return Status::Unavailable(fmt::format("cannot listen on {}: {}", where, ec.message()));
  }
  c.port = c.acceptor.local_endpoint(ec).port();
  return Status::Ok();
}

uint16_t HttpServer::port() const { return core_->port; }

Status HttpServer::Run() {
  Core& c = *core_;
  if (!c.acceptor.is_open()) return Status::Internal("Run() before a successful Bind()");
  asio::co_spawn(c.io, AcceptLoop(c), asio::detached);
  try {
    c.io.run();
  } catch (const std::exception& e) {
    return Status::Internal(fmt::format("HTTP server loop: {}", e.what()));
  }
  return Status::Ok();
}

void HttpServer::Stop() {
  core_->stopped = true;
  core_->io.stop();
}

void HttpServer::Post(std::function<void()> task) { asio::post(core_->io, std::move(task)); }

void HttpServer::RunAfter(Duration delay, std::function<void()> task) {
  Core& c = *core_;
  asio::post(c.io, [&c, delay, task = std::move(task)]() mutable {
    auto timer = std::make_shared<asio::steady_timer>(c.io, delay);
    timer->async_wait([timer, task = std::move(task)](const error_code& ec) {
      if (!ec) task();
    });
  });
}

ServerStats HttpServer::stats() const {
  const Counters& n = core_->counters;
  return ServerStats{n.accepted, n.open, n.requests, n.refused_at_cap, n.header_timeouts,
                     n.idle_timeouts, n.body_timeouts, n.write_timeouts, n.bad_requests, n.streams};
}

}  // namespace rollcall::httpd
