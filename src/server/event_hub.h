// EventHub: wakes SSE streams and legacy waiters when a rollout's ledger
// grows. Events themselves are read back from the Store, so a stream that
// reconnects with Last-Event-ID replays exactly what it missed.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

#include "core/events.h"
#include "core/time.h"

namespace rollcall {

class EventHub : public EventSink {
 public:
  void Publish(const RolloutEvent& event) override;

  struct Mark {
    int64_t last_id = 0;  // newest event id published for the rollout
    bool final = false;   // its final event was published
  };

  // Waits until the rollout has an event newer than `after_id` or its final
  // event, or `deadline` passes. Returns the rollout's mark either way.
  Mark WaitAfter(const std::string& rollout_id, int64_t after_id,
                 std::chrono::steady_clock::time_point deadline);

  // Wakes every waiter (shutdown).
  void Close();

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, Mark> marks_;  // guarded by mu_
  bool closed_ = false;                // guarded by mu_
};

}  // namespace rollcall
