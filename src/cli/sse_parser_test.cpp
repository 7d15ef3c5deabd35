#include "cli/sse_parser.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

TEST(SseParserTest, ParsesEventsSplitAcrossChunks) {
  SseParser p;
  EXPECT_TRUE(p.Feed("id: 7\nevent: tenant_fin").empty());
  EXPECT_TRUE(p.Feed("ished\ndata: {\"slug\":\"a\"}\r\n").empty());
  std::vector<SseEvent> events = p.Feed("\n: keep-alive\n\nid: 8\ndata: x\ndata: y\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, 7);
  EXPECT_EQ(events[0].event, "tenant_finished");
  EXPECT_EQ(events[0].data, "{\"slug\":\"a\"}");
  EXPECT_EQ(events[1].id, 8);
  EXPECT_EQ(events[1].event, "message");
  EXPECT_EQ(events[1].data, "x\ny");
}

TEST(SseParserTest, CommentsAloneDispatchNothing) {
  SseParser p;
  EXPECT_TRUE(p.Feed(": keep-alive\n\n: again\n\n").empty());
}

}  // namespace
}  // namespace rollcall
