// The real loop thread: timers run in order, Cancel from other threads is
// safe while the loop waits for the earliest timer (ASan guards the wait).
#include "runtime/real_clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace rollcall {
namespace {

TEST(RealClockTest, RunsPostedAndTimedTasksInOrder) {
  RealClock clock;
  std::vector<int> order;
  std::promise<void> done;
  clock.CallAfter(std::chrono::milliseconds(20), [&] {
    order.push_back(2);
    done.set_value();
  });
  clock.Post([&] { order.push_back(1); });
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  clock.Stop();
}

TEST(RealClockTest, CancellingTheTimerTheLoopWaitsForIsSafe) {
  RealClock clock;
  std::atomic<int> fired{0};
  for (int round = 0; round < 200; ++round) {
    // The loop sleeps until this one's due time, then it is erased under it.
    TimerId far = clock.CallAfter(std::chrono::hours(1), [&] { ++fired; });
    std::promise<void> ran;
    clock.Post([&] { ran.set_value(); });
    ran.get_future().wait();
    clock.Cancel(far);
  }
  std::promise<void> last;
  clock.CallAfter(std::chrono::milliseconds(1), [&] { last.set_value(); });
  ASSERT_EQ(last.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(fired, 0);
  clock.Stop();
}

}  // namespace
}  // namespace rollcall
