#include "cli/verify.h"

#include <condition_variable>
#include <fmt/format.h>
#include <mutex>
#include <thread>

namespace rollcall {
namespace {

// Collects the answers of one round; the main thread waits on it.
struct Round {
  std::mutex mu;
  std::condition_variable done;
  size_t pending = 0;                       // guarded by mu
  std::vector<VerifyObservation> seen;      // guarded by mu
  std::vector<std::string> errors;          // guarded by mu

  void Answer(size_t i, bool buildinfo, HttpResponse r) {
    std::lock_guard lock(mu);
    VerifyObservation& o = seen[i];
    if (buildinfo) {
      o.buildinfo_status = r.error.empty() ? r.status : 0;
      o.buildinfo_body = std::move(r.body);
      if (!r.error.empty()) errors[i] = r.error;
    } else {
      o.healthz_status = r.error.empty() ? r.status : 0;
    }
    if (--pending == 0) done.notify_one();
  }
};

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
    // Shared with the callbacks, so a round given up on stays valid.
    auto round = std::make_shared<Round>();
    round->seen.resize(targets.size());
    round->errors.resize(targets.size());
    std::vector<size_t> polled;
    for (size_t i = 0; i < targets.size(); ++i) {
      if (rows[i].state != VerifyState::kOk) polled.push_back(i);
    }
    round->pending = polled.size() * 2;
    for (size_t i : polled) {
      for (bool buildinfo : {true, false}) {
        HttpRequest req;
        req.url = targets[i].base_url + (buildinfo ? "/buildinfo" : "/healthz");
        req.timeout = options.request_timeout;
        http.Send(std::move(req), [round, i, buildinfo](HttpResponse r) {
          round->Answer(i, buildinfo, std::move(r));
        });
      }
    }
    {
      // Every request carries its own timeout, so the round always ends;
      // the extra margin only guards against a lost callback.
      std::unique_lock lock(round->mu);
      round->done.wait_until(lock, std::chrono::steady_clock::now() + options.request_timeout * 2 +
                                       std::chrono::seconds(5),
                             [&] { return round->pending == 0; });
      if (round->pending != 0) break;  // answers lost: report what we have
    }
    size_t ok = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].state == VerifyState::kOk) {
        ++ok;
        continue;
      }
      rows[i].state = ClassifyVerify(round->seen[i], options.sha, &rows[i].running_sha);
      rows[i].detail = Detail(rows[i].state, round->seen[i], round->errors[i]);
      ok += rows[i].state == VerifyState::kOk;
    }
    if (progress) progress(ok, rows.size());
    const auto next = round_start + options.interval;
    if (ok == rows.size() || next >= deadline) break;
    std::this_thread::sleep_until(next);  // the poll interval, bounded by the budget
  }
  return rows;
}

}  // namespace rollcall
