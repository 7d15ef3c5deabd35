// FleetStream: GET /v1/events, the fleet-wide SSE stream (DESIGN §4):
// every event of the ledger — rollout state, tenant started and finished
// (with their rollout_id), drift, quarantine and audit entries — on the one
// id sequence, replayed after a Last-Event-ID and then live.
//
// The live window is one shared, bounded list of rendered frames, kept
// while anyone follows. A follower replays its backlog from the ledger
// (read once, at most kMaxReplay events, when it arrives: on a worker
// thread), then reads the window. A follower that falls behind the window,
// or whose backlog was cut at kMaxReplay, is ended: it reconnects with its
// Last-Event-ID and replays the rest from the ledger, losing nothing —
// the way a Kubernetes watch answers "too old, list again". No follower
// holds a thread or reads the ledger on the I/O thread.
//
// Thread-safe.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/events.h"
#include "core/store.h"
#include "httpd/http_server.h"

namespace rollcall {

class FleetStream {
 public:
  static constexpr size_t kWindow = 8192;      // live frames kept for followers
  static constexpr size_t kMaxReplay = 10000;  // ledger events one connection replays

  explicit FleetStream(Store& store) : store_(store) {}

  // Every event, after the ledger persisted it. Called on the engine loop.
  void Publish(const RolloutEvent& event);

  // The stream after `after_id` (nullopt: from now on, no replay). Reads
  // the ledger: call it off the I/O thread. Streams must not outlive this.
  Result<std::shared_ptr<httpd::StreamSource>> Follow(std::optional<int64_t> after_id);

  size_t followers();

 private:
  class Follower;
  struct Frame {
    int64_t id = 0;
    std::string text;
  };
  static Frame FrameOf(const RolloutEvent& e);
  bool Pull(Follower& f, std::string& out);
  void Attach(Follower& f, std::function<void()> wake);
  void Leave(Follower& f);

  Store& store_;
  std::mutex mu_;
  std::deque<Frame> window_;         // guarded by mu_; by id, while followed
  int64_t trimmed_up_to_ = 0;        // guarded by mu_; frames up to here are gone from the window
  int64_t last_published_ = 0;       // guarded by mu_
  std::vector<Follower*> followers_;  // guarded by mu_
};

}  // namespace rollcall
