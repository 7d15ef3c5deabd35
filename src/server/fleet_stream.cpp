#include "server/fleet_stream.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/safe_text.h"

namespace rollcall {
namespace {

constexpr size_t kPullBytes = 64 * 1024;  // per Pull: the server writes, then asks again

}  // namespace

class FleetStream::Follower : public httpd::StreamSource {
 public:
  Follower(FleetStream& stream, int64_t after) : stream_(stream), cursor(after) {}
  ~Follower() override { stream_.Leave(*this); }

  void Attach(std::function<void()> wake) override { stream_.Attach(*this, std::move(wake)); }
  bool Pull(std::string& out) override { return stream_.Pull(*this, out); }
  void Detach() override { stream_.Leave(*this); }

  FleetStream& stream_;
  int64_t cursor;                  // guarded by stream_.mu_: the last id handed out
  std::vector<Frame> backlog;      // guarded by stream_.mu_: replayed from the ledger
  size_t backlog_next = 0;         // guarded by stream_.mu_
  bool backlog_cut = false;        // guarded by stream_.mu_: more than kMaxReplay: reconnect for the rest
  std::function<void()> wake;      // guarded by stream_.mu_
  bool joined = true;              // guarded by stream_.mu_
};

FleetStream::Frame FleetStream::FrameOf(const RolloutEvent& e) {
  nlohmann::json data = e.data;
  // On the fleet stream a rollout's events say which rollout they are of.
  if (!e.rollout_id.empty() && data.is_object()) data["rollout_id"] = e.rollout_id;
  return Frame{e.id, fmt::format("id: {}\nevent: {}\ndata: {}\n\n", e.id, e.type, DumpJson(data))};
}

void FleetStream::Publish(const RolloutEvent& event) {
  std::vector<std::function<void()>> wakes;  // called after the lock: a wake may end streams
  {
    std::lock_guard lock(mu_);
    if (event.id <= last_published_) return;
    last_published_ = event.id;
    if (followers_.empty()) {
      trimmed_up_to_ = event.id;  // nobody reads the window: nothing to keep
      return;
    }
    window_.push_back(FrameOf(event));
    while (window_.size() > kWindow) {
      trimmed_up_to_ = window_.front().id;
      window_.pop_front();
    }
    for (Follower* f : followers_) {
      if (f->wake) wakes.push_back(f->wake);
    }
  }
  for (const auto& wake : wakes) wake();
}

Result<std::shared_ptr<httpd::StreamSource>> FleetStream::Follow(std::optional<int64_t> after_id) {
  // Joined before the ledger read: what is published meanwhile lands in the
  // window, what was published before is in the ledger.
  auto follower = std::make_shared<Follower>(*this, 0);
  {
    std::lock_guard lock(mu_);
    followers_.push_back(follower.get());
  }
  if (!after_id) {
    Result<int64_t> head = store_.LastEventId();
    if (!head.ok()) return head.status();
    std::lock_guard lock(mu_);
    follower->cursor = *head;
    return std::shared_ptr<httpd::StreamSource>(std::move(follower));
  }
  Result<std::vector<RolloutEvent>> events = store_.FleetEventsAfter(std::max<int64_t>(*after_id, 0), kMaxReplay);
  if (!events.ok()) return events.status();
  std::vector<Frame> backlog;
  backlog.reserve(events->size());
  for (const RolloutEvent& e : *events) backlog.push_back(FrameOf(e));
  std::lock_guard lock(mu_);
  follower->cursor = std::max<int64_t>(*after_id, 0);
  follower->backlog = std::move(backlog);
  follower->backlog_cut = events->size() == kMaxReplay;
  return std::shared_ptr<httpd::StreamSource>(std::move(follower));
}

void FleetStream::Attach(Follower& f, std::function<void()> wake) {
  std::lock_guard lock(mu_);
  if (f.joined) f.wake = std::move(wake);
}

bool FleetStream::Pull(Follower& f, std::string& out) {
  std::lock_guard lock(mu_);
  if (!f.joined) return false;
  while (f.backlog_next < f.backlog.size() && out.size() < kPullBytes) {
    const Frame& frame = f.backlog[f.backlog_next++];
    if (frame.id <= f.cursor) continue;
    out += frame.text;
    f.cursor = frame.id;
  }
  if (f.backlog_next < f.backlog.size()) return true;  // more to write
  if (!f.backlog.empty()) {
    f.backlog.clear();
    f.backlog.shrink_to_fit();
    f.backlog_next = 0;
  }
  // Ended, to reconnect from its Last-Event-ID: a backlog cut short, or a
  // follower whose next frames left the window before it read them.
  if (f.backlog_cut || f.cursor < trimmed_up_to_) return false;
  auto next = std::upper_bound(window_.begin(), window_.end(), f.cursor,
                               [](int64_t id, const Frame& frame) { return id < frame.id; });
  for (; next != window_.end() && out.size() < kPullBytes; ++next) {
    out += next->text;
    f.cursor = next->id;
  }
  return true;
}

void FleetStream::Leave(Follower& f) {
  std::lock_guard lock(mu_);
  if (!f.joined) return;
  f.joined = false;
  f.wake = nullptr;
  std::erase(followers_, &f);
  if (followers_.empty()) {
    window_.clear();
    trimmed_up_to_ = last_published_;
  }
}

size_t FleetStream::followers() {
  std::lock_guard lock(mu_);
  return followers_.size();
}

}  // namespace rollcall
