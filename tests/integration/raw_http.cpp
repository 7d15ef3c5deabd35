// The raw-socket half of the harness: RawConnection and KeepAliveFanOut.
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "harness.h"

namespace rollcall::it {
namespace {

int PollMillis(Deadline deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 60'000));
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Takes one complete response with a Content-Length body off the front of
// `buffer`; nullopt while incomplete. Interim 1xx answers are skipped.
std::optional<HttpReply> TakeResponse(std::string& buffer) {
  while (true) {
    size_t head_end = buffer.find("\r\n\r\n");
    if (head_end == std::string::npos || buffer.size() < 12) return std::nullopt;
    HttpReply reply;
    reply.status = std::atoi(buffer.c_str() + 9);
    size_t length = 0;
    size_t line = buffer.find("\r\n");
    while (line < head_end) {
      size_t next = buffer.find("\r\n", line + 2);
      std::string_view header(buffer.data() + line + 2, next - line - 2);
      size_t colon = header.find(':');
      if (colon != std::string_view::npos &&
          EqualsIgnoreCase(header.substr(0, colon), "Content-Length")) {
        length = std::stoul(std::string(header.substr(colon + 1)));
      }
      line = next;
    }
    if (reply.status >= 100 && reply.status < 200) {
      buffer.erase(0, head_end + 4);
      continue;
    }
    if (buffer.size() < head_end + 4 + length) return std::nullopt;
    reply.body = buffer.substr(head_end + 4, length);
    buffer.erase(0, head_end + 4 + length);
    return reply;
  }
}

}  // namespace

int OpenNonBlockingSocket(const Endpoint& endpoint, std::string& error) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(endpoint.port));
  if (inet_pton(AF_INET, endpoint.host.c_str(), &addr.sin_addr) != 1) {
    error = "not an IPv4 address: " + endpoint.host;
    return -1;
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = fmt::format("socket: {}", strerror(errno));
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 && errno != EINPROGRESS) {
    error = fmt::format("connect: {}", strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

std::string RawRequest(const std::string& method, const std::string& path, const std::string& body,
                       const HttpHeaders& headers) {
  std::string out = fmt::format("{} {} HTTP/1.1\r\nHost: rollcall-test\r\n", method, path);
  for (const auto& [name, value] : headers) out += fmt::format("{}: {}\r\n", name, value);
  if (!body.empty() || method == "POST") {
    out += fmt::format("Content-Type: application/json\r\nContent-Length: {}\r\n", body.size());
  }
  return out + "\r\n" + body;
}

// ---- RawConnection -----------------------------------------------------

Result<std::unique_ptr<RawConnection>> RawConnection::Open(const Endpoint& endpoint) {
  std::string error;
  int fd = OpenNonBlockingSocket(endpoint, error);
  if (fd < 0) return Status::Unavailable(error);
  pollfd p{.fd = fd, .events = POLLOUT, .revents = 0};
  int so_error = 0;
  socklen_t len = sizeof(so_error);
  if (poll(&p, 1, 10'000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0 ||
      so_error != 0) {
    close(fd);
    return Status::Unavailable(
        fmt::format("connect to {}: {}", endpoint.Url(), strerror(so_error)));
  }
  return std::unique_ptr<RawConnection>(new RawConnection(fd));
}

RawConnection::~RawConnection() { close(fd_); }

Status RawConnection::Send(const std::string& bytes) {
  size_t sent = 0;
  Deadline deadline = After(std::chrono::seconds(10));
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return Status::Unavailable(strerror(errno));
    pollfd p{.fd = fd_, .events = POLLOUT, .revents = 0};
    if (poll(&p, 1, PollMillis(deadline)) == 0) return Status::Unavailable("send timed out");
  }
  return Status::Ok();
}

Result<HttpReply> RawConnection::ReadResponse(Deadline deadline) {
  while (true) {
    if (auto reply = TakeResponse(buffer_)) return *reply;
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, PollMillis(deadline)) == 0)
      return Status::Unavailable("no answer before the deadline");
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n == 0) return Status::Unavailable("connection closed without a (complete) answer");
    if (n < 0 && errno != EAGAIN && errno != EINTR) return Status::Unavailable(strerror(errno));
    if (n > 0) buffer_.append(chunk, static_cast<size_t>(n));
  }
}

