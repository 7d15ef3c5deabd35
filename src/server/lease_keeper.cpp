#include "server/lease_keeper.h"

#include <fmt/format.h>
#include <unistd.h>

#include <random>

namespace rollcall {
namespace {

TimePoint SteadyNow() { return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now()); }

// After a failed call the next one comes sooner than the renew interval,
// so a brief outage (a database restart) costs little of the lease.
Duration RetryDelay(const LeadershipConfig& c) {
  return std::min<Duration>(c.renew_every, std::chrono::milliseconds(250));
}

}  // namespace

std::string MakeHolderId() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "unknown");
  std::random_device rd;
  return fmt::format("{}:{}:{:08x}", host, getpid(), rd());
}

LeaseKeeper::LeaseKeeper(LeaderLease& lease, LeaseKeeperConfig config, OnAcquired on_acquired, OnLost on_lost)
    : lease_(lease),
      config_(std::move(config)),
      on_acquired_(std::move(on_acquired)),
      on_lost_(std::move(on_lost)),
      leadership_(config_.lease) {}

LeaseKeeper::~LeaseKeeper() { Stop(false); }

void LeaseKeeper::Start() {
  {
    // The first attempt before Start returns: a controller alone on its
    // database leads by the time it says it is listening.
    std::unique_lock lock(mu_);
    Attempt(lock);
  }
  thread_ = std::thread([this] { Run(); });
}

void LeaseKeeper::Stop(bool release) {
  std::optional<int64_t> held;
  {
    std::lock_guard lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mu_);
    held = leadership_.epoch();
    if (held) leadership_.Lost("stopped");
  }
  if (release && held) lease_.ReleaseLease(config_.holder, *held).IgnoreError();
}

bool LeaseKeeper::MayAct() const {
  std::lock_guard lock(mu_);
  return leadership_.MayAct(SteadyNow());
}

LeaderView LeaseKeeper::View() const {
  std::lock_guard lock(mu_);
  LeaderView v;
  v.store = "postgres";
  v.self = config_.holder;
  v.leader = leadership_.leader();
  v.may_act = leadership_.MayAct(SteadyNow());
  v.epoch = leadership_.epoch();
  v.last_error = last_error_;
  if (v.leader) {
    // Our own row, aged by our own clock since the last renewal was sent.
    const int64_t age = DurationToMillis(SteadyNow() - last_renewed_);
    v.lease = LeaseView{config_.holder, config_.url, *leadership_.epoch(), age,
                        DurationToMillis(config_.lease.ttl) - age};
  } else {
    v.lease = seen_;
  }
  return v;
}

void LeaseKeeper::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    const TimePoint next = std::max(leadership_.NextAttempt(), retry_at_);
    if (wake_.wait_until(lock, next, [this] { return stop_; })) break;
    Attempt(lock);
  }
}

// One renewal (leader) or acquisition (standby); runs the callbacks with
// the lock released.
void LeaseKeeper::Attempt(std::unique_lock<std::mutex>& lock) {
  const std::optional<int64_t> epoch = leadership_.epoch();
  lock.unlock();
  const TimePoint sent = SteadyNow();
  std::optional<std::string> lost;
  std::optional<int64_t> acquired;
  if (epoch) {
    Status renewed = lease_.RenewLease(config_.holder, *epoch, config_.lease.ttl);
    lock.lock();
    if (renewed.ok()) {
      leadership_.Renewed(sent);
      last_renewed_ = std::max(last_renewed_, sent);
      last_error_.clear();
    } else if (renewed.code() == Status::Code::kConflict) {
      lost = renewed.message();
    } else {
      last_error_ = renewed.message();
      retry_at_ = SteadyNow() + RetryDelay(config_.lease);
      if (!leadership_.MayAct(SteadyNow())) {
        lost = "the lease could not be renewed before it ran out by this process's clock: " + renewed.message();
      }
    }
    if (lost) leadership_.Lost(*lost);
  } else {
    Result<std::optional<int64_t>> got = lease_.TryAcquireLease(config_.holder, config_.url, config_.lease.ttl);
    Result<std::optional<LeaseView>> seen = lease_.CurrentLease();
    lock.lock();
    if (!got.ok()) {
      last_error_ = got.status().message();
      retry_at_ = SteadyNow() + RetryDelay(config_.lease);
    } else if (*got) {
      leadership_.Acquired(**got, sent);
      last_renewed_ = sent;
      acquired = **got;
      last_error_.clear();
    } else {
      leadership_.AcquireRefused(sent);
      last_error_.clear();
    }
    if (seen.ok()) seen_ = *seen;
  }
  if (!lost && !acquired) return;
  lock.unlock();
  if (acquired) on_acquired_(*acquired);
  if (lost) on_lost_(*lost);
  lock.lock();
}

}  // namespace rollcall
