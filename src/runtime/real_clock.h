// RealClock: the production Clock. One loop thread runs posted tasks and
// due timers in order; any thread may schedule. The engine lives on it.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/clock.h"

namespace rollcall {

class RealClock : public Clock {
 public:
  RealClock();  // starts the loop thread
  ~RealClock() override;  // Stop()s

  // Stops and joins the loop; tasks not yet run are dropped, and later ones
  // are accepted but never run. Call before destroying what tasks touch.
  void Stop();

  TimePoint Now() const override;
  int64_t WallMillis() const override;
  TimerId CallAt(TimePoint when, Task task) override;
  void Cancel(TimerId id) override;
  void Post(Task task) override;

  // Runs `task` on the loop and waits for it, at most `timeout`. False when
  // it did not run in time (it may still run later) — callers answer 503.
  bool RunSync(Task task, Duration timeout);

  bool OnLoopThread() const { return std::this_thread::get_id() == loop_.get_id(); }

 private:
  using Key = std::pair<TimePoint, TimerId>;
  void Loop();

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;                   // guarded by mu_
  TimerId next_id_ = 1;                     // guarded by mu_
  std::map<Key, Task> queue_;               // guarded by mu_
  std::unordered_map<TimerId, Key> by_id_;  // guarded by mu_
  std::thread loop_;                        // last: starts after the rest exists
};

}  // namespace rollcall