bool RawConnection::ClosedWithoutAnswer(Deadline deadline) {
  while (true) {
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, PollMillis(deadline)) == 0) return false;  // still open at the deadline
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n == 0) return buffer_.empty();
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      return false;  // it answered
    }
    if (errno == ECONNRESET) return buffer_.empty();
    if (errno != EAGAIN && errno != EINTR) return false;
  }
}

// ---- KeepAliveFanOut ---------------------------------------------------

namespace {

struct FanConnection {
  int fd = -1;
  int round = 0;
  bool connected = false;
  std::string out;
  size_t sent = 0;
  std::string in;
};

class FanOut {
 public:
  FanOut(const Endpoint& endpoint, int rounds, const RequestFactory& request)
      : endpoint_(endpoint),
        rounds_(rounds),
        request_(request),
        epoll_(epoll_create1(EPOLL_CLOEXEC)) {}
  ~FanOut() {
    for (auto& c : conns_) {
      if (c.fd >= 0) close(c.fd);
    }
    close(epoll_);
  }

  FanOutReport Run(int connections, Deadline deadline) {
    conns_.resize(static_cast<size_t>(connections));
    for (int i = 0; i < connections; ++i) Open(i);
    epoll_event events[512];
    while (open_ > 0 && SteadyClock::now() < deadline) {
      int n = epoll_wait(epoll_, events, 512, std::min(PollMillis(deadline), 100));
      for (int k = 0; k < n; ++k) OnEvent(static_cast<int>(events[k].data.u32), events[k].events);
    }
    if (open_ > 0) Fail(-1, fmt::format("{} connections unfinished at the deadline", open_));
    return report_;
  }

 private:
  void Open(int i) {
    std::string error;
    int fd = OpenNonBlockingSocket(endpoint_, error);
    if (fd < 0) return Fail(-1, error);
    conns_[i].fd = fd;
    ++open_;
    epoll_event ev{.events = EPOLLOUT | EPOLLIN, .data = {.u32 = static_cast<uint32_t>(i)}};
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  }

  void OnEvent(int i, uint32_t events) {
    FanConnection& c = conns_[i];
    if (c.fd < 0) return;
    if (!c.connected) {
      int so_error = 0;
      socklen_t len = sizeof(so_error);
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
      if (so_error != 0) return Fail(i, fmt::format("connect: {}", strerror(so_error)));
      if (!(events & EPOLLOUT)) return;
      c.connected = true;
      ++report_.connected;
      StartRound(i);
    }
    if ((events & EPOLLOUT) && c.sent < c.out.size() && !Write(i)) return;
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) Read(i);
  }

  void StartRound(int i) {
    FanConnection& c = conns_[i];
    c.out = request_(i, c.round);
    c.sent = 0;
    Write(i);
  }

  bool Write(int i) {
    FanConnection& c = conns_[i];
    while (c.sent < c.out.size()) {
      ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
      if (n > 0) {
        c.sent += static_cast<size_t>(n);
      } else if (n < 0 && errno == EAGAIN) {
        return true;
      } else {
        Fail(i, fmt::format("send: {}", strerror(errno)));
        return false;
      }
    }
    return true;
  }

  void Read(int i) {
    FanConnection& c = conns_[i];
    char chunk[16384];
    while (true) {
      ssize_t n = ::recv(c.fd, chunk, sizeof(chunk), 0);
      if (n > 0) {
        c.in.append(chunk, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) return Fail(i, "connection closed before the answer");
      if (errno == EAGAIN) break;
      return Fail(i, fmt::format("recv: {}", strerror(errno)));
    }
    if (auto reply = TakeResponse(c.in)) {
      ++report_.answered;
      ++report_.by_status[reply->status];
      if (++c.round == rounds_) return Finish(i);
      StartRound(i);
    }
  }

  void Finish(int i) {
    close(conns_[i].fd);
    conns_[i].fd = -1;
    --open_;
  }

  void Fail(int i, std::string error) {
    if (report_.errors.size() < 10) report_.errors.push_back(std::move(error));
    if (i >= 0 && conns_[i].fd >= 0) Finish(i);
  }

  const Endpoint& endpoint_;
  const int rounds_;
  const RequestFactory& request_;
  int epoll_;
  int open_ = 0;
  std::vector<FanConnection> conns_;
  FanOutReport report_;
};

}  // namespace

FanOutReport KeepAliveFanOut(const Endpoint& endpoint, int connections, int rounds,
                             const RequestFactory& request, Deadline deadline) {
  return FanOut(endpoint, rounds, request).Run(connections, deadline);
}

}  // namespace rollcall::it
