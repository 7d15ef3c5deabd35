// Internal to the server adapter (http_server.cpp and session.cpp, the only
// translation units that include Beast and Asio: ~20 s of compile time
// each): the io_context and what lives on it, and one request's exchange
// between a handler and its connection.
#pragma once

#include <utility>  // before Asio: 1.74's awaitable.hpp uses std::exchange

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "httpd/http_server.h"
#include "httpd/worker_pool.h"

namespace rollcall::httpd {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using asio::awaitable;
using beast::error_code;

inline constexpr size_t kReadChunk = 16 * 1024;

struct Counters {
  std::atomic<uint64_t> accepted{0}, open{0}, requests{0}, refused_at_cap{0}, header_timeouts{0},
      idle_timeouts{0}, body_timeouts{0}, write_timeouts{0}, bad_requests{0}, streams{0};
};

inline auto Await(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

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

// Accepts connections until the server stops; one coroutine per connection
// (session.cpp).
asio::awaitable<void> AcceptLoop(HttpServer::Core& core);

}  // namespace rollcall::httpd
