// A standby republishes what the leader appends to the ledger, once each,
// and reads to the end when it takes over.
#include "server/ledger_tail.h"

#include <gtest/gtest.h>

#include "store/memory_store.h"
#include "testing/engine_harness.h"
#include "testing/fake_clock.h"

namespace rollcall {
namespace {

using std::chrono::milliseconds;

RolloutEvent Appended(MemoryStore& store, const std::string& type) {
  RolloutEvent e;
  e.type = type;
  e.data = Json::object();
  e.at_ms = 1;
  EXPECT_TRUE(store.AppendEvent(e).ok());
  return e;
}

std::vector<std::string> Types(const RecordingSink& sink) {
  std::vector<std::string> out;
  for (const auto& e : sink.events) out.push_back(e.type);
  return out;
}

TEST(LedgerTailTest, PublishesWhatIsAppendedAfterItStartedOnceEach) {
  FakeClock clock;
  MemoryStore store;
  RecordingSink sink;
  Appended(store, "before");  // already there: not news
  auto tail = LedgerTail::Create(clock, store, sink, milliseconds(250));
  tail->Start();
  clock.Advance(milliseconds(10));
  Appended(store, "one");
  Appended(store, "two");
  clock.Advance(milliseconds(300));
  EXPECT_EQ(Types(sink), (std::vector<std::string>{"one", "two"}));
  clock.Advance(milliseconds(1000));
  EXPECT_EQ(sink.events.size(), 2u);  // nothing twice
  Appended(store, "three");
  // Takeover: what the old leader wrote last is published at once, and
  // nothing after.
  clock.Post([&] { tail->CatchUpAndStop(); });
  clock.Advance(milliseconds(1));
  EXPECT_EQ(Types(sink), (std::vector<std::string>{"one", "two", "three"}));
  Appended(store, "mine");  // the new leader's engine publishes its own
  clock.Advance(milliseconds(1000));
  EXPECT_EQ(sink.events.size(), 3u);
}

TEST(LedgerTailTest, ABacklogLargerThanABatchIsReadInOnePoll) {
  FakeClock clock;
  MemoryStore store;
  RecordingSink sink;
  auto tail = LedgerTail::Create(clock, store, sink, milliseconds(250));
  tail->Start();
  clock.Advance(milliseconds(10));
  for (size_t i = 0; i < LedgerTail::kBatch + 5; ++i) Appended(store, "e");
  clock.Advance(milliseconds(300));
  EXPECT_EQ(sink.events.size(), LedgerTail::kBatch + 5);
}

}  // namespace
}  // namespace rollcall
