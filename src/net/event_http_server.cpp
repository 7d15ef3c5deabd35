#include "net/event_http_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rollcall::net {
namespace {

constexpr uint64_t kListenTag = 0;
constexpr uint64_t kWakeTag = 1;
constexpr size_t kReadChunk = 64 * 1024;
// Bounds one connection's share of a loop iteration, so a fast sender cannot
// starve the others; level-triggered epoll reports the rest next time.
constexpr size_t kMaxReadPerEvent = 1024 * 1024;
// While a request awaits its (possibly never coming) answer, pipelined bytes
// are buffered only up to this much; then reading pauses.
constexpr size_t kPausedReadCap = 64 * 1024;
constexpr Duration kAcceptRetry = std::chrono::milliseconds(100);
constexpr Duration kSweepEvery = std::chrono::milliseconds(250);
constexpr int kMaxEventsPerWait = 256;

std::string Errno(std::string_view what) {
  return fmt::format("{}: {}", what, std::strerror(errno));
}

uint16_t BoundPort(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

}  // namespace

struct EventHttpServer::Connection {
  uint64_t id = 0;
  int fd = -1;
  std::string in;   // received, not yet parsed
  std::string out;  // answers not yet written, from out_offset on
  size_t out_offset = 0;
  uint64_t request_seq = 0;  // bumps per dispatched request; stale responders miss it
  uint32_t interest = 0;     // epoll events currently registered
  bool awaiting = false;     // a dispatched request has no answer yet
  bool keep_alive = true;
  bool head_only = false;
  bool sent_continue = false;
  bool close_after_write = false;
  bool lingering = false;  // write side shut; reading and discarding until the peer's FIN
  bool peer_closed = false;
  bool closed = false;
  TimePoint last_activity{};
  TimePoint linger_until{};

  bool OutputPending() const { return out_offset < out.size(); }
};

// ---- Responder ---------------------------------------------------------

bool Responder::Send(HttpResponse response) const {
  return server_->SendFor(connection_, request_, response);
}

void Responder::Abort() const { server_->AbortFor(connection_, request_); }

bool Responder::Pending() const { return server_->FindAwaiting(connection_, request_) != nullptr; }

// ---- Setup and the loop ------------------------------------------------

EventHttpServer::EventHttpServer(ServerOptions options, RequestHandler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {
  InitEventFds();
}

EventHttpServer::~EventHttpServer() {
  for (auto& [id, c] : connections_) ::close(c->fd);
  for (int fd : {listen_fd_, wake_fd_, epoll_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

void EventHttpServer::InitEventFds() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    init_status_ = Status::Internal(Errno("epoll/eventfd"));
    return;
  }
  epoll_event ev{.events = EPOLLIN, .data = {.u64 = kWakeTag}};
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
    init_status_ = Status::Internal(Errno("epoll_ctl(eventfd)"));
  }
}

Status EventHttpServer::Bind() {
  if (!init_status_.ok()) return init_status_;
  const std::string where = fmt::format("listen {}:{}", options_.host, options_.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(options_.port);
  if (int rc = getaddrinfo(options_.host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return Status::Invalid(fmt::format("{}: {}", where, gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(found, freeaddrinfo);
  int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Unavailable(Errno(where));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, found->ai_addr, found->ai_addrlen) != 0 || listen(fd, options_.backlog) != 0) {
    Status failed = Status::Unavailable(Errno(where));
    ::close(fd);
    return failed;
  }
  epoll_event ev{.events = EPOLLIN, .data = {.u64 = kListenTag}};
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    Status failed = Status::Internal(Errno("epoll_ctl(listen)"));
    ::close(fd);
    return failed;
  }
  listen_fd_ = fd;
  port_ = BoundPort(fd);
  return Status::Ok();
}

Status EventHttpServer::Run() {
  if (listen_fd_ < 0) return Status::Internal("Run() needs a successful Bind() first");
  next_sweep_ = Now() + kSweepEvery;
  while (!stopping_.load()) {
    epoll_event events[kMaxEventsPerWait];
    int n = epoll_wait(epoll_fd_, events, kMaxEventsPerWait, WaitTimeoutMs());
    if (n < 0 && errno != EINTR) return Status::Internal(Errno("epoll_wait"));
    for (int i = 0; i < n; ++i) {
      const uint64_t tag = events[i].data.u64;
      if (tag == kListenTag) {
        AcceptAll();
      } else if (tag != kWakeTag) {
        auto it = connections_.find(tag);
        if (it != connections_.end()) OnConnectionEvent(*it->second, events[i].events);
      }
    }
    SettleDeferred();
    RunDueTimers();
    SettleDeferred();
    MaybeResumeAccepting();
    if (Now() >= next_sweep_) SweepIdle();
    graveyard_.clear();
  }
  return Status::Ok();
}

void EventHttpServer::Stop() {
  stopping_.store(true);
  uint64_t one = 1;
  // write(2) on an eventfd is async-signal-safe; a full counter still wakes.
  if (::write(wake_fd_, &one, sizeof(one)) < 0) return;
}

int EventHttpServer::WaitTimeoutMs() const {
  TimePoint wake = next_sweep_;
  if (auto due = timers_.NextDue()) wake = std::min(wake, *due);
  if (!accepting_) wake = std::min(wake, accept_resume_at_);
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - Now()).count();
  return static_cast<int>(std::max<int64_t>(0, wait));
}

TimePoint EventHttpServer::Now() {
  return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
}

TimerQueue::Id EventHttpServer::RunAfter(Duration delay, std::function<void()> callback) {
  return timers_.Add(Now() + delay, std::move(callback));
}

void EventHttpServer::RunDueTimers() {
  for (auto& callback : timers_.TakeDue(Now())) {
    try {
      callback();
    } catch (const std::exception& e) {
      fmt::print(stderr, "timer callback failed: {}\n", e.what());
    }
  }
}

ServerStats EventHttpServer::stats() const {
  ServerStats s = stats_;
  s.open_connections = connections_.size();
  return s;
}

// ---- Accepting ---------------------------------------------------------

void EventHttpServer::AcceptAll() {
  while (accepting_) {
    if (options_.max_connections > 0 && connections_.size() >= options_.max_connections) {
      return PauseAccepting();
    }
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      // Out of descriptors or memory: back off instead of spinning on a
      // listen socket that stays readable.
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        PauseAccepting();
      }
      return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    Register(fd);
  }
}

void EventHttpServer::Register(int fd) {
  auto c = std::make_unique<Connection>();
  c->id = next_connection_id_++;
  c->fd = fd;
  c->last_activity = Now();
  c->interest = EPOLLIN | EPOLLRDHUP;
  epoll_event ev{.events = c->interest, .data = {.u64 = c->id}};
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    ::close(fd);
    return;
  }
  ++stats_.accepted;
  connections_.emplace(c->id, std::move(c));
}

void EventHttpServer::PauseAccepting() {
  epoll_event ev{.events = 0, .data = {.u64 = kListenTag}};
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &ev);
  accepting_ = false;
  accept_resume_at_ = Now() + kAcceptRetry;
}

