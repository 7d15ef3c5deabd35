// A connection's coroutine: reads requests one after another, routes each
// from its head, runs its handler and writes its answer or stream.
#include "httpd/server_core.h"

#include <fmt/format.h>
#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <limits>

#include "core/safe_text.h"

namespace rollcall::httpd {

namespace http = beast::http;

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
    request_.received = std::chrono::steady_clock::now();
    const std::pair<int, std::string> refused = ReadHead(parser);
    if (refused.first != 0) {
      ++core_.counters.bad_requests;
      co_await Refuse(refused.first, refused.second);
      co_return false;
    }
    const bool has_body = parser.chunked() || parser.content_length().value_or(0) > 0;
    const bool keep_alive = parser.get().keep_alive();
    Route route = RouteOf();
    request_.route = route.label;
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
    request_.route = request->route;
    request_.received = request->received;
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

}  // namespace

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

}  // namespace rollcall::httpd
