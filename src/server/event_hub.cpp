#include "server/event_hub.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>

#include "core/safe_text.h"

namespace rollcall {
namespace {

constexpr size_t kPullBytes = 64 * 1024;  // per Pull: the server writes, then asks again

}  // namespace

class EventHub::Follower : public httpd::StreamSource {
 public:
  Follower(EventHub& hub, std::string rollout_id, int64_t after)
      : hub_(hub), rollout_id(std::move(rollout_id)), cursor(after) {}
  ~Follower() override { hub_.Leave(*this); }

  void Attach(std::function<void()> wake) override { hub_.Attach(*this, std::move(wake)); }
  bool Pull(std::string& out) override { return hub_.Pull(*this, out); }
  void Detach() override { hub_.Leave(*this); }

  EventHub& hub_;
  const std::string rollout_id;
  int64_t cursor;              // guarded by hub_.mu_: the last id handed out
  std::function<void()> wake;  // guarded by hub_.mu_
  bool joined = true;          // guarded by hub_.mu_: listed in the log
};

struct EventHub::EndWaiter {
  std::string rollout_id;
  std::function<void(bool)> done;
  std::atomic<bool> fired{false};
  std::atomic<TimerId> timer{0};
};

EventHub::EventHub(Store& store, Clock& clock, Executor run)
    : store_(store), clock_(clock), run_(std::move(run)), fleet_(store) {}

EventHub::Frame EventHub::FrameOf(const RolloutEvent& e) {
  return Frame{e.id, fmt::format("id: {}\nevent: {}\ndata: {}\n\n", e.id, e.type, DumpJson(e.data)),
               e.final};
}

void EventHub::Publish(const RolloutEvent& event) {
  fleet_.Publish(event);
  if (event.rollout_id.empty()) return;  // a fleet event: no rollout's stream, no rollout's end
  std::vector<std::shared_ptr<EndWaiter>> ended;
  // Called after the lock is released: a wake may run a server's teardown,
  // which ends streams, which leave the hub.
  std::vector<std::function<void()>> wakes;
  {
    std::lock_guard lock(mu_);
    if (auto it = logs_.find(event.rollout_id); it != logs_.end()) {
      Log& log = it->second;
      if (log.frames.empty() || event.id > log.frames.back().id) {
        log.frames.push_back(FrameOf(event));
        for (Follower* f : log.followers) {
          if (f->wake) wakes.push_back(f->wake);
        }
      }
    }
    if (event.final) {
      if (auto it = ends_.find(event.rollout_id); it != ends_.end()) {
        ended = std::move(it->second);
        ends_.erase(it);
      }
    }
  }
  for (const auto& wake : wakes) wake();
  for (const auto& w : ended) Fire(w, true);
}

void EventHub::Merge(Log& log, const std::vector<RolloutEvent>& loaded) {
  std::vector<Frame> merged;
  merged.reserve(loaded.size() + log.frames.size());
  auto live = log.frames.begin();
  for (const RolloutEvent& e : loaded) {
    while (live != log.frames.end() && live->id < e.id) merged.push_back(std::move(*live++));
    if (live != log.frames.end() && live->id == e.id) ++live;  // in both: keep one
    merged.push_back(FrameOf(e));
  }
  while (live != log.frames.end()) merged.push_back(std::move(*live++));
  log.frames = std::move(merged);
}

Result<std::shared_ptr<httpd::StreamSource>> EventHub::Follow(const std::string& rollout_id,
                                                              int64_t after_id) {
  bool load = false;
  {
    std::lock_guard lock(mu_);
    Log& log = logs_[rollout_id];
    load = !log.complete;
    // Registered before the ledger read: what is published meanwhile lands
    // in the log, what was published before is in the ledger.
    if (load) ++log.loading;
  }
  Result<std::vector<RolloutEvent>> events = std::vector<RolloutEvent>{};
  if (load) events = store_.EventsAfter(rollout_id, 0);
  std::lock_guard lock(mu_);
  Log& log = logs_[rollout_id];
  if (load) --log.loading;
  if (!events.ok()) {
    DropIfUnused(rollout_id);
    return events.status();
  }
  if (load && !log.complete) {
    Merge(log, *events);
    log.complete = true;
  }
  auto follower = std::make_shared<Follower>(*this, rollout_id, std::max<int64_t>(after_id, 0));
  log.followers.push_back(follower.get());
  return std::shared_ptr<httpd::StreamSource>(std::move(follower));
}

bool EventHub::Followed(const std::string& rollout_id) {
  std::lock_guard lock(mu_);
  auto it = logs_.find(rollout_id);
  return it != logs_.end() && it->second.complete && !it->second.followers.empty();
}

void EventHub::Attach(Follower& f, std::function<void()> wake) {
  std::lock_guard lock(mu_);
  if (f.joined) f.wake = std::move(wake);
}

bool EventHub::Pull(Follower& f, std::string& out) {
  std::lock_guard lock(mu_);
  auto it = logs_.find(f.rollout_id);
  if (!f.joined || it == logs_.end()) return false;
  const std::vector<Frame>& frames = it->second.frames;
  auto next = std::upper_bound(frames.begin(), frames.end(), f.cursor,
                               [](int64_t id, const Frame& frame) { return id < frame.id; });
  if (next == frames.end()) {
    return frames.empty() || !frames.back().final;  // past the final event: over
  }
  for (; next != frames.end() && out.size() < kPullBytes; ++next) {
    out += next->text;
    f.cursor = next->id;
    if (next->final) return false;
  }
  return true;
}

void EventHub::Leave(Follower& f) {
  std::lock_guard lock(mu_);
  if (!f.joined) return;
  f.joined = false;
  f.wake = nullptr;
  auto it = logs_.find(f.rollout_id);
  if (it == logs_.end()) return;
  std::erase(it->second.followers, &f);
  DropIfUnused(f.rollout_id);
}

void EventHub::DropIfUnused(const std::string& rollout_id) {
  auto it = logs_.find(rollout_id);
  if (it != logs_.end() && it->second.followers.empty() && it->second.loading == 0) logs_.erase(it);
}

size_t EventHub::followers() {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [id, log] : logs_) n += log.followers.size();
  return n + fleet_.followers();
}

void EventHub::WhenFinished(const std::string& rollout_id, TimePoint deadline,
                            std::function<void(bool)> done) {
  auto waiter = std::make_shared<EndWaiter>();
  waiter->rollout_id = rollout_id;
  waiter->done = std::move(done);
  {
    std::lock_guard lock(mu_);
    ends_[rollout_id].push_back(waiter);
  }
  waiter->timer = clock_.CallAt(deadline, [this, waiter] { Fire(waiter, false); });
  // Registered first, checked second: a rollout that ends in between fires
  // through Publish, one that ended before fires here.
  Result<Rollout> now = store_.GetRollout(rollout_id);
  if (!now.ok() || now->Finished()) Fire(waiter, now.ok());
}

void EventHub::Fire(const std::shared_ptr<EndWaiter>& waiter, bool finished) {
  if (waiter->fired.exchange(true)) return;
  {
    std::lock_guard lock(mu_);
    if (auto it = ends_.find(waiter->rollout_id); it != ends_.end()) {
      std::erase(it->second, waiter);
      if (it->second.empty()) ends_.erase(it);
    }
  }
  if (TimerId t = waiter->timer; t != 0) clock_.Cancel(t);
  auto call = [waiter, finished] { waiter->done(finished); };
  if (run_) {
    run_(std::move(call));
  } else {
    call();
  }
}

}  // namespace rollcall
