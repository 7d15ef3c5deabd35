#include "testing/fake_clock.h"

#include <gtest/gtest.h>
#include <vector>

namespace rollcall {
namespace {

TEST(FakeClockTest, RunsTasksInTimeThenSchedulingOrder) {
  FakeClock clock;
  std::vector<int> order;
  const TimePoint t0 = clock.Now();
  clock.CallAfter(std::chrono::seconds(2), [&] { order.push_back(3); });
  clock.CallAfter(std::chrono::seconds(1), [&] { order.push_back(1); });
  clock.CallAfter(std::chrono::seconds(1), [&] { order.push_back(2); });
  clock.Post([&] { order.push_back(0); });
  EXPECT_TRUE(clock.RunUntilIdle());
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(clock.Now() - t0, std::chrono::seconds(2));
}

TEST(FakeClockTest, CancelledTimersNeverRun) {
  FakeClock clock;
  bool ran = false;
  TimerId id = clock.CallAfter(std::chrono::seconds(1), [&] { ran = true; });
  clock.Cancel(id);
  clock.Cancel(id);
  clock.Cancel(12345);
  clock.RunUntilIdle();
  EXPECT_FALSE(ran);
  EXPECT_EQ(clock.Elapsed(), Duration(0));
}

TEST(FakeClockTest, RunUntilStopsAtTheDeadline) {
  FakeClock clock;
  int runs = 0;
  clock.CallAfter(std::chrono::seconds(5), [&] { ++runs; });
  clock.CallAfter(std::chrono::seconds(15), [&] { ++runs; });
  clock.Advance(std::chrono::seconds(10));
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(clock.Elapsed(), std::chrono::seconds(10));
  EXPECT_EQ(clock.pending(), 1u);
  EXPECT_EQ(clock.WallMillis() - 1'800'000'000'000, 10'000);
}

TEST(FakeClockTest, AGuardStopsALoopThatNeverSettles) {
  FakeClock clock;
  std::function<void()> again = [&] { clock.CallAfter(std::chrono::seconds(1), again); };
  again();
  EXPECT_FALSE(clock.RunUntilIdle(1000));
}

}  // namespace
}  // namespace rollcall
