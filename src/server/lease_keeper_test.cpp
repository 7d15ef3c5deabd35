// The lease thread: acquires, renews, reports who leads, and ends the term
// when a renewal is refused or the lease runs out unrenewed.
#include "server/lease_keeper.h"

#include <gtest/gtest.h>

#include <condition_variable>

namespace rollcall {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A lease row in memory, scriptable.
class FakeLease : public LeaderLease {
 public:
  Result<std::optional<int64_t>> TryAcquireLease(const std::string& holder, const std::string& url,
                                                 Duration) override {
    std::lock_guard lock(mu);
    if (unavailable) return Status::Unavailable("postgres: gone");
    if (!holder_.empty() && !expired) return std::optional<int64_t>();
    holder_ = holder;
    url_ = url;
    expired = false;
    ++epoch;
    return std::optional<int64_t>(epoch);
  }
  Status RenewLease(const std::string& holder, int64_t e, Duration) override {
    std::lock_guard lock(mu);
    ++renewals;
    changed.notify_all();
    if (unavailable) return Status::Unavailable("postgres: gone");
    if (holder != holder_ || e != epoch) return Status::Conflict("postgres: renew the lease: deposed");
    return Status::Ok();
  }
  Status ReleaseLease(const std::string& holder, int64_t e) override {
    std::lock_guard lock(mu);
    if (holder == holder_ && e == epoch) released = true;
    return Status::Ok();
  }
  Result<std::optional<LeaseView>> CurrentLease() override {
    std::lock_guard lock(mu);
    ++reads;
    changed.notify_all();
    if (holder_.empty()) return std::optional<LeaseView>();
    return std::optional<LeaseView>(LeaseView{holder_, url_, epoch, 100, 9900});
  }
  void FenceWrites(int64_t) override {}

  // Another controller takes the lease.
  void TakeOver(const std::string& holder, const std::string& url) {
    std::lock_guard lock(mu);
    holder_ = holder;
    url_ = url;
    ++epoch;
  }

  std::mutex mu;
  std::condition_variable changed;
  bool unavailable = false;
  bool expired = false;
  bool released = false;
  int64_t epoch = 0;
  int renewals = 0;
  int reads = 0;

 private:
  std::string holder_, url_;
};

// What the keeper's callbacks saw, waited for with a deadline.
struct Events {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int64_t> acquired;
  std::vector<std::string> lost;

  template <typename Pred>
  bool WaitFor(Pred pred) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, seconds(20), [&] { return pred(); });
  }
};

LeaseKeeperConfig Config(const std::string& holder) {
  return LeaseKeeperConfig{holder, "http://" + holder, LeadershipConfig{milliseconds(600), milliseconds(20),
                                                                         milliseconds(200)}};
}

std::unique_ptr<LeaseKeeper> Keeper(FakeLease& lease, Events& ev, const std::string& holder) {
  return std::make_unique<LeaseKeeper>(
      lease, Config(holder),
      [&ev](int64_t epoch) {
        std::lock_guard lock(ev.mu);
        ev.acquired.push_back(epoch);
        ev.cv.notify_all();
      },
      [&ev](const std::string& why) {
        std::lock_guard lock(ev.mu);
        ev.lost.push_back(why);
        ev.cv.notify_all();
      });
}

TEST(LeaseKeeperTest, AcquiresAFreeLeaseAndActsWhileRenewing) {
  FakeLease lease;
  Events ev;
  auto keeper = Keeper(lease, ev, "a");
  keeper->Start();
  ASSERT_TRUE(ev.WaitFor([&] { return !ev.acquired.empty(); }));
  EXPECT_EQ(ev.acquired, std::vector<int64_t>{1});
  {
    std::unique_lock lock(lease.mu);
    ASSERT_TRUE(lease.changed.wait_for(lock, seconds(20), [&] { return lease.renewals >= 3; }));
  }
  EXPECT_TRUE(keeper->MayAct());
  LeaderView v = keeper->View();
  EXPECT_TRUE(v.leader);
  EXPECT_EQ(v.epoch, 1);
  ASSERT_TRUE(v.lease);
  EXPECT_EQ(v.lease->holder, "a");
  EXPECT_TRUE(ev.lost.empty());
  keeper->Stop(/*release=*/true);
  EXPECT_TRUE(lease.released);
  EXPECT_FALSE(keeper->MayAct());
}

TEST(LeaseKeeperTest, AStandbyKnowsTheLeaderAndNeverActs) {
  FakeLease lease;
  lease.TakeOver("b", "http://b");
  Events ev;
  auto keeper = Keeper(lease, ev, "a");
  keeper->Start();
  {
    // The first attempt reads the lease row after the refused acquisition.
    std::unique_lock lock(lease.mu);
    ASSERT_TRUE(lease.changed.wait_for(lock, seconds(20), [&] { return lease.reads >= 2; }));
  }
  LeaderView v = keeper->View();
  EXPECT_FALSE(v.leader);
  EXPECT_EQ(v.lease->holder, "b");
  EXPECT_EQ(v.lease->url, "http://b");
  EXPECT_FALSE(keeper->MayAct());
  keeper->Stop(true);
  EXPECT_FALSE(lease.released);  // not ours
  EXPECT_TRUE(ev.acquired.empty());
}

TEST(LeaseKeeperTest, ARenewalRefusedAsDeposedEndsTheTermAtOnce) {
  FakeLease lease;
  Events ev;
  auto keeper = Keeper(lease, ev, "a");
  keeper->Start();
  ASSERT_TRUE(ev.WaitFor([&] { return !ev.acquired.empty(); }));
  lease.TakeOver("b", "http://b");
  ASSERT_TRUE(ev.WaitFor([&] { return !ev.lost.empty(); }));
  EXPECT_NE(ev.lost[0].find("deposed"), std::string::npos) << ev.lost[0];
  EXPECT_FALSE(keeper->MayAct());
  EXPECT_FALSE(keeper->View().leader);
}

TEST(LeaseKeeperTest, ALeaseThatCannotBeRenewedEndsTheTermWhenItRunsOutByOurClock) {
  FakeLease lease;
  Events ev;
  auto keeper = Keeper(lease, ev, "a");
  keeper->Start();
  ASSERT_TRUE(ev.WaitFor([&] { return !ev.acquired.empty(); }));
  {
    std::lock_guard lock(lease.mu);
    lease.unavailable = true;
  }
  ASSERT_TRUE(ev.WaitFor([&] { return !ev.lost.empty(); }));
  EXPECT_NE(ev.lost[0].find("ran out"), std::string::npos) << ev.lost[0];
  EXPECT_NE(ev.lost[0].find("postgres: gone"), std::string::npos) << ev.lost[0];
  EXPECT_FALSE(keeper->MayAct());
}

}  // namespace
}  // namespace rollcall
