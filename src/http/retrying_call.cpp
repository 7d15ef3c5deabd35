#include "http/retrying_call.h"

#include <mutex>

namespace rollcall {
namespace {

class RetryingCall : public std::enable_shared_from_this<RetryingCall> {
 public:
  RetryingCall(HttpClient& http, Clock& clock, HttpRequest req, RetryPolicy policy,
               std::function<void(HttpResponse)> done)
      : http_(http), clock_(clock), request_(std::move(req)), policy_(policy),
        deadline_(clock.Now() + request_.timeout), delay_(policy.first_delay), done_(std::move(done)) {}

  void Attempt() {
    std::lock_guard lock(mu_);
    if (cancelled_) return;
    ++attempts_;
    HttpRequest req = request_;
    req.timeout = std::max<Duration>(deadline_ - clock_.Now(), std::chrono::milliseconds(1));
    current_ = http_.Send(std::move(req), [self = shared_from_this()](HttpResponse r) {
      self->OnAnswer(std::move(r));
    });
  }

  void Cancel() {
    CancelFn current;
    {
      std::lock_guard lock(mu_);
      cancelled_ = true;
      clock_.Cancel(timer_);
      current = std::move(current_);
    }
    if (current) current();
  }

 private:
  void OnAnswer(HttpResponse r) {
    std::unique_lock lock(mu_);
    if (cancelled_) return;
    const bool time_left = clock_.Now() + delay_ < deadline_;
    if (IsRetryable(r) && attempts_ < policy_.max_attempts && time_left) {
      timer_ = clock_.CallAfter(delay_, [self = shared_from_this()] { self->Attempt(); });
      delay_ *= 2;
      return;
    }
    auto done = std::move(done_);
    lock.unlock();
    done(std::move(r));
  }

  HttpClient& http_;
  Clock& clock_;
  const HttpRequest request_;
  const RetryPolicy policy_;
  const TimePoint deadline_;
  std::mutex mu_;
  Duration delay_;                            // guarded by mu_
  int attempts_ = 0;                          // guarded by mu_
  bool cancelled_ = false;                    // guarded by mu_
  CancelFn current_;                          // guarded by mu_
  TimerId timer_ = 0;                         // guarded by mu_
  std::function<void(HttpResponse)> done_;    // guarded by mu_
};

}  // namespace

bool IsRetryable(const HttpResponse& r) {
  if (r.status == 502 || r.status == 503 || r.status == 504) return true;
  // Refused, reset, DNS: nothing was answered. A request its sender held
  // back (may_send) stays unsent.
  return r.status == 0 && !r.timed_out && !r.not_sent;
}

CancelFn SendWithRetry(HttpClient& http, Clock& clock, HttpRequest req, RetryPolicy policy,
                       std::function<void(HttpResponse)> done) {
  auto call = std::make_shared<RetryingCall>(http, clock, std::move(req), policy, std::move(done));
  call->Attempt();
  return [call] { call->Cancel(); };
}

}  // namespace rollcall
