// The hub over a memory store and a fake clock: replay then live, exactly
// once whatever the order of ledger writes, publishes and followers; the log
// lives only while followed; end callbacks fire once.
#include "server/event_hub.h"

#include <gtest/gtest.h>

#include <regex>

#include "store/memory_store.h"
#include "testing/fake_clock.h"

namespace rollcall {
namespace {

class EventHubTest : public ::testing::Test {
 protected:
  EventHubTest() {
    Rollout r;
    r.id = "r1";
    r.state = RolloutState::kRunning;
    EXPECT_TRUE(store.PutRollout(r).ok());
  }

  // Persists an event (as the engine does) and returns it, unpublished.
  RolloutEvent Write(bool final = false) {
    RolloutEvent e{0, "r1", final ? kEventRolloutState : kEventTenantStarted,
                   nlohmann::json{{"slug", "t" + std::to_string(++written)}}, 0, final};
    EXPECT_TRUE(store.AppendEvent(e).ok());
    return e;
  }

  // The ids in the SSE frames `text` holds.
  static std::vector<int64_t> Ids(const std::string& text) {
    std::vector<int64_t> ids;
    static const std::regex kId("id: (\\d+)\n");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), kId); it != std::sregex_iterator(); ++it) {
      ids.push_back(std::stoll((*it)[1]));
    }
    return ids;
  }

  MemoryStore store;
  FakeClock clock;
  EventHub hub{store, clock};
  int written = 0;
  int wakes = 0;
};

TEST_F(EventHubTest, ReplaysAfterTheLastEventIdThenGoesLiveAndEnds) {
  RolloutEvent e1 = Write(), e2 = Write(), e3 = Write();
  for (const auto& e : {e1, e2, e3}) hub.Publish(e);  // nobody follows: nothing kept
  auto source = hub.Follow("r1", e1.id);
  ASSERT_TRUE(source.ok());
  (*source)->Attach([this] { ++wakes; });
  std::string out;
  EXPECT_TRUE((*source)->Pull(out));
  EXPECT_EQ(Ids(out), (std::vector<int64_t>{e2.id, e3.id}));
  EXPECT_NE(out.find("event: tenant_started\ndata: {\"slug\":\"t2\"}\n\n"), std::string::npos) << out;

  RolloutEvent e4 = Write();
  hub.Publish(e4);
  EXPECT_EQ(wakes, 1);
  out.clear();
  EXPECT_TRUE((*source)->Pull(out));
  EXPECT_EQ(Ids(out), std::vector<int64_t>{e4.id});
  out.clear();
  EXPECT_TRUE((*source)->Pull(out));  // nothing new, not over
  EXPECT_TRUE(out.empty());

  RolloutEvent last = Write(true);
  hub.Publish(last);
  EXPECT_FALSE((*source)->Pull(out));
  EXPECT_EQ(Ids(out), std::vector<int64_t>{last.id});
}

TEST_F(EventHubTest, AnEventWrittenButNotYetPublishedReachesAFollowerOnce) {
  RolloutEvent e1 = Write();
  RolloutEvent e2 = Write();  // in the ledger, published only after the follower loaded it
  auto source = hub.Follow("r1", 0);
  ASSERT_TRUE(source.ok());
  hub.Publish(e1);  // late publishes of events the load already had
  hub.Publish(e2);
  RolloutEvent e3 = Write(true);
  hub.Publish(e3);
  std::string out;
  while ((*source)->Pull(out)) {
  }
  EXPECT_EQ(Ids(out), (std::vector<int64_t>{e1.id, e2.id, e3.id}));
}

TEST_F(EventHubTest, FollowersShareOneLogThatGoesWithTheLast) {
  Write();
  auto a = hub.Follow("r1", 0);
  auto b = hub.Follow("r1", 0);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(hub.followers(), 2u);
  EXPECT_TRUE(hub.Followed("r1"));
  (*a)->Detach();
  b->reset();  // a stream dropped without Detach leaves too
  EXPECT_EQ(hub.followers(), 0u);
  EXPECT_FALSE(hub.Followed("r1"));
}

TEST_F(EventHubTest, WhenFinishedFiresOnceOnTheFinalEventOrAtTheDeadline) {
  std::vector<bool> calls;
  hub.WhenFinished("r1", clock.Now() + std::chrono::seconds(10), [&](bool f) { calls.push_back(f); });
  EXPECT_TRUE(calls.empty());
  hub.Publish(Write(true));
  EXPECT_EQ(calls, std::vector<bool>{true});
  clock.Advance(std::chrono::seconds(20));
  EXPECT_EQ(calls, std::vector<bool>{true});  // the deadline no longer fires

  Rollout other;
  other.id = "r2";
  other.state = RolloutState::kRunning;
  ASSERT_TRUE(store.PutRollout(other).ok());
  hub.WhenFinished("r2", clock.Now() + std::chrono::seconds(10), [&](bool f) { calls.push_back(f); });
  clock.Advance(std::chrono::seconds(11));
  EXPECT_EQ(calls, (std::vector<bool>{true, false}));

  other.state = RolloutState::kSucceeded;
  ASSERT_TRUE(store.PutRollout(other).ok());
  hub.WhenFinished("r2", clock.Now() + std::chrono::seconds(10), [&](bool f) { calls.push_back(f); });
  EXPECT_EQ(calls, (std::vector<bool>{true, false, true}));  // already over: at once
}

}  // namespace
}  // namespace rollcall
