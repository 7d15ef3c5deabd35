#include "tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

namespace rollcall::it {
namespace {

int ConnectTo(const Endpoint& e) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(e.port));
  inet_pton(AF_INET, e.host.c_str(), &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Copies what `from` has to `to`; false when either side is done.
bool Pump(int from, int to) {
  char buf[16384];
  ssize_t n = read(from, buf, sizeof buf);
  if (n <= 0) return false;
  for (ssize_t off = 0; off < n;) {
    ssize_t w = write(to, buf + off, static_cast<size_t>(n - off));
    if (w <= 0) return false;
    off += w;
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(Endpoint upstream) : upstream_(std::move(upstream)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  listen(listen_fd_, 64);
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  wake_fd_ = eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { Loop(); });
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  thread_.join();
  close(listen_fd_);
  close(wake_fd_);
}

void TcpProxy::CutAll() {
  cut_requests_++;
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

void TcpProxy::Loop() {
  struct Pair {
    int client, upstream;
  };
  std::vector<Pair> pairs;
  auto close_pair = [](const Pair& p) {
    close(p.client);
    close(p.upstream);
  };
  int cuts_done = 0;
  while (!stop_) {
    std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    for (const Pair& p : pairs) {
      fds.push_back({p.client, POLLIN, 0});
      fds.push_back({p.upstream, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), 1000) < 0) continue;
    if (fds[1].revents) {
      uint64_t n;
      (void)!read(wake_fd_, &n, sizeof n);
    }
    if (cut_requests_ > cuts_done) {
      cuts_done = cut_requests_;
      for (const Pair& p : pairs) close_pair(p);
      cuts_ += static_cast<int>(pairs.size());
      pairs.clear();
      continue;
    }
    std::vector<Pair> alive;
    for (size_t i = 0; i < pairs.size(); ++i) {
      const pollfd& c = fds[2 + 2 * i];
      const pollfd& u = fds[3 + 2 * i];
      bool ok = true;
      if (c.revents) ok = Pump(pairs[i].client, pairs[i].upstream);
      if (ok && u.revents) ok = Pump(pairs[i].upstream, pairs[i].client);
      if (ok) alive.push_back(pairs[i]);
      else close_pair(pairs[i]);
    }
    pairs = std::move(alive);
    if (fds[0].revents) {
      int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        int upstream = ConnectTo(upstream_);
        if (upstream < 0) close(client);
        else pairs.push_back({client, upstream});
      }
    }
  }
  for (const Pair& p : pairs) close_pair(p);
}

}  // namespace rollcall::it
