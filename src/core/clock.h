// Clock: the engine's only source of time, and the loop it runs on.
//
// The engine is single-threaded: every engine method and every callback it
// schedules runs on the clock's loop. Other threads (drivers, the HTTP
// server) hand work to it with Post(). The real clock (RealClock) is a
// thread with a timer heap; FakeClock runs the same engine in virtual time.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

#include "core/time.h"

namespace rollcall {

using Task = std::function<void()>;
using TimerId = uint64_t;

class Clock {
 public:
  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;
  virtual ~Clock() = default;

  // Monotonic now. Loop thread or any thread.
  virtual TimePoint Now() const = 0;
  // Wall time as Unix epoch milliseconds, for timestamps shown to people.
  virtual int64_t WallMillis() const = 0;

  // Runs `task` on the loop at or after `when`; tasks due at the same time
  // run in the order they were scheduled. Thread-safe.
  virtual TimerId CallAt(TimePoint when, Task task) = 0;
  // Forgets a timer that has not fired yet; unknown ids are ignored.
  virtual void Cancel(TimerId id) = 0;
  // Runs `task` on the loop as soon as possible, after tasks already
  // posted. Thread-safe.
  virtual void Post(Task task) = 0;

  TimerId CallAfter(Duration delay, Task task) { return CallAt(Now() + delay, std::move(task)); }
};

// For clocks' destructors: empties the timer queue (and its index) under
// `mu`, destroying the tasks outside it — a task's destructor may schedule
// again (a lease release), which then lands in the emptied queue.
template <typename Mutex, typename Queue, typename Index>
void DropPendingTasks(Mutex& mu, Queue& queue, Index& index) {
  for (int round = 0; round < 8; ++round) {
    Queue doomed;
    {
      std::lock_guard lock(mu);
      doomed.swap(queue);
      index.clear();
    }
    if (doomed.empty()) return;
  }
}

}  // namespace rollcall
