// EventHub: the live side of rollout events, between the engine (which
// publishes each event after the Store persisted it) and the HTTP layer.
//
//   - Follow(): an SSE stream of one rollout, replayed after a
//     Last-Event-ID and then live, ending after the final event. Followers
//     of a rollout share one in-memory log of its rendered frames, loaded
//     from the ledger once when the first follower arrives (the ledger
//     stays the source on replay and after a restart) and dropped when the
//     last one leaves. A follower costs a cursor, not a thread, and an
//     event is rendered once, not read back per follower.
//   - WhenFinished(): a callback when a rollout ends, or at a deadline,
//     holding no thread while it waits (the legacy endpoint, cancel).
//
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/events.h"
#include "core/store.h"
#include "httpd/http_server.h"
#include "server/fleet_stream.h"

namespace rollcall {

class EventHub : public EventSink {
 public:
  using Executor = std::function<void(std::function<void()>)>;

  // `store` (replays, end checks) and `clock` (deadline timers) are
  // borrowed and outlive the hub. WhenFinished callbacks go through `run`
  // (inline when empty): give it a worker, the callbacks may read the store.
  // Streams from Follow() must not outlive the hub.
  EventHub(Store& store, Clock& clock, Executor run = {});

  // Called on the engine loop.
  void Publish(const RolloutEvent& event) override;

  // The events of rollout `rollout_id` with an id above `after_id`, as SSE
  // frames ("id: N\nevent: T\ndata: {...}\n\n"), then each new one, until
  // the final event. Reads the ledger when no one follows the rollout yet:
  // call it off the I/O thread. The caller checks the rollout exists.
  Result<std::shared_ptr<httpd::StreamSource>> Follow(const std::string& rollout_id,
                                                      int64_t after_id);
  // True while someone follows the rollout (so it exists: no check needed).
  bool Followed(const std::string& rollout_id);

  // Runs `done(true)` once rollout `rollout_id` has finished — at once when
  // it already has — or `done(false)` at `deadline` (or when the ledger
  // cannot tell). Exactly one call, through the executor.
  void WhenFinished(const std::string& rollout_id, TimePoint deadline,
                    std::function<void(bool finished)> done);

  // Followers of one rollout and of the whole fleet (GET /v1/events).
  size_t followers();
  FleetStream& fleet() { return fleet_; }

 private:
  class Follower;
  struct Frame {
    int64_t id = 0;
    std::string text;
    bool final = false;
  };
  struct Log {
    std::vector<Frame> frames;  // by id
    bool complete = false;      // holds every event from the first
    int loading = 0;            // Follow() calls reading the ledger now
    std::vector<Follower*> followers;
  };
  struct EndWaiter;

  static Frame FrameOf(const RolloutEvent& e);
  static void Merge(Log& log, const std::vector<RolloutEvent>& loaded);
  void DropIfUnused(const std::string& rollout_id);  // mu_ held
  // Follower's side.
  bool Pull(Follower& f, std::string& out);
  void Attach(Follower& f, std::function<void()> wake);
  void Leave(Follower& f);
  void Fire(const std::shared_ptr<EndWaiter>& waiter, bool finished);

  Store& store_;
  Clock& clock_;
  const Executor run_;
  std::mutex mu_;
  std::map<std::string, Log> logs_;                                       // guarded by mu_
  std::map<std::string, std::vector<std::shared_ptr<EndWaiter>>> ends_;  // guarded by mu_
  FleetStream fleet_;
};

}  // namespace rollcall
