#include "server/http_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <atomic>
#include <charconv>

namespace rollcall {
namespace {

using httplib::Request;
using httplib::Response;

void Send(Response& res, const ApiResponse& api) {
  res.status = api.status;
  res.set_content(api.body.dump(), "application/json");
}

int64_t LastEventId(const Request& req) {
  std::string text = req.get_header_value("Last-Event-ID");
  int64_t id = 0;
  std::from_chars(text.data(), text.data() + text.size(), id);
  return std::max<int64_t>(id, 0);
}

std::string SseFrame(const RolloutEvent& e) {
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", e.id, e.type, e.data.dump());
}

// Streams a rollout's ledger from `after`, then live, until its final event,
// the client leaving, or shutdown. Runs on one server thread.
bool StreamEvents(ControlPlane& plane, const std::string& id, int64_t after,
                  const std::atomic<bool>& stopping, httplib::DataSink& sink) {
  while (!stopping) {
    Result<std::vector<RolloutEvent>> events = plane.store().EventsAfter(id, after);
    if (!events.ok()) return false;
    for (const auto& e : *events) {
      std::string frame = SseFrame(e);
      if (!sink.write(frame.data(), frame.size())) return false;
      after = e.id;
      if (e.final) {
        sink.done();
        return true;
      }
    }
    auto wake = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    if (plane.hub().WaitAfter(id, after, wake).last_id <= after) {
      static constexpr char kKeepAlive[] = ": keep-alive\n\n";  // also detects a gone client
      if (!sink.write(kKeepAlive, sizeof(kKeepAlive) - 1)) return false;
    }
  }
  return false;
}

}  // namespace

HttpServer::HttpServer(ControlPlane& plane, Promoter& promoter, const Authorizer& auth,
                       HttpServerOptions options)
    : plane_(plane), promoter_(promoter), auth_(auth), options_(std::move(options)),
      server_(std::make_unique<httplib::Server>()) {
  const int threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_tcp_nodelay(true);  // without it Nagle adds 40 ms per request
  server_->set_payload_max_length(options_.body_limit);
  server_->set_read_timeout(std::chrono::seconds(30));
  server_->set_keep_alive_max_count(1000);
  const size_t limit = options_.body_limit;
  server_->set_error_handler([limit](const Request&, Response& res) {
    if (!res.body.empty()) return;
    std::string message = res.status == 413 ? fmt::format("body: larger than {} bytes", limit)
                          : res.status == 404 ? "not found"
                                              : fmt::format("HTTP {}", res.status);
    res.set_content(Json{{"error", message}}.dump(), "application/json");
  });
  server_->set_exception_handler([](const Request& req, Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("{} {}: {}", req.method, req.path, what);
    Send(res, ErrorResponse(500, "internal error: " + what));
  });
  server_->set_logger([](const Request& req, const Response& res) {
    // Never the headers: they carry tokens.
    spdlog::debug("http {} {} -> {}", req.method, req.path, res.status);
  });
  Routes();
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Routes() {
  using Handler = std::function<void(const Request&, Response&)>;
  auto guard = [this](Access needed, Handler fn) {
    return [this, needed, fn](const Request& req, Response& res) {
      Access have = auth_.Check(req.get_header_value("Authorization"));
      if (have == Access::kNone) {
        return Send(res, ErrorResponse(401, "unauthorized: missing or wrong bearer token"));
      }
      if (needed == Access::kAdmin && have != Access::kAdmin) {
        return Send(res, ErrorResponse(403, "forbidden: this token may only read"));
      }
      fn(req, res);
    };
  };
  auto read = [&](Handler fn) { return guard(Access::kRead, std::move(fn)); };
  auto admin = [&](Handler fn) { return guard(Access::kAdmin, std::move(fn)); };
  ControlPlane& p = plane_;
  auto& s = *server_;
  const std::atomic<bool>& stopping = stopping_;

  s.Get("/healthz", [](const Request&, Response& res) { Send(res, {200, Json{{"ok", true}}}); });
  s.Get("/metrics", read([&p](const Request&, Response& res) {
    res.set_content(p.Metrics(), "text/plain; version=0.0.4");
  }));

  s.Get("/v1/tenants", read([&p](const Request&, Response& res) { Send(res, p.ListTenants()); }));
  s.Post("/v1/tenants:bulk", admin([&p](const Request& req, Response& res) {
    Send(res, p.BulkTenants(req.body));
  }));
  s.Get(R"(/v1/tenants/([^/:]+))", read([&p](const Request& req, Response& res) {
    Send(res, p.GetTenant(req.matches[1]));
  }));
  s.Put(R"(/v1/tenants/([^/:]+))", admin([&p](const Request& req, Response& res) {
    Send(res, p.PutTenant(req.matches[1], req.body));
  }));
  s.Delete(R"(/v1/tenants/([^/:]+))", admin([&p](const Request& req, Response& res) {
    Send(res, p.DeleteTenant(req.matches[1]));
  }));
  s.Post(R"(/v1/tenants/([^/:]+)/(cordon|uncordon))", admin([&p](const Request& req, Response& res) {
    Send(res, p.SetCordoned(req.matches[1], req.matches[2] == "cordon"));
  }));

  s.Post("/v1/rollouts", admin([&p](const Request& req, Response& res) {
    Send(res, p.CreateRollout(req.body));
  }));
  s.Get("/v1/rollouts", read([&p](const Request& req, Response& res) {
    Send(res, p.ListRollouts(req.get_param_value("state")));
  }));
  s.Get(R"(/v1/rollouts/([^/]+))", read([&p](const Request& req, Response& res) {
    Send(res, p.GetRollout(req.matches[1]));
  }));
  s.Post(R"(/v1/rollouts/([^/]+)/(cancel|pause|resume))", admin([&p](const Request& req, Response& res) {
    const std::string what = req.matches[2];
    RolloutControl c = what == "cancel" ? RolloutControl::kCancel
                       : what == "pause" ? RolloutControl::kPause
                                         : RolloutControl::kResume;
    Send(res, p.Control(req.matches[1], c));
  }));
  s.Get(R"(/v1/rollouts/([^/]+)/events)", read([&p, &stopping](const Request& req, Response& res) {
    const std::string id = req.matches[1];
    if (Result<Rollout> r = p.store().GetRollout(id); !r.ok()) return Send(res, ErrorResponse(r.status()));
    const int64_t after = LastEventId(req);
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider("text/event-stream",
                                     [&p, &stopping, id, after](size_t, httplib::DataSink& sink) {
                                       return StreamEvents(p, id, after, stopping, sink);
                                     });
  }));
  s.Get("/v1/fleet", read([&p](const Request&, Response& res) { Send(res, p.Fleet()); }));
  s.Post("/v1/fleet/freeze", admin([&p](const Request& req, Response& res) { Send(res, p.Freeze(req.body)); }));
  s.Post("/v1/fleet/unfreeze", admin([&p](const Request&, Response& res) { Send(res, p.Unfreeze()); }));
  Promoter& promoter = promoter_;
  s.Get("/v1/channels", read([&promoter](const Request&, Response& res) { Send(res, promoter.List()); }));
  s.Get(R"(/v1/channels/([^/]+))", read([&promoter](const Request& req, Response& res) {
    Send(res, promoter.Get(req.matches[1]));
  }));
  s.Post(R"(/v1/channels/([^/]+)/promote)", admin([&promoter](const Request& req, Response& res) {
    Send(res, promoter.Promote(req.matches[1], req.body));
  }));
  s.Post("/cp/admin/tenants/redeploy-fleet", admin([&p](const Request& req, Response& res) {
    Send(res, p.LegacyRedeployFleet(req.body));
  }));
}

Result<int> HttpServer::Bind() {
  int listen_fd = -1;
  server_->set_socket_options([&listen_fd](int fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd = fd;
  });
  int port = options_.port;
  if (port == 0) {
    port = server_->bind_to_any_port(options_.host);
  } else if (!server_->bind_to_port(options_.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return Status::Unavailable(fmt::format("cannot listen on {}:{}", options_.host, options_.port));
  }
  // cpp-httplib listens with a backlog of 5; bursts of connections need more.
  if (listen_fd >= 0) ::listen(listen_fd, 4096);
  return port;
}

void HttpServer::Serve() { server_->listen_after_bind(); }

void HttpServer::Stop() {
  stopping_ = true;
  plane_.hub().Close();
  if (server_) server_->stop();
}

}  // namespace rollcall
