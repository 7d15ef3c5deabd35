// FakeClock: virtual time for deterministic engine tests and the demo.
//
// Posted tasks and timers share one queue ordered by (due time, scheduling
// order); running the queue advances Now() to each task's due time, so a
// five-minute rollout runs in microseconds and always the same way.
// Thread-safe to schedule into; Run* must be called from one thread.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "core/clock.h"

namespace rollcall {

class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t wall_start_ms = 1'800'000'000'000);
  ~FakeClock() override;

  TimePoint Now() const override;
  int64_t WallMillis() const override;
  TimerId CallAt(TimePoint when, Task task) override;
  void Cancel(TimerId id) override;
  void Post(Task task) override;

  // Runs tasks in order, advancing time, until none is left. Stops after
  // `max_tasks` as a guard against a loop that never settles; returns false
  // then.
  bool RunUntilIdle(size_t max_tasks = 50'000'000);
  // Runs every task due by `deadline`, then sets Now() to it.
  void RunUntil(TimePoint deadline);
  void Advance(Duration d) { RunUntil(Now() + d); }
  // Runs the next task (advancing time to it); false when none is left.
  bool Step() { return RunOne(std::nullopt); }

  // Virtual time since construction.
  Duration Elapsed() const;
  size_t pending() const;

 private:
  using Key = std::pair<TimePoint, uint64_t>;
  bool RunOne(std::optional<TimePoint> limit);

  const TimePoint start_;
  const int64_t wall_start_ms_;
  mutable std::mutex mu_;
  TimePoint now_;                                 // guarded by mu_
  uint64_t next_seq_ = 1;                         // guarded by mu_
  std::map<Key, Task> queue_;                     // guarded by mu_
  std::unordered_map<TimerId, Key> by_id_;        // guarded by mu_
};

}  // namespace rollcall
