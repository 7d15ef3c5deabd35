#include "testing/fake_clock.h"

namespace rollcall {

FakeClock::FakeClock(int64_t wall_start_ms)
    : start_(TimePoint(std::chrono::hours(1))), wall_start_ms_(wall_start_ms), now_(start_) {}

FakeClock::~FakeClock() {
  // As RealClock: tasks left are destroyed outside the lock, and may schedule.
  DropPendingTasks(mu_, queue_, by_id_);
}

TimePoint FakeClock::Now() const {
  std::lock_guard lock(mu_);
  return now_;
}

int64_t FakeClock::WallMillis() const {
  std::lock_guard lock(mu_);
  return wall_start_ms_ + DurationToMillis(now_ - start_);
}

TimerId FakeClock::CallAt(TimePoint when, Task task) {
  std::lock_guard lock(mu_);
  const TimerId id = next_seq_++;
  Key key{std::max(when, now_), id};
  queue_.emplace(key, std::move(task));
  by_id_.emplace(id, key);
  return id;
}

void FakeClock::Cancel(TimerId id) {
  Task doomed;  // destroyed after the lock: its destructor may schedule (a lease release)
  std::lock_guard lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  auto task = queue_.find(it->second);
  doomed = std::move(task->second);
  queue_.erase(task);
  by_id_.erase(it);
}

void FakeClock::Post(Task task) { CallAt(Now(), std::move(task)); }

bool FakeClock::RunOne(std::optional<TimePoint> limit) {
  Task task;
  {
    std::lock_guard lock(mu_);
    if (queue_.empty()) return false;
    auto it = queue_.begin();
    if (limit && it->first.first > *limit) return false;
    now_ = it->first.first;
    by_id_.erase(it->first.second);
    task = std::move(it->second);
    queue_.erase(it);
  }
  task();
  return true;
}

bool FakeClock::RunUntilIdle(size_t max_tasks) {
  for (size_t i = 0; i < max_tasks; ++i) {
    if (!RunOne(std::nullopt)) return true;
  }
  return false;
}

void FakeClock::RunUntil(TimePoint deadline) {
  while (RunOne(deadline)) {
  }
  std::lock_guard lock(mu_);
  if (deadline > now_) now_ = deadline;
}

Duration FakeClock::Elapsed() const {
  std::lock_guard lock(mu_);
  return now_ - start_;
}

size_t FakeClock::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

}  // namespace rollcall
