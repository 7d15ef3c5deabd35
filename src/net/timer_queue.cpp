#include "net/timer_queue.h"

namespace rollcall::net {

TimerQueue::Id TimerQueue::Add(TimePoint due, Callback callback) {
  Id id = next_id_++;
  by_due_.emplace(Key{due, id}, std::move(callback));
  due_of_.emplace(id, due);
  return id;
}

bool TimerQueue::Cancel(Id id) {
  auto it = due_of_.find(id);
  if (it == due_of_.end()) return false;
  by_due_.erase(Key{it->second, id});
  due_of_.erase(it);
  return true;
}

std::optional<TimePoint> TimerQueue::NextDue() const {
  if (by_due_.empty()) return std::nullopt;
  return by_due_.begin()->first.first;
}

std::vector<TimerQueue::Callback> TimerQueue::TakeDue(TimePoint now) {
  std::vector<Callback> due;
  while (!by_due_.empty() && by_due_.begin()->first.first <= now) {
    auto node = by_due_.extract(by_due_.begin());
    due_of_.erase(node.key().second);
    due.push_back(std::move(node.mapped()));
  }
  return due;
}

}  // namespace rollcall::net
