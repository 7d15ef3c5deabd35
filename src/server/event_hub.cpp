#include "server/event_hub.h"

namespace rollcall {

void EventHub::Publish(const RolloutEvent& event) {
  {
    std::lock_guard lock(mu_);
    Mark& mark = marks_[event.rollout_id];
    mark.last_id = std::max(mark.last_id, event.id);
    mark.final = mark.final || event.final;
  }
  changed_.notify_all();
}

EventHub::Mark EventHub::WaitAfter(const std::string& rollout_id, int64_t after_id,
                                   std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  changed_.wait_until(lock, deadline, [&] {
    auto it = marks_.find(rollout_id);
    return closed_ || (it != marks_.end() && (it->second.last_id > after_id || it->second.final));
  });
  auto it = marks_.find(rollout_id);
  return it == marks_.end() ? Mark{} : it->second;
}

void EventHub::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  changed_.notify_all();
}

}  // namespace rollcall
