#include "httpd/server_core.h"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "core/safe_text.h"

namespace rollcall::httpd {

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
