#include "net/timer_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace rollcall::net {
namespace {

TimePoint At(int ms) { return TimePoint(std::chrono::milliseconds(ms)); }

std::string RunDue(TimerQueue& q, TimePoint now, std::string& log) {
  for (auto& cb : q.TakeDue(now)) cb();
  return log;
}

TEST(TimerQueueTest, RunsDueCallbacksInTimeThenInsertionOrder) {
  TimerQueue q;
  std::string log;
  q.Add(At(20), [&] { log += "c"; });
  q.Add(At(10), [&] { log += "a"; });
  q.Add(At(10), [&] { log += "b"; });
  q.Add(At(30), [&] { log += "d"; });
  EXPECT_EQ(q.NextDue(), At(10));
  EXPECT_EQ(RunDue(q, At(9), log), "");
  EXPECT_EQ(RunDue(q, At(20), log), "abc");
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.NextDue(), At(30));
}

TEST(TimerQueueTest, CancelForgetsAPendingTimerOnce) {
  TimerQueue q;
  std::string log;
  TimerQueue::Id id = q.Add(At(5), [&] { log += "x"; });
  EXPECT_TRUE(q.Cancel(id));
  EXPECT_FALSE(q.Cancel(id));
  EXPECT_FALSE(q.Cancel(12345));
  EXPECT_EQ(RunDue(q, At(100), log), "");
  EXPECT_FALSE(q.NextDue().has_value());
}

TEST(TimerQueueTest, TimersAddedByACallbackWaitForTheNextCall) {
  TimerQueue q;
  std::string log;
  q.Add(At(1), [&] {
    log += "1";
    q.Add(At(0), [&] { log += "2"; });
  });
  EXPECT_EQ(RunDue(q, At(1), log), "1");
  EXPECT_EQ(RunDue(q, At(1), log), "12");
}

}  // namespace
}  // namespace rollcall::net
