#include "net/http_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace rollcall::net {
namespace {

using State = ParseResult::State;

TEST(HttpParserTest, ParsesSimpleGet) {
  std::string wire = "GET /t/acme/buildinfo?x=1 HTTP/1.1\r\nHost: a\r\nX-Thing:  v  \r\n\r\n";
  ParseResult r = ParseRequest(wire);
  ASSERT_EQ(r.state, State::kComplete);
  EXPECT_EQ(r.consumed, wire.size());
  EXPECT_EQ(r.request.method, "GET");
  EXPECT_EQ(r.request.target, "/t/acme/buildinfo?x=1");
  EXPECT_EQ(r.request.path, "/t/acme/buildinfo");
  EXPECT_EQ(r.request.query, "x=1");
  EXPECT_EQ(r.request.version_minor, 1);
  EXPECT_TRUE(r.request.keep_alive);
  ASSERT_NE(r.request.Header("x-thing"), nullptr);
  EXPECT_EQ(*r.request.Header("X-THING"), "v");
  EXPECT_EQ(r.request.Header("Missing"), nullptr);
}

TEST(HttpParserTest, ParsesPostBodyByContentLength) {
  std::string wire = "POST /d HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloEXTRA";
  ParseResult r = ParseRequest(wire);
  ASSERT_EQ(r.state, State::kComplete);
  EXPECT_EQ(r.request.body, "hello");
  EXPECT_EQ(r.consumed, wire.size() - 5);  // "EXTRA" is the next request's
}

TEST(HttpParserTest, PipelinedRequestsParseOneAfterAnother) {
  std::string wire =
      "GET /a HTTP/1.1\r\n\r\n"
      "POST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"
      "GET /c HTTP/1.1\r\nConnection: close\r\n\r\n";
  std::vector<std::string> paths;
  std::string_view rest(wire);
  while (!rest.empty()) {
    ParseResult r = ParseRequest(rest);
    ASSERT_EQ(r.state, State::kComplete) << rest;
    paths.push_back(r.request.path);
    rest.remove_prefix(r.consumed);
    EXPECT_EQ(r.request.keep_alive, r.request.path != "/c");
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"/a", "/b", "/c"}));
}

TEST(HttpParserTest, EveryPrefixOfARequestIsIncomplete) {
  std::string wire = "POST /deploy HTTP/1.1\r\nContent-Length: 11\r\n\r\n{\"image\":1}";
  for (size_t n = 0; n < wire.size(); ++n) {
    ParseResult r = ParseRequest(std::string_view(wire).substr(0, n));
    ASSERT_EQ(r.state, State::kIncomplete) << "prefix " << n;
    // Once the head is in, the parser says so (the server uses it for 100-continue).
    EXPECT_EQ(r.headers_done, n >= wire.find("\r\n\r\n") + 4) << "prefix " << n;
  }
  EXPECT_EQ(ParseRequest(wire).state, State::kComplete);
}

TEST(HttpParserTest, SkipsLeadingBlankLines) {
  std::string wire = "\r\n\r\nGET / HTTP/1.1\r\n\r\n";
  ParseResult r = ParseRequest(wire);
  ASSERT_EQ(r.state, State::kComplete);
  EXPECT_EQ(r.consumed, wire.size());
}

TEST(HttpParserTest, KeepAliveFollowsVersionAndConnectionHeader) {
  EXPECT_FALSE(ParseRequest("GET / HTTP/1.0\r\n\r\n").request.keep_alive);
  EXPECT_TRUE(ParseRequest("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").request.keep_alive);
  EXPECT_FALSE(ParseRequest("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n").request.keep_alive);
  EXPECT_TRUE(ParseRequest("GET / HTTP/1.1\r\nConnection: upgrade\r\n\r\n").request.keep_alive);
}

TEST(HttpParserTest, NoticesExpectContinue) {
  ParseResult r =
      ParseRequest("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_EQ(r.state, State::kIncomplete);
  EXPECT_TRUE(r.headers_done);
  EXPECT_TRUE(r.request.expects_continue);
}

struct BadCase {
  const char* name;
  std::string wire;
  int status;
};

class HttpParserBadRequestTest : public testing::TestWithParam<BadCase> {};

TEST_P(HttpParserBadRequestTest, AnswersWithTheRightStatus) {
  ParseResult r =
      ParseRequest(GetParam().wire, ParserLimits{.max_header_bytes = 256, .max_body_bytes = 64});
  EXPECT_EQ(r.state, State::kError);
  EXPECT_EQ(r.error_status, GetParam().status) << r.error;
  EXPECT_FALSE(r.error.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, HttpParserBadRequestTest,
    testing::Values(
        BadCase{"NoVersion", "GET /\r\n\r\n", 400},
        BadCase{"ExtraSpace", "GET  / HTTP/1.1\r\n\r\n", 400},
        BadCase{"RelativeTarget", "GET foo HTTP/1.1\r\n\r\n", 400},
        BadCase{"BadMethod", "G(T / HTTP/1.1\r\n\r\n", 400},
        BadCase{"NotHttp", "GET / SPDY/3.1\r\n\r\n", 400},
        BadCase{"Http2", "GET / HTTP/2.0\r\n\r\n", 505},
        BadCase{"HeaderWithoutColon", "GET / HTTP/1.1\r\nHost a\r\n\r\n", 400},
        BadCase{"SpaceBeforeColon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
        BadCase{"ObsFold", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 400},
        BadCase{"BareLf", "GET / HTTP/1.1\r\nA: b\nC: d\r\n\r\n", 400},
        BadCase{"NegativeLength", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
        BadCase{"ConflictingLengths",
                "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
        BadCase{"Chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
        BadCase{"BodyTooLarge", "POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n", 413},
        BadCase{"HeadTooLarge", "GET / HTTP/1.1\r\nX: " + std::string(300, 'a') + "\r\n\r\n", 431},
        BadCase{"IncompleteHeadTooLarge", "GET / HTTP/1.1\r\nX: " + std::string(300, 'a'), 431}),
    [](const testing::TestParamInfo<BadCase>& info) { return info.param.name; });

TEST(HttpParserTest, BodyLimitIsCheckedBeforeTheBodyArrives) {
  ParseResult r = ParseRequest("POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n");
  EXPECT_EQ(r.state, State::kError);
  EXPECT_EQ(r.error_status, 413);
}

TEST(HttpParserTest, BodyAtTheLimitIsAccepted) {
  std::string wire = "POST / HTTP/1.1\r\nContent-Length: 64\r\n\r\n" + std::string(64, 'x');
  ParseResult r = ParseRequest(wire, ParserLimits{.max_header_bytes = 256, .max_body_bytes = 64});
  EXPECT_EQ(r.state, State::kComplete);
}

}  // namespace
}  // namespace rollcall::net
