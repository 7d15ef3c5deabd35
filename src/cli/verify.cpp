#include "cli/verify.h"

#include <condition_variable>
#include <deque>
#include <fmt/format.h>
#include <mutex>
#include <thread>

namespace rollcall {
namespace {

// One polling round: what is left to send, and the answers so far. Shared
// with the callbacks, so a round given up on stays valid.
struct Round {
  struct Probe {
    size_t index;
    bool buildinfo;
    std::string url;
  };

  std::mutex mu;
  std::condition_variable done;
  size_t pending = 0;                    // answers still expected, guarded by mu
  std::deque<Probe> unsent;              // guarded by mu
  bool abandoned = false;                // guarded by mu: send nothing more
  std::vector<VerifyObservation> seen;   // guarded by mu
  std::vector<std::string> errors;       // guarded by mu

  void Record(const Probe& p, HttpResponse r) {
    VerifyObservation& o = seen[p.index];
    if (p.buildinfo) {
      o.buildinfo_status = r.error.empty() ? r.status : 0;
      o.buildinfo_body = std::move(r.body);
      if (!r.error.empty()) errors[p.index] = r.error;
    } else {
      o.healthz_status = r.error.empty() ? r.status : 0;
    }
    if (--pending == 0) done.notify_one();
  }
};

// Sends the round's next unsent probe, if any; its answer sends the next,
// so at most as many are in flight as were started.
void SendNext(HttpClient& http, const std::shared_ptr<Round>& round, Duration timeout) {
  Round::Probe probe;
  {
    std::lock_guard lock(round->mu);
    if (round->abandoned || round->unsent.empty()) return;
    probe = std::move(round->unsent.front());
    round->unsent.pop_front();
  }
  HttpRequest req;
  req.url = probe.url;
  req.timeout = timeout;
  http.Send(std::move(req), [&http, round, probe, timeout](HttpResponse r) {
    {
      std::lock_guard lock(round->mu);
      round->Record(probe, std::move(r));
    }
    SendNext(http, round, timeout);
  });
}

std::string Detail(VerifyState state, const VerifyObservation& o, const std::string& error) {
  switch (state) {
    case VerifyState::kOk: return "";
    case VerifyState::kStale: return "still reports another build";
    case VerifyState::kUnhealthy: return fmt::format("healthz HTTP {}", o.healthz_status);
    case VerifyState::kUnreachable:
      return error.empty() ? fmt::format("buildinfo HTTP {}", o.buildinfo_status) : error;
  }
  return "";
}

}  // namespace

std::vector<VerifyRow> RunVerify(HttpClient& http, const std::vector<VerifyTarget>& targets,
                                 const VerifyOptions& options,
                                 const std::function<void(size_t, size_t)>& progress) {
  std::vector<VerifyRow> rows(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) rows[i].slug = targets[i].slug;
  const auto deadline = std::chrono::steady_clock::now() + options.budget;
  for (;;) {
    const auto round_start = std::chrono::steady_clock::now();
    auto round = std::make_shared<Round>();
    round->seen.resize(targets.size());
    round->errors.resize(targets.size());
    for (size_t i = 0; i < targets.size(); ++i) {
      if (rows[i].state == VerifyState::kOk) continue;
      round->unsent.push_back({i, true, targets[i].base_url + "/buildinfo"});
      round->unsent.push_back({i, false, targets[i].base_url + "/healthz"});
    }
    const size_t in_flight = std::max<size_t>(options.max_in_flight, 1);
    const size_t probes = round->unsent.size();
    round->pending = probes;
    for (size_t i = 0; i < std::min(probes, in_flight); ++i) SendNext(http, round, options.request_timeout);
    bool lost = false;
    {
      // Every request carries its own timeout, so the round always ends;
      // the deadline only guards against a lost callback.
      const auto waves = static_cast<int64_t>(probes / in_flight + 2);
      std::unique_lock lock(round->mu);
      round->done.wait_until(lock, std::chrono::steady_clock::now() + options.request_timeout * waves,
                             [&] { return round->pending == 0; });
      lost = round->pending != 0;
      round->abandoned = lost;
    }
    size_t ok = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].state == VerifyState::kOk) {
        ++ok;
        continue;
      }
      std::lock_guard lock(round->mu);  // a lost answer may still arrive
      rows[i].state = ClassifyVerify(round->seen[i], options.sha, &rows[i].running_sha);
      rows[i].detail = Detail(rows[i].state, round->seen[i], round->errors[i]);
      ok += rows[i].state == VerifyState::kOk;
    }
    if (progress) progress(ok, rows.size());
    const auto next = round_start + options.interval;
    if (lost || ok == rows.size() || next >= deadline) break;  // lost: report what we have
    std::this_thread::sleep_until(next);  // the poll interval, bounded by the budget
  }
  return rows;
}

}  // namespace rollcall
