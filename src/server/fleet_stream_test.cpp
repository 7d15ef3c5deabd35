// GET /v1/events over a memory store: every event of the ledger on one
// sequence, replayed after a Last-Event-ID then live, from now without
// one, and a follower that falls behind (or whose replay was cut) ended
// to reconnect, never silently skipped past.
#include "server/fleet_stream.h"

#include <gtest/gtest.h>

#include <string>

#include "store/memory_store.h"

namespace rollcall {
namespace {

class FleetStreamTest : public ::testing::Test {
 protected:
  FleetStreamTest() {
    Rollout r;
    r.id = "r1";
    EXPECT_TRUE(store.PutRollout(r).ok());
  }

  // Persists an event (rollout r1's, or the fleet's) and returns it, unpublished.
  RolloutEvent Write(const std::string& rollout_id = "r1") {
    RolloutEvent e{0, rollout_id, rollout_id.empty() ? "drift" : kEventTenantStarted,
                   nlohmann::json{{"slug", "t" + std::to_string(++written)}}, 0, false};
    EXPECT_TRUE(store.AppendEvent(e).ok());
    return e;
  }
  RolloutEvent WriteAndPublish(const std::string& rollout_id = "r1") {
    RolloutEvent e = Write(rollout_id);
    stream.Publish(e);
    return e;
  }

  // The ids of the SSE frames in `text` (each frame starts "id: N\n").
  static std::vector<int64_t> Ids(const std::string& text) {
    std::vector<int64_t> ids;
    for (size_t at = 0; (at = text.find("id: ", at)) != std::string::npos; at += 4) {
      if (at == 0 || text[at - 1] == '\n') ids.push_back(std::stoll(text.substr(at + 4, 20)));
    }
    return ids;
  }

  MemoryStore store;
  FleetStream stream{store};
  int written = 0;
};

TEST_F(FleetStreamTest, ReplaysEveryEventAfterTheLastEventIdThenGoesLive) {
  RolloutEvent a = WriteAndPublish(), drift = WriteAndPublish(""), b = WriteAndPublish();
  auto source = stream.Follow(a.id);
  ASSERT_TRUE(source.ok());
  int wakes = 0;
  (*source)->Attach([&] { ++wakes; });
  std::string out;
  EXPECT_TRUE((*source)->Pull(out));
  EXPECT_EQ(Ids(out), (std::vector<int64_t>{drift.id, b.id}));
  EXPECT_NE(out.find("event: drift\ndata: {\"slug\":\"t2\"}\n\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\"rollout_id\":\"r1\""), std::string::npos) << out;  // a rollout's events say whose

  RolloutEvent c = WriteAndPublish("");
  EXPECT_EQ(wakes, 1);
  out.clear();
  EXPECT_TRUE((*source)->Pull(out));
  EXPECT_EQ(Ids(out), std::vector<int64_t>{c.id});
  out.clear();
  EXPECT_TRUE((*source)->Pull(out));  // never over by itself
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(stream.followers(), 1u);
  source->reset();
  EXPECT_EQ(stream.followers(), 0u);
}

TEST_F(FleetStreamTest, WithoutALastEventIdItStartsFromNow) {
  WriteAndPublish();
  WriteAndPublish("");
  auto source = stream.Follow(std::nullopt);
  ASSERT_TRUE(source.ok());
  std::string out;
  EXPECT_TRUE((*source)->Pull(out));
  EXPECT_TRUE(out.empty());
  RolloutEvent next = WriteAndPublish("");
  EXPECT_TRUE((*source)->Pull(out));
  EXPECT_EQ(Ids(out), std::vector<int64_t>{next.id});
}

TEST_F(FleetStreamTest, AnEventWrittenDuringTheReplayReachesTheFollowerOnce) {
  RolloutEvent a = Write();  // in the ledger; published only after the follower loaded it
  auto source = stream.Follow(0);
  ASSERT_TRUE(source.ok());
  stream.Publish(a);
  RolloutEvent b = WriteAndPublish();
  std::string out;
  while ((*source)->Pull(out) && Ids(out).size() < 2 && out.size() < 10000) {
  }
  EXPECT_EQ(Ids(out), (std::vector<int64_t>{a.id, b.id}));
}

TEST_F(FleetStreamTest, AFollowerLeftBehindByTheWindowIsEndedToReconnectNotSkipped) {
  auto source = stream.Follow(std::nullopt);
  ASSERT_TRUE(source.ok());
  RolloutEvent first = WriteAndPublish("");
  for (size_t i = 0; i < FleetStream::kWindow + 1; ++i) WriteAndPublish("");  // it never read
  std::string out;
  EXPECT_FALSE((*source)->Pull(out));  // the frame after its cursor is gone: reconnect
  EXPECT_TRUE(out.empty());
  // Reconnecting from where it was replays from the ledger, losing nothing.
  auto again = stream.Follow(first.id - 1);
  ASSERT_TRUE(again.ok());
  std::string replay;
  EXPECT_TRUE((*again)->Pull(replay));
  ASSERT_FALSE(Ids(replay).empty());
  EXPECT_EQ(Ids(replay).front(), first.id);
}

TEST_F(FleetStreamTest, AReplayLongerThanTheCapEndsAfterItSoTheClientResumesFromThere) {
  for (size_t i = 0; i < FleetStream::kMaxReplay + 5; ++i) Write("");
  auto source = stream.Follow(0);
  ASSERT_TRUE(source.ok());
  std::string out;
  bool more = true;
  while (more) {
    std::string chunk;  // as the server does: each Pull into a fresh buffer
    more = (*source)->Pull(chunk);
    out += chunk;
  }
  std::vector<int64_t> ids = Ids(out);
  ASSERT_EQ(ids.size(), FleetStream::kMaxReplay);
  auto rest = stream.Follow(ids.back());
  ASSERT_TRUE(rest.ok());
  std::string tail;
  EXPECT_TRUE((*rest)->Pull(tail));
  EXPECT_EQ(Ids(tail).size(), 5u);
}

}  // namespace
}  // namespace rollcall
