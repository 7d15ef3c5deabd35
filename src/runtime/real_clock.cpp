#include "runtime/real_clock.h"

#include <future>

namespace rollcall {

RealClock::RealClock() : loop_([this] { Loop(); }) {}

RealClock::~RealClock() {
  Stop();
  // Destroy the dropped tasks outside the lock and before the members: a
  // task's destructor may still schedule (into a queue nobody runs).
  DropPendingTasks(mu_, queue_, by_id_);
}

void RealClock::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (loop_.joinable() && !OnLoopThread()) loop_.join();
}

TimePoint RealClock::Now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
}

int64_t RealClock::WallMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TimerId RealClock::CallAt(TimePoint when, Task task) {
  TimerId id;
  bool earliest;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    Key key{when, id};
    queue_.emplace(key, std::move(task));
    by_id_.emplace(id, key);
    earliest = queue_.begin()->first == key;
  }
  if (earliest) wake_.notify_one();
  return id;
}

void RealClock::Cancel(TimerId id) {
  Task doomed;  // destroyed after the lock: its destructor may schedule (a lease release)
  std::lock_guard lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  auto task = queue_.find(it->second);
  doomed = std::move(task->second);
  queue_.erase(task);
  by_id_.erase(it);
}

void RealClock::Post(Task task) { CallAt(Now(), std::move(task)); }

bool RealClock::RunSync(Task task, Duration timeout) {
  if (OnLoopThread()) {
    task();
    return true;
  }
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  Post([task = std::move(task), done] {
    task();
    done->set_value();
  });
  return finished.wait_for(timeout) == std::future_status::ready;
}

void RealClock::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto it = queue_.begin();
    if (const TimePoint due = it->first.first; due > Now()) {
      // A copy: Cancel() may erase this entry while the wait has the lock released.
      wake_.wait_until(lock, due);
      continue;
    }
    Task task = std::move(it->second);
    by_id_.erase(it->first.second);
    queue_.erase(it);
    lock.unlock();
    task();
    task = nullptr;  // destroyed unlocked: its destructor may schedule
    lock.lock();
  }
}

}  // namespace rollcall
