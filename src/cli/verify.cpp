#include "cli/verify.h"

#include <condition_variable>
#include <deque>
#include <fmt/format.h>
#include <mutex>
#include <thread>

#include "core/types.h"

namespace rollcall {
namespace {

// The shortest request worth sending as the deadline nears: time for a
// tenant on loopback or a nearby network to answer.
constexpr Duration kLastRequest = std::chrono::milliseconds(500);

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
// so at most as many are in flight as were started. Its timeout ends by the
// deadline; past it, nothing more is sent.
void SendNext(const std::shared_ptr<const VerifyEnv>& env, const std::shared_ptr<Round>& round, Duration timeout,
              TimePoint deadline) {
  Round::Probe probe;
  {
    std::lock_guard lock(round->mu);
    if (round->abandoned || round->unsent.empty()) return;
    probe = std::move(round->unsent.front());
    round->unsent.pop_front();
  }
  const Duration left = deadline - env->now();
  if (left < kLastRequest) {
    HttpResponse spent;
    spent.error = "not checked: the budget ran out";
    {
      std::lock_guard lock(round->mu);
      round->Record(probe, std::move(spent));
    }
    return SendNext(env, round, timeout, deadline);
  }
  HttpRequest req;
  req.url = probe.url;
  req.timeout = std::min(timeout, left);
  req.connect_timeout = std::min(req.connect_timeout, req.timeout);
  env->send(std::move(req), [env, round, probe, timeout, deadline](HttpResponse r) {
    {
      std::lock_guard lock(round->mu);
      round->Record(probe, std::move(r));
    }
    SendNext(env, round, timeout, deadline);
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

Result<std::string> VerifyUrlOf(const std::string& slug, const std::string& base_url, const std::string& public_url,
                                const std::string& url_template) {
  if (!public_url.empty()) return public_url;
  if (url_template.empty()) return base_url;
  std::string url;
  for (size_t i = 0; i < url_template.size(); ++i) {
    if (url_template.compare(i, 6, "{slug}") == 0) {
      url += slug;
      i += 5;
    } else if (url_template[i] == '{' || url_template[i] == '}') {
      return Status::Invalid("--url-template: only {slug} may be substituted, got \"" + url_template + "\"");
    } else {
      url += url_template[i];
    }
  }
  while (!url.empty() && url.back() == '/') url.pop_back();  // "/buildinfo" follows
  if (!IsHttpUrl(url)) return Status::Invalid("--url-template: must make an http:// or https:// URL, got \"" + url + "\"");
  return url;
}

VerifyEnv RealVerifyEnv(HttpClient& http) {
  return VerifyEnv{[&http](HttpRequest req, std::function<void(HttpResponse)> done) {
                     http.Send(std::move(req), std::move(done));
                   },
                   [] { return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now()); },
                   [](TimePoint t) { std::this_thread::sleep_until(t); }};
}

std::vector<VerifyRow> RunVerify(const VerifyEnv& world, const std::vector<VerifyTarget>& targets,
                                 const VerifyOptions& options,
                                 const std::function<void(size_t, size_t)>& progress) {
  // Shared with the callbacks: one may still run after a round was given up.
  auto env = std::make_shared<const VerifyEnv>(world);
  std::vector<VerifyRow> rows(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) rows[i].slug = targets[i].slug;
  const TimePoint start = env->now();
  // A budget too short for one request still gets one round.
  const TimePoint deadline = start + std::max(options.budget, kLastRequest);
  for (;;) {
    const TimePoint round_start = env->now();
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
    for (size_t i = 0; i < std::min(probes, in_flight); ++i) SendNext(env, round, options.request_timeout, deadline);
    bool lost = false;
    {
      // Every request ends by the deadline, so the round does too; this
      // wait (in real time) only guards against a lost callback.
      std::unique_lock lock(round->mu);
      round->done.wait_for(lock, options.budget + options.request_timeout + std::chrono::seconds(5),
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
    const TimePoint next = round_start + options.interval;
    // Another round only when it can still get answers before the deadline.
    if (lost || ok == rows.size() || next + kLastRequest > deadline) break;
    env->sleep_until(next);
  }
  return rows;
}

}  // namespace rollcall
