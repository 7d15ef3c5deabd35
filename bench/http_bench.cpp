// http_bench: load for the HTTP servers, not a test.
//
//   http_bench rps HOST:PORT PATH CONNECTIONS ROUNDS [TOKEN]
//     CONNECTIONS keep-alive connections, each sending ROUNDS GETs of PATH
//     one after another; prints requests/s and the answers by status.
//   http_bench follow HOST:PORT PATH FOLLOWERS SECONDS [TOKEN]
//     FOLLOWERS event streams (GET PATH) read from one poll() loop until
//     each ends or SECONDS pass; prints how many ended and the bytes read.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness.h"

using namespace rollcall::it;

namespace {

Endpoint ParseEndpoint(const std::string& text) {
  const size_t colon = text.rfind(':');
  return Endpoint{text.substr(0, colon), std::atoi(text.c_str() + colon + 1)};
}

std::string Get(const std::string& path, const std::string& token) {
  return RawRequest("GET", path, "", token.empty() ? HttpHeaders{} : BearerHeader(token));
}

int Rps(const Endpoint& at, const std::string& path, int connections, int rounds,
        const std::string& token) {
  const std::string request = Get(path, token);
  const auto start = SteadyClock::now();
  FanOutReport report = KeepAliveFanOut(
      at, connections, rounds, [&](int, int) { return request; }, After(std::chrono::minutes(5)));
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  std::string statuses;
  for (const auto& [status, n] : report.by_status) statuses += fmt::format(" {}x{}", n, status);
  fmt::print("{} {}: {} connections x {} rounds: {} answered in {:.2f} s = {:.0f} requests/s;{}\n",
             at.Url(), path, connections, rounds, report.answered, seconds,
             report.answered / seconds, statuses);
  for (const auto& e : report.errors) fmt::print("  error: {}\n", e);
  return report.answered == connections * rounds ? 0 : 1;
}

int Connect(const Endpoint& at) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(at.port));
  inet_pton(AF_INET, at.host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int Follow(const Endpoint& at, const std::string& path, int followers, int seconds,
           const std::string& token) {
  const std::string request = Get(path, token);
  std::vector<pollfd> fds;
  for (int i = 0; i < followers; ++i) {
    int fd = Connect(at);
    if (fd < 0 || ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) {
      fmt::print("follower {}: cannot connect\n", i);
      return 1;
    }
    fds.push_back(pollfd{fd, POLLIN, 0});
  }
  size_t ended = 0, bytes = 0;
  const Deadline until = After(std::chrono::seconds(seconds));
  char buf[65536];
  while (ended < fds.size() && SteadyClock::now() < until) {
    if (::poll(fds.data(), fds.size(), 200) <= 0) continue;
    for (auto& p : fds) {
      if (p.fd < 0 || p.revents == 0) continue;
      ssize_t n = ::recv(p.fd, buf, sizeof(buf), 0);
      if (n > 0) {
        bytes += static_cast<size_t>(n);
        continue;
      }
      ::close(p.fd);
      p.fd = -1;
      ++ended;
    }
  }
  fmt::print("{} followers of {}: {} ended, {} bytes read\n", followers, path, ended, bytes);
  for (auto& p : fds) {
    if (p.fd >= 0) ::close(p.fd);
  }
  return ended == fds.size() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    fmt::print(stderr,
               "usage: http_bench rps HOST:PORT PATH CONNECTIONS ROUNDS [TOKEN]\n"
               "       http_bench follow HOST:PORT PATH FOLLOWERS SECONDS [TOKEN]\n");
    return 2;
  }
  RaiseOpenFileLimit();
  const std::string mode = argv[1], path = argv[3], token = argc > 6 ? argv[6] : "";
  const Endpoint at = ParseEndpoint(argv[2]);
  if (mode == "rps") return Rps(at, path, std::atoi(argv[4]), std::atoi(argv[5]), token);
  if (mode == "follow") return Follow(at, path, std::atoi(argv[4]), std::atoi(argv[5]), token);
  fmt::print(stderr, "unknown mode {}\n", mode);
  return 2;
}
