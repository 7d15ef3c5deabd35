// When a control plane may act: only while its own clock says the lease it
// last renewed has not run out, less the margin; never after it lost it.
#include "core/leadership.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint t0 = TimePoint{} + seconds(1000);

Leadership Make() { return Leadership(LeadershipConfig{seconds(10), seconds(2), seconds(2)}); }

TEST(LeadershipTest, AStandbyNeverActsAndTriesAtOnceThenEveryRenewInterval) {
  Leadership l = Make();
  EXPECT_FALSE(l.leader());
  EXPECT_FALSE(l.MayAct(t0));
  EXPECT_LE(l.NextAttempt(), t0);
  l.AcquireRefused(t0);
  EXPECT_EQ(l.NextAttempt(), t0 + seconds(2));
  EXPECT_FALSE(l.MayAct(t0 + seconds(1)));
}

TEST(LeadershipTest, ALeaderActsUntilTheLeaseLessTheMarginCountedFromWhenItAsked) {
  Leadership l = Make();
  l.Acquired(7, t0);
  EXPECT_EQ(l.epoch(), 7);
  EXPECT_TRUE(l.MayAct(t0));
  EXPECT_TRUE(l.MayAct(t0 + seconds(8) - milliseconds(1)));
  EXPECT_FALSE(l.MayAct(t0 + seconds(8)));  // ttl 10 - margin 2
  EXPECT_EQ(l.NextAttempt(), t0 + seconds(2));
}

TEST(LeadershipTest, EachRenewalExtendsTheRightAndASlowAnswerNeverShortensIt) {
  Leadership l = Make();
  l.Acquired(1, t0);
  l.Renewed(t0 + seconds(2));
  EXPECT_TRUE(l.MayAct(t0 + seconds(9)));
  EXPECT_EQ(l.ActUntil(), t0 + seconds(10));
  l.Renewed(t0 + seconds(1));  // sent earlier, answered later
  EXPECT_EQ(l.ActUntil(), t0 + seconds(10));
  EXPECT_EQ(l.NextAttempt(), t0 + seconds(4));
}

// SIGSTOP for longer than the TTL: on resume the leader may not act, even
// though it still believes it leads, until a renewal succeeds again.
TEST(LeadershipTest, AfterALongPauseTheLeaderStopsBeforeItsFirstDeploy) {
  Leadership l = Make();
  l.Acquired(1, t0);
  const TimePoint resumed = t0 + seconds(60);
  EXPECT_TRUE(l.leader());
  EXPECT_FALSE(l.MayAct(resumed));
  EXPECT_LE(l.NextAttempt(), resumed);  // renew at once
  l.Renewed(resumed);  // nobody took over meanwhile: the same epoch goes on
  EXPECT_TRUE(l.MayAct(resumed + seconds(1)));
}

TEST(LeadershipTest, ALossEndsLeadershipForGoodUntilANewAcquisition) {
  Leadership l = Make();
  l.Acquired(1, t0);
  l.Lost("postgres: renew the lease: deposed: the lease moved past epoch 1");
  EXPECT_FALSE(l.leader());
  EXPECT_FALSE(l.MayAct(t0 + seconds(1)));
  EXPECT_NE(l.last_loss().find("deposed"), std::string::npos);
  l.Renewed(t0 + seconds(1));  // a renewal answered late changes nothing
  EXPECT_FALSE(l.MayAct(t0 + seconds(2)));
  l.Acquired(3, t0 + seconds(20));
  EXPECT_EQ(l.epoch(), 3);
  EXPECT_TRUE(l.MayAct(t0 + seconds(21)));
}

}  // namespace
}  // namespace rollcall