void EventHttpServer::MaybeResumeAccepting() {
  if (accepting_ || Now() < accept_resume_at_) return;
  epoll_event ev{.events = EPOLLIN, .data = {.u64 = kListenTag}};
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &ev);
  accepting_ = true;
}

// ---- One connection ----------------------------------------------------

void EventHttpServer::OnConnectionEvent(Connection& c, uint32_t events) {
  if (events & EPOLLERR) return Close(c);
  // The peer hung up while its request awaits an answer: it cannot want it
  // any more (and we may not be reading, so its FIN would go unseen).
  if ((events & (EPOLLRDHUP | EPOLLHUP)) && c.awaiting) return Close(c);
  c.last_activity = Now();
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) && !ReadAvailable(c)) return;
  if ((events & EPOLLOUT) && !Flush(c)) return;
  Settle(c);
}

// How much unparsed input a connection may buffer. Enough for one whole
// request when idle (the parser then answers or rejects it); a little when a
// request awaits its answer, so a pipelining client cannot grow it forever.
size_t EventHttpServer::ReadCap(const Connection& c) const {
  if (c.awaiting) return kPausedReadCap;
  return options_.limits.max_header_bytes + options_.limits.max_body_bytes + kReadChunk;
}

// Reads what the socket holds, up to the connection's buffer cap. False when
// the connection closed.
bool EventHttpServer::ReadAvailable(Connection& c) {
  char buf[kReadChunk];
  size_t total = 0;
  const bool discard = c.lingering || c.close_after_write;
  while (total < kMaxReadPerEvent && (discard || c.in.size() < ReadCap(c))) {
    ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
    if (n > 0) {
      total += static_cast<size_t>(n);
      if (!discard) c.in.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      c.peer_closed = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    Close(c);
    return false;
  }
  return true;
}

// Writes queued output. False when the connection closed on a write error.
bool EventHttpServer::Flush(Connection& c) {
  while (c.OutputPending()) {
    ssize_t n =
        ::send(c.fd, c.out.data() + c.out_offset, c.out.size() - c.out_offset, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_offset += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;  // EPOLLOUT resumes it
    Close(c);
    return false;
  }
  c.out.clear();
  c.out_offset = 0;
  return true;
}

// After any change: parse what can be parsed, start a pending close, and
// register the events the connection now needs.
void EventHttpServer::Settle(Connection& c) {
  if (c.closed) return;
  ProcessInput(c);
  if (c.closed) return;
  if (c.close_after_write && !c.OutputPending() && !c.lingering) StartLingeringClose(c);
  // A peer that closed cannot send another request: once what it is owed
  // is written, or its pending request can no longer reach it, we are done.
  if (c.peer_closed && (c.awaiting || c.lingering || !c.OutputPending())) return Close(c);
  UpdateInterest(c);
}

void EventHttpServer::ProcessInput(Connection& c) {
  while (!c.closed && !c.awaiting && !c.close_after_write && !c.lingering) {
    ParseResult parsed = ParseRequest(c.in, options_.limits);
    if (parsed.state == ParseResult::State::kIncomplete) {
      if (parsed.headers_done && parsed.request.expects_continue && !c.sent_continue) {
        c.sent_continue = true;
        c.out += "HTTP/1.1 100 Continue\r\n\r\n";
        Flush(c);
      }
      return;
    }
    if (parsed.state == ParseResult::State::kError) {
      c.in.clear();
      c.head_only = false;
      QueueResponse(c, HttpResponse::JsonError(parsed.error_status, parsed.error), false);
      return;
    }
    c.in.erase(0, parsed.consumed);
    c.sent_continue = false;
    Dispatch(c, parsed.request);
  }
}

void EventHttpServer::Dispatch(Connection& c, const HttpRequest& request) {
  c.awaiting = true;
  ++c.request_seq;
  c.keep_alive = request.keep_alive;
  c.head_only = request.method == "HEAD";
  ++stats_.requests;
  Responder responder(this, c.id, c.request_seq);
  in_handler_ = true;
  try {
    handler_(request, responder);
  } catch (const std::exception& e) {
    responder.Send(HttpResponse::JsonError(500, fmt::format("internal error: {}", e.what())));
  } catch (...) {
    responder.Send(HttpResponse::JsonError(500, "internal error"));
  }
  in_handler_ = false;  // `c` may be closed now, but it lives until the iteration ends
}

void EventHttpServer::QueueResponse(Connection& c, const HttpResponse& response, bool keep_alive) {
  c.out += SerializeResponse(response, keep_alive, c.head_only);
  ++stats_.responses;
  if (!keep_alive || response.close_connection) {
    c.close_after_write = true;
    c.in.clear();  // pipelined requests after this one will not be served
  }
  Flush(c);
}

// Closing a socket that still has unread input makes the kernel send a
// reset, which can destroy the answer we just wrote (e.g. a 413 while the
// client still uploads). So: shut our side, read and drop until the peer's
// FIN or linger_timeout, then close.
void EventHttpServer::StartLingeringClose(Connection& c) {
  ::shutdown(c.fd, SHUT_WR);
  c.lingering = true;
  c.in.clear();
  c.linger_until = Now() + options_.linger_timeout;
}

void EventHttpServer::UpdateInterest(Connection& c) {
  uint32_t want = 0;
  if (!c.peer_closed) {
    want |= EPOLLRDHUP;
    if (c.lingering || c.in.size() < ReadCap(c)) want |= EPOLLIN;
  }
  if (c.OutputPending()) want |= EPOLLOUT;
  if (want == c.interest) return;
  epoll_event ev{.events = want, .data = {.u64 = c.id}};
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev) != 0) return Close(c);
  c.interest = want;
}

