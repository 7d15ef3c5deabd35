// EventHttpServer: a single-threaded, epoll-based HTTP/1.1 server.
//
// Built for thousands of concurrent, slow or never-answered requests, which
// a thread-per-connection server cannot hold (see STACK.md: idle keep-alive
// connections starve cpp-httplib's pool). One thread runs Run(); every
// socket is non-blocking; a handler may answer at once, later (from a timer
// scheduled with RunAfter), never, or by closing the connection (Abort).
//
// Per connection: keep-alive, pipelining (requests are answered in order; the
// next one is parsed only after the current one is answered), Content-Length
// bodies bounded by ParserLimits (413/431 beyond), "Expect: 100-continue",
// TCP_NODELAY, and a lingering close after "Connection: close" so the last
// answer is not lost to a reset. Idle keep-alive connections (nothing
// pending) close after `idle_timeout`; a connection whose request awaits a
// deferred answer stays open until the answer or the peer closes. A peer
// that shuts down its sending side while its request waits counts as gone
// (HTTP clients do not half-close; abandoned requests must not pile up).
//
// Thread-safety: Stop() is thread-safe and async-signal-safe. Everything
// else, including Responder, runs on the thread that calls Run() (or before
// Run() starts, on the constructing thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "net/http_message.h"
#include "net/http_parser.h"
#include "net/timer_queue.h"

namespace rollcall::net {

class EventHttpServer;

// Answers one request. A small value: copy it into a timer to answer later,
// or drop it to never answer. Every call is a no-op once the request was
// answered or aborted, or its connection closed. Must not outlive the server.
class Responder {
 public:
  // Queues `response` for the request and starts writing it. False when
  // the request can no longer be answered (already answered, aborted, or the
  // peer went away). Called from inside a handler (for this or another
  // connection), the connection's next pipelined request is parsed after the
  // handler returns, never in a nested handler call.
  bool Send(HttpResponse response) const;
  // Closes the connection without answering, as a crashing process would.
  void Abort() const;
  // True while the request waits for its answer on an open connection.
  bool Pending() const;

 private:
  friend class EventHttpServer;
  Responder(EventHttpServer* server, uint64_t connection, uint64_t request)
      : server_(server), connection_(connection), request_(request) {}
  EventHttpServer* server_;
  uint64_t connection_;
  uint64_t request_;
};

// Runs on the loop thread for each complete request. It answers through the
// responder now or later, or never. Exceptions it throws become a 500.
using RequestHandler = std::function<void(const HttpRequest&, Responder)>;

struct ServerOptions {
  std::string host = "127.0.0.1";  // numeric IPv4/IPv6 address or a resolvable name
  uint16_t port = 0;               // 0 picks a free port; see EventHttpServer::port()
  int backlog = 4096;              // listen(2) backlog (the kernel caps it at somaxconn)
  ParserLimits limits;             // request head and body size limits
  Duration idle_timeout = std::chrono::seconds(120);  // 0 keeps idle connections forever
  Duration linger_timeout = std::chrono::seconds(2);  // max wait for the peer's FIN on close
  size_t max_connections = 0;                         // 0: bounded only by the open-file limit
};

struct ServerStats {
  size_t open_connections = 0;
  uint64_t accepted = 0;   // connections accepted since start
  uint64_t requests = 0;   // complete requests handed to the handler
  uint64_t responses = 0;  // answers queued, including error answers by the server
};

class EventHttpServer {
 public:
  EventHttpServer(ServerOptions options, RequestHandler handler);
  ~EventHttpServer();  // closes every socket; pending responders become no-ops
  EventHttpServer(const EventHttpServer&) = delete;
  EventHttpServer& operator=(const EventHttpServer&) = delete;

  // Binds and listens. Invalid for a host that does not resolve, Unavailable
  // when the address cannot be bound (e.g. the port is in use).
  Status Bind();
  // The bound port (the real one when options.port was 0); 0 before Bind().
  uint16_t port() const { return port_; }
  const std::string& host() const { return options_.host; }

  // Serves until Stop(). Internal when epoll itself fails; OK after Stop().
  Status Run();
  // Makes Run() return after the current loop iteration. Thread-safe and
  // async-signal-safe: a signal handler may call it.
  void Stop();

  // Runs `callback` on the loop after `delay` (0: on the next iteration).
  TimerQueue::Id RunAfter(Duration delay, std::function<void()> callback);
  void CancelTimer(TimerQueue::Id id) { timers_.Cancel(id); }
  // The loop's monotonic clock.
  static TimePoint Now();

  ServerStats stats() const;

 private:
  struct Connection;
  friend class Responder;

  void InitEventFds();
  void LoopIteration();
  int WaitTimeoutMs() const;
  void AcceptAll();
  void PauseAccepting();
  void MaybeResumeAccepting();
  void Register(int fd);
  void OnConnectionEvent(Connection& c, uint32_t events);
  size_t ReadCap(const Connection& c) const;
  bool ReadAvailable(Connection& c);
  bool Flush(Connection& c);
  void Settle(Connection& c);
  void ProcessInput(Connection& c);
  void Dispatch(Connection& c, const HttpRequest& request);
  void QueueResponse(Connection& c, const HttpResponse& response, bool keep_alive);
  void StartLingeringClose(Connection& c);
  void UpdateInterest(Connection& c);
  void Close(Connection& c);
  void SettleDeferred();
  void SweepIdle();
  void RunDueTimers();

  Connection* FindAwaiting(uint64_t connection, uint64_t request) const;
  bool SendFor(uint64_t connection, uint64_t request, const HttpResponse& response);
  void AbortFor(uint64_t connection, uint64_t request);

  const ServerOptions options_;
  const RequestHandler handler_;
  Status init_status_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd written by Stop()
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  bool accepting_ = true;
  TimePoint accept_resume_at_{};
  TimePoint next_sweep_{};
  uint64_t next_connection_id_ = 2;  // 0 and 1 tag the listen socket and the eventfd
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  // Closed this iteration; freed at its end so references on the stack stay valid.
  std::vector<std::unique_ptr<Connection>> graveyard_;
  bool in_handler_ = false;          // the handler is running (answers then settle later)
  std::vector<uint64_t> to_settle_;  // connections answered from inside a handler
  TimerQueue timers_;
  ServerStats stats_;
};

}  // namespace rollcall::net
