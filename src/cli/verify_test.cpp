// verify in virtual time over a fake network: the budget is a deadline
// (no request outlives it, no round starts too late to be answered), and
// each tenant is checked where its users reach it.
#include "cli/verify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace rollcall {
namespace {

using namespace std::chrono_literals;

// A fleet whose tenants answer at once (the virtual clock does not move)
// or never (the request ends at its timeout, which moves the clock).
struct FakeNet {
  TimePoint now{};
  std::map<std::string, std::string> sha_of;  // base URL -> what /buildinfo says; absent: never answers
  std::vector<HttpRequest> sent;
  std::vector<TimePoint> sent_at;

  VerifyEnv Env() {
    return VerifyEnv{[this](HttpRequest req, std::function<void(HttpResponse)> done) {
                       sent.push_back(req);
                       sent_at.push_back(now);
                       const std::string base = req.url.substr(0, req.url.rfind('/'));
                       HttpResponse r;
                       auto it = sha_of.find(base);
                       if (it == sha_of.end()) {
                         now += req.timeout;  // the whole timeout passes
                         r.error = "Timeout was reached";
                         r.timed_out = true;
                       } else {
                         r.status = 200;
                         r.body = req.url.ends_with("/buildinfo") ? R"({"git_sha":")" + it->second + R"("})" : "ok";
                       }
                       done(std::move(r));
                     },
                     [this] { return now; }, [this](TimePoint t) { now = std::max(now, t); }};
  }
};

TEST(VerifyTest, NoRequestOutlivesTheBudgetAndNoRoundStartsTooLate) {
  FakeNet net;
  net.sha_of["http://ok"] = "abc1234";
  VerifyOptions o;
  o.sha = "abc1234";
  o.budget = 6s;
  o.interval = 20s;
  o.request_timeout = 10s;
  o.max_in_flight = 1;  // one at a time: the dead tenant's timeouts add up
  VerifyEnv env = net.Env();
  std::vector<VerifyRow> rows = RunVerify(env, {{"dead", "http://dead"}, {"ok", "http://ok"}}, o);
  const TimePoint deadline = TimePoint{} + 6s;
  for (size_t i = 0; i < net.sent.size(); ++i) {
    EXPECT_LE(net.sent_at[i] + net.sent[i].timeout, deadline) << net.sent[i].url;
  }
  EXPECT_LE(net.now, deadline);  // before the fix: 20 s (two 10 s timeouts)
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].state, VerifyState::kUnreachable);
  EXPECT_THAT(rows[0].detail, ::testing::AnyOf("Timeout was reached", "not checked: the budget ran out"));
  // One probe at a time: the dead tenant's timeout spent the budget.
  EXPECT_EQ(rows[1].state, VerifyState::kUnreachable);
  EXPECT_EQ(rows[1].detail, "not checked: the budget ran out");
}

TEST(VerifyTest, PollsEveryIntervalUntilOnTargetWithinTheBudget) {
  FakeNet net;
  net.sha_of["http://a"] = "0000000";
  VerifyOptions o;
  o.sha = "abc1234";
  o.budget = 60s;
  o.interval = 20s;
  int rounds = 0;
  VerifyEnv env = net.Env();
  auto settle_on_third = [&](size_t, size_t) {
    if (++rounds == 2) net.sha_of["http://a"] = "abc1234";
  };
  std::vector<VerifyRow> rows = RunVerify(env, {{"a", "http://a"}}, o, settle_on_third);
  EXPECT_EQ(rows[0].state, VerifyState::kOk);
  EXPECT_EQ(rounds, 3);
  EXPECT_EQ(net.now, TimePoint{} + 40s);
}

TEST(VerifyTest, ChecksWhereUsersReachTheTenant) {
  EXPECT_EQ(*VerifyUrlOf("acme", "http://10.0.0.5:8080", "https://acme.example.com", "https://{slug}.edge.net"),
            "https://acme.example.com");
  EXPECT_EQ(*VerifyUrlOf("acme", "http://10.0.0.5:8080", "", "https://{slug}.edge.net/"), "https://acme.edge.net");
  EXPECT_EQ(*VerifyUrlOf("acme", "http://10.0.0.5:8080", "", ""), "http://10.0.0.5:8080");
  EXPECT_EQ(VerifyUrlOf("acme", "http://h", "", "https://{tenant}.x").status().message(),
            "--url-template: only {slug} may be substituted, got \"https://{tenant}.x\"");
  EXPECT_FALSE(VerifyUrlOf("acme", "http://h", "", "{slug}.example.com").ok());
}

}  // namespace
}  // namespace rollcall