void EventHttpServer::Close(Connection& c) {
  if (c.closed) return;
  c.closed = true;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
  auto it = connections_.find(c.id);
  graveyard_.push_back(std::move(it->second));
  connections_.erase(it);
}

void EventHttpServer::SettleDeferred() {
  while (!to_settle_.empty()) {
    std::vector<uint64_t> ids;
    ids.swap(to_settle_);
    for (uint64_t id : ids) {
      auto it = connections_.find(id);
      if (it != connections_.end()) Settle(*it->second);
    }
  }
}

void EventHttpServer::SweepIdle() {
  const TimePoint now = Now();
  next_sweep_ = now + kSweepEvery;
  std::vector<Connection*> expired;
  for (auto& [id, c] : connections_) {
    if (c->lingering) {
      if (now >= c->linger_until) expired.push_back(c.get());
    } else if (options_.idle_timeout.count() > 0 && !c->awaiting &&
               now - c->last_activity >= options_.idle_timeout) {
      expired.push_back(c.get());
    }
  }
  for (Connection* c : expired) Close(*c);
}

// ---- Answers from responders -------------------------------------------

EventHttpServer::Connection* EventHttpServer::FindAwaiting(uint64_t connection,
                                                           uint64_t request) const {
  auto it = connections_.find(connection);
  if (it == connections_.end()) return nullptr;
  Connection* c = it->second.get();
  return c->awaiting && c->request_seq == request ? c : nullptr;
}

bool EventHttpServer::SendFor(uint64_t connection, uint64_t request, const HttpResponse& response) {
  Connection* c = FindAwaiting(connection, request);
  if (c == nullptr) return false;
  c->awaiting = false;
  c->last_activity = Now();
  QueueResponse(*c, response, c->keep_alive);
  // Inside a handler, settling now could run the handler again, nested, for
  // this connection's next pipelined request: defer it to the loop.
  if (in_handler_) {
    to_settle_.push_back(c->id);
  } else {
    Settle(*c);
  }
  return true;
}

void EventHttpServer::AbortFor(uint64_t connection, uint64_t request) {
  if (Connection* c = FindAwaiting(connection, request)) Close(*c);
}

}  // namespace rollcall::net
