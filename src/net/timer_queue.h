// TimerQueue: callbacks ordered by due time, for an event loop.
//
// Pure bookkeeping: time is passed in, nothing runs by itself. The loop asks
// NextDue() to size its wait and TakeDue(now) for what to run. Not
// thread-safe; owned by one loop.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/time.h"

namespace rollcall::net {

class TimerQueue {
 public:
  using Callback = std::function<void()>;
  using Id = uint64_t;

  // Schedules `callback` at `due`; ids are never reused (never 0).
  Id Add(TimePoint due, Callback callback);
  // Forgets a pending timer. False when it already ran, was cancelled or
  // never existed.
  bool Cancel(Id id);

  // The earliest due time, or nullopt when empty.
  std::optional<TimePoint> NextDue() const;
  // Removes and returns every callback due at or before `now`, earliest
  // first; equal due times keep the order they were added in. Callbacks
  // added while the caller runs these wait for the next call.
  std::vector<Callback> TakeDue(TimePoint now);

  size_t size() const { return by_due_.size(); }

 private:
  using Key = std::pair<TimePoint, Id>;
  Id next_id_ = 1;
  std::map<Key, Callback> by_due_;
  std::unordered_map<Id, TimePoint> due_of_;
};

}  // namespace rollcall::net
