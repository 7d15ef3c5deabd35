#include "server/read_cache.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

TEST(ReadCacheTest, RecallsTheLastGoodAnswerOfEachKey) {
  ReadCache cache;
  EXPECT_FALSE(cache.Recall("/v1/fleet"));
  cache.Remember("/v1/fleet", "one", 10);
  cache.Remember("/v1/fleet", "two", 20);
  cache.Remember("/v1/tenants", "three", 30);
  std::optional<ReadCache::Answer> fleet = cache.Recall("/v1/fleet");
  ASSERT_TRUE(fleet);
  EXPECT_EQ(fleet->body, "two");
  EXPECT_EQ(fleet->at_ms, 20);
  EXPECT_EQ(cache.Recall("/v1/tenants")->body, "three");
  EXPECT_FALSE(cache.Recall("/v1/fleet?x=1"));  // the whole target is the key
}

TEST(ReadCacheTest, TheLeastRecentlyUsedAnswerGoesFirstOnceTheBudgetIsFull) {
  ReadCache cache(800);  // answers up to 100 bytes, key included
  const std::string body(90, 'x');
  for (const char* key : {"/a", "/b", "/c", "/d", "/e", "/f", "/g", "/h"}) cache.Remember(key, body, 1);
  EXPECT_LE(cache.bytes(), 800u);
  ASSERT_TRUE(cache.Recall("/a"));  // used: now the most recent
  cache.Remember("/i", body, 2);
  EXPECT_TRUE(cache.Recall("/a"));
  EXPECT_FALSE(cache.Recall("/b")) << "the least recently used answer stayed";
  EXPECT_TRUE(cache.Recall("/i"));
  EXPECT_LE(cache.bytes(), 800u);
}

TEST(ReadCacheTest, AnAnswerTooLargeForItsShareIsNotKeptAndDropsTheOlderOne) {
  ReadCache cache(800);
  cache.Remember("/big", "small", 1);
  cache.Remember("/big", std::string(200, 'x'), 2);
  EXPECT_FALSE(cache.Recall("/big")) << "an older answer must not stand in for a newer one";
  EXPECT_EQ(cache.bytes(), 0u);
}

}  // namespace
}  // namespace rollcall
