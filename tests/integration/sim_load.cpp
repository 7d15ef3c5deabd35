// sim_load: a load check of rollcall-sim, not a test. Starts the simulator,
// optionally parks idle keep-alive connections on it, then runs a fan-out of
// keep-alive connections and prints the throughput.
//
//   sim_load SIM_BIN TENANTS CONNECTIONS ROUNDS IDLE [deploy]
//
// With "deploy", each connection POSTs one deploy (round 0) instead of GET
// /healthz; deploy times are lognormal around 200 ms.
#include <fmt/format.h>

#include <cstdlib>
#include <string>

#include "harness.h"

using namespace rollcall::it;

namespace {

std::vector<std::unique_ptr<RawConnection>> ParkIdleConnections(const Endpoint& at, int count) {
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < count; ++i) {
    auto c = RawConnection::Open(at);
    if (c.ok()) idle.push_back(std::move(*c));
  }
  return idle;
}

int AnsweredAfterwards(std::vector<std::unique_ptr<RawConnection>>& idle) {
  int ok = 0;
  for (auto& c : idle) {
    if (c->Send(RawRequest("GET", "/healthz")).ok() &&
        c->ReadResponse(After(std::chrono::seconds(30))).ok()) {
      ++ok;
    }
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    fmt::print(stderr, "usage: sim_load SIM_BIN TENANTS CONNECTIONS ROUNDS IDLE [deploy]\n");
    return 2;
  }
  const int tenants = std::atoi(argv[2]), connections = std::atoi(argv[3]);
  const int rounds = std::atoi(argv[4]), idle_count = std::atoi(argv[5]);
  const bool deploy = argc > 6 && std::string(argv[6]) == "deploy";
  RaiseOpenFileLimit();
  auto sim = ChildProcess::Start({argv[1], "--tenants", std::to_string(tenants), "--listen",
                                  "127.0.0.1:0", "--deploy-dist", "lognormal:200:0.5"});
  if (!sim.ok()) return fmt::print(stderr, "{}\n", sim.status().message()), 1;
  auto at = WaitForListening(**sim, After(std::chrono::seconds(30)));
  if (!at.ok()) return fmt::print(stderr, "{}\n", at.status().message()), 1;
  auto idle = ParkIdleConnections(*at, idle_count);

  auto request = [&](int i, int round) {
    std::string slug = fmt::format("t{:04d}", i % tenants);
    if (deploy && round == 0) {
      return RawRequest("POST", "/t/" + slug + "/agent/v1/deploy",
                        R"({"image":"registry.test/app:v2","release_seq":2})");
    }
    return RawRequest("GET", "/t/" + slug + "/healthz");
  };
  auto start = SteadyClock::now();
  FanOutReport report =
      KeepAliveFanOut(*at, connections, rounds, request, After(std::chrono::seconds(300)));
  double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  fmt::print(
      "tenants={} idle={} connections={} rounds={}: connected={} answered={} 200s={} "
      "errors={} in {:.2f}s = {:.0f} req/s\n",
      tenants, idle.size(), connections, rounds, report.connected, report.answered,
      report.by_status[200], report.errors.size(), seconds, report.answered / seconds);
  for (const auto& e : report.errors) fmt::print("  error: {}\n", e);
  if (!idle.empty()) {
    fmt::print("idle connections answered afterwards: {}/{}\n", AnsweredAfterwards(idle),
               idle.size());
  }
  return report.errors.empty() ? 0 : 1;
}
