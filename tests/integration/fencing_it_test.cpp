// Release fencing end to end (DESIGN §1.3, §3.9): real rollcalld, real
// rollcall-sim and, for channel promotion, Debian's docker-registry, all on
// loopback. The incident: two merges two minutes apart, the older deploy job
// starting late, moving tenants and the `latest` tag backward. Each test
// replays one ordering; the last one races the two jobs many times.
//
// The agent's own refusal of a lower release_seq without rollback is covered
// by agent_it_test (AgentTest.LowerSeqIsRefusedUnlessRollback).
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <cstdlib>
#include <latch>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "stack.h"
#include "store/pg_test_server.h"
#include "test_registry.h"

namespace rollcall::it {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Json = nlohmann::json;

// Four tenants one at a time, 300 ms each: a rollout runs for 1.2 s or more.
constexpr char kSlow[] = R"({"max_parallel":1,"soak_seconds":0})";

// A 7-hex git sha derived from the seq, so each release has its own.
std::string ShaOf(int64_t seq) { return fmt::format("{:07x}", 0xabc0000 + seq); }

std::string RolloutBody(const std::string& tag, int64_t seq, const std::string& policy,
                        std::optional<std::string> reason = std::nullopt, bool rollback = false) {
  Json body = {{"release", {{"tag", tag}, {"git_sha", ShaOf(seq)}, {"seq", seq}}},
               {"policy", Json::parse(policy)}};
  if (rollback) body["rollback"] = true;
  if (reason) body["reason"] = *reason;
  return body.dump();
}

// Lenient readers: a missing field or a body that is not JSON reads as
// null, "" or -1, so a wrong answer fails an expectation instead of throwing.
const Json& Field(const Json& j, const std::string& key) {
  static const Json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}
const Json& Item(const Json& j, size_t i) {
  static const Json kNull;
  return j.is_array() && i < j.size() ? j[i] : kNull;
}
std::string Str(const Json& j, const std::string& key) {
  const Json& v = Field(j, key);
  return v.is_string() ? v.get<std::string>() : "";
}
std::string Str(const Json* j, const std::string& key) { return j ? Str(*j, key) : ""; }
int64_t Int(const Json& j, const std::string& key) {
  const Json& v = Field(j, key);
  return v.is_number_integer() ? v.get<int64_t>() : -1;
}
int64_t Int(const Json* j, const std::string& key) { return j ? Int(*j, key) : -1; }

// Polls `done` until it holds or the deadline passes.
template <typename Fn>
bool PollUntil(Fn done, Deadline deadline) {
  while (SteadyClock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);  // poll interval, bounded by the deadline
  }
  return done();
}

// The images a simulated tenant ran, oldest first (its initial one included).
std::vector<std::string> History(const Json& sim, const std::string& slug) {
  std::vector<std::string> images;
  for (const auto& image : Field(Field(Field(sim, "tenants"), slug), "history")) {
    images.push_back(image.is_string() ? image.get<std::string>() : image.dump());
  }
  return images;
}

// ---------------------------------------------------------------------------
// (a) Rollouts: the older release never moves a tenant after the newer one.

TEST(FencingIt, AnOlderRolloutIsRefusedWhileANewerOneRuns) {
  Stack s({.tenants = 4, .deploy_ms = "300"});
  const std::string v1 = s.image_repo() + ":v1";
  const std::string v2 = s.image_repo() + ":v2";

  const std::string r2 = s.StartRollout(RolloutBody("v2", 2, kSlow));
  ASSERT_FALSE(r2.empty());
  HttpReply refused = s.Post("/v1/rollouts", RolloutBody("v1", 1, kSlow));
  const std::string r2_state_then = Str(s.Get("/v1/rollouts/" + r2).Json(), "state");
  EXPECT_EQ(refused.status, 409) << refused.body;
  const Json body = refused.Json();
  EXPECT_EQ(Str(body, "error"), "superseded") << refused.body;
  ASSERT_TRUE(body.contains("newer") && Field(body, "newer").is_object()) << refused.body;
  EXPECT_EQ(Str(Field(body, "newer"), "tag"), "v2") << refused.body;
  EXPECT_EQ(Int(Field(body, "newer"), "seq"), 2) << refused.body;
  EXPECT_EQ(Str(Field(body, "newer"), "git_sha"), ShaOf(2)) << refused.body;
  EXPECT_EQ(Str(Field(body, "newer"), "rollout_id"), r2) << refused.body;
  // The refusal came while R2 was still under way: this is the incident's order.
  EXPECT_THAT((std::vector<std::string>{"pending", "running"}), ::testing::Contains(r2_state_then));

  const Json done = s.WaitFinished(r2);
  EXPECT_EQ(Str(done, "state"), "succeeded") << done.dump();
  const Json sim = s.SimState();
  ASSERT_EQ(Field(sim, "tenants").size(), 4u) << sim.dump();
  for (const auto& [slug, tenant] : Field(sim, "tenants").items()) {
    EXPECT_EQ(Str(tenant, "image"), v2) << slug;
    EXPECT_THAT(History(sim, slug), ::testing::Not(::testing::Contains(v1))) << slug;
  }
  // Still refused once R2 is done: the fleet's desired release is R2.
  HttpReply later = s.Post("/v1/rollouts", RolloutBody("v1", 1, kSlow));
  EXPECT_EQ(later.status, 409) << later.body;
  EXPECT_EQ(Str(later.Json(), "error"), "superseded") << later.body;
}

TEST(FencingIt, ANewerRolloutSupersedesARunningOlderOneAndNoTenantMovesBack) {
  Stack s({.tenants = 4, .deploy_ms = "300"});
  const std::string v1 = s.image_repo() + ":v1";
  const std::string v2 = s.image_repo() + ":v2";

  const std::string r1 = s.StartRollout(RolloutBody("v1", 1, kSlow));
  ASSERT_FALSE(r1.empty());
  // R1 has moved a tenant and is deploying the next one.
  ASSERT_TRUE(PollUntil(
      [&] {
        const Json sim = s.SimState();
        for (const auto& [slug, tenant] : Field(sim, "tenants").items()) {
          if (Str(tenant, "image") == v1) return true;
        }
        return false;
      },
      After(20s)))
      << "R1 never landed on a tenant: " << s.SimState().dump();
  const std::string r2 = s.StartRollout(RolloutBody("v2", 2, kSlow));
  ASSERT_FALSE(r2.empty());

  const Json first = s.WaitFinished(r1);
  const Json second = s.WaitFinished(r2);
  EXPECT_EQ(Str(first, "state"), "superseded") << first.dump();
  EXPECT_EQ(Str(first, "superseded_by"), r2) << first.dump();
  EXPECT_EQ(Str(second, "state"), "succeeded") << second.dump();

  const Json sim = s.SimState();
  int reached_by_r1 = 0;
  ASSERT_EQ(Field(sim, "tenants").size(), 4u) << sim.dump();
  for (const auto& [slug, tenant] : Field(sim, "tenants").items()) {
    EXPECT_EQ(Str(tenant, "image"), v2) << slug << ": " << tenant.dump();
    const std::vector<std::string> history = History(sim, slug);
    auto first_v2 = std::find(history.begin(), history.end(), v2);
    EXPECT_NE(first_v2, history.end()) << slug << ": " << tenant.dump();
    EXPECT_EQ(std::find(first_v2, history.end(), v1), history.end())
        << slug << " ran R1's image after R2's: " << tenant.dump();
    reached_by_r1 += std::find(history.begin(), history.end(), v1) != history.end() ? 1 : 0;
  }
  // R1 started no tenant once superseded: at most the one landed and the one in flight.
  EXPECT_GE(reached_by_r1, 1);
  EXPECT_LE(reached_by_r1, 2) << sim.dump();

  // Going back takes an explicit rollback with a reason.
  HttpReply no_reason = s.Post("/v1/rollouts", RolloutBody("v1", 1, kSlow, std::nullopt, true));
  EXPECT_EQ(no_reason.status, 400) << no_reason.body;
  EXPECT_THAT(Str(no_reason.Json(), "error"), HasSubstr("reason")) << no_reason.body;
  HttpReply rollback = s.Post("/v1/rollouts", RolloutBody("v1", 1, kSlow, "v2 breaks checkout", true));
  ASSERT_EQ(rollback.status, 202) << rollback.body;
  const Json back = s.WaitFinished(Str(rollback.Json(), "id"));
  EXPECT_EQ(Str(back, "state"), "succeeded") << back.dump();
  EXPECT_EQ(Str(back, "reason"), "v2 breaks checkout");
  const Json after = s.SimState();
  ASSERT_EQ(Field(after, "tenants").size(), 4u) << after.dump();
  for (const auto& [slug, tenant] : Field(after, "tenants").items()) {
    EXPECT_EQ(Str(tenant, "image"), v1) << slug << ": " << tenant.dump();
  }
}

// ---------------------------------------------------------------------------
// (b), (c) Channel promotion against a real registry.

class PromotionIt : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!TestRegistry::Available()) {
      GTEST_SKIP() << TestRegistry::kBin << " is not installed (apt-get install docker-registry)";
    }
    auto registry = TestRegistry::Start();
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    registry_ = std::move(registry).value();
  }

  // rollcalld retagging in this registry's `app`, whose images it deploys,
  // on `db` (a fresh SQLite file when empty).
  void StartStack(SimOptions options, const std::string& db = "") {
    options.image_repo = registry_->host() + "/app";
    options.server_args.insert(options.server_args.end(),
                               {"--registry-url", registry_->url(), "--registry-insecure"});
    stack_ = std::make_unique<Stack>(options, db);
    ASSERT_FALSE(HasFatalFailure()) << "the stack did not start";
  }

  void Push(const TestImage& image, const std::string& tag) {
    Status pushed = registry_->PushImage(image, "app", tag);
    ASSERT_TRUE(pushed.ok()) << tag << ": " << pushed.message();
  }

  void Race(const std::function<HttpReply(const std::string&, const std::string&)>& older_post,
            const std::function<HttpReply(const std::string&, const std::string&)>& newer_post);

  HttpReply Promote(const Json& body, const std::string& channel = "latest") {
    return stack_->Post("/v1/channels/" + channel + "/promote", body.dump());
  }

  // What the registry's app:<tag> points at now, or the error.
  std::string RegistryDigest(const std::string& tag) {
    Result<std::string> d = registry_->Digest("app", tag);
    return d.ok() ? *d : "error: " + d.status().message();
  }

  std::unique_ptr<TestRegistry> registry_;  // outlives the stack (declared first)
  std::unique_ptr<Stack> stack_;
};

TEST_F(PromotionIt, PromotionIsFencedByReleaseSeqAndMovesTheRegistryTag) {
  const TestImage a = MakeImage("release aaaaaaa");
  const TestImage b = MakeImage("release bbbbbbb");
  ASSERT_NE(DigestOf(a), DigestOf(b));
  ASSERT_NO_FATAL_FAILURE(Push(a, "staging-aaaaaaa"));
  ASSERT_NO_FATAL_FAILURE(Push(b, "staging-bbbbbbb"));
  ASSERT_NO_FATAL_FAILURE(StartStack({.tenants = 0}));

  // The newer release first.
  HttpReply promoted = Promote({{"tag", "staging-bbbbbbb"}, {"seq", 2}});
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  const Json p = promoted.Json();
  EXPECT_EQ(Str(p, "channel"), "latest") << promoted.body;
  EXPECT_EQ(Str(p, "tag"), "staging-bbbbbbb") << promoted.body;
  EXPECT_EQ(Int(p, "seq"), 2) << promoted.body;
  EXPECT_EQ(Str(p, "digest"), DigestOf(b)) << promoted.body;
  EXPECT_FALSE(Field(p, "promoted_at").is_null()) << promoted.body;
  EXPECT_EQ(RegistryDigest("latest"), DigestOf(b));
  EXPECT_EQ(RegistryDigest("staging-bbbbbbb"), DigestOf(b));

  // The older job arrives late: refused, and latest stays on B.
  HttpReply older = Promote({{"tag", "staging-aaaaaaa"}, {"seq", 1}});
  EXPECT_EQ(older.status, 409) << older.body;
  EXPECT_EQ(Str(older.Json(), "error"), "superseded") << older.body;
  if (older.Json().contains("newer")) {
    EXPECT_EQ(Int(Field(older.Json(), "newer"), "seq"), 2) << older.body;
    EXPECT_EQ(Str(Field(older.Json(), "newer"), "tag"), "staging-bbbbbbb") << older.body;
  }
  EXPECT_EQ(RegistryDigest("latest"), DigestOf(b));

  HttpReply channels = stack_->Get("/v1/channels", kRead);
  ASSERT_EQ(channels.status, 200) << channels.body;
  const Json list = Field(channels.Json(), "channels");
  ASSERT_EQ(list.size(), 1u) << channels.body;
  EXPECT_EQ(Str(Item(list, 0), "channel"), "latest") << channels.body;
  EXPECT_EQ(Str(Item(list, 0), "tag"), "staging-bbbbbbb") << channels.body;
  EXPECT_EQ(Int(Item(list, 0), "seq"), 2) << channels.body;
  EXPECT_EQ(Str(Item(list, 0), "digest"), DigestOf(b)) << channels.body;
  EXPECT_FALSE(Field(Item(list, 0), "promoted_at").is_null()) << channels.body;

  // A release that was never pushed: a 4xx naming it; nothing moves.
  HttpReply missing = Promote({{"tag", "staging-fffffff"}, {"seq", 3}});
  EXPECT_GE(missing.status, 400) << missing.body;
  EXPECT_LT(missing.status, 500) << missing.body;
  EXPECT_THAT(Str(missing.Json(), "error"), HasSubstr("staging-fffffff")) << missing.body;
  EXPECT_EQ(RegistryDigest("latest"), DigestOf(b));
  const Json still = stack_->Get("/v1/channels", kRead).Json();
  EXPECT_EQ(Int(Item(Field(still, "channels"), 0), "seq"), 2) << still.dump();
  EXPECT_EQ(Str(Item(Field(still, "channels"), 0), "tag"), "staging-bbbbbbb") << still.dump();

  // Going back takes an explicit rollback with a reason.
  HttpReply no_reason = Promote({{"tag", "staging-aaaaaaa"}, {"seq", 1}, {"rollback", true}});
  EXPECT_EQ(no_reason.status, 400) << no_reason.body;
  EXPECT_THAT(Str(no_reason.Json(), "error"), HasSubstr("reason")) << no_reason.body;
  EXPECT_EQ(RegistryDigest("latest"), DigestOf(b));
  HttpReply rollback = Promote(
      {{"tag", "staging-aaaaaaa"}, {"seq", 1}, {"rollback", true}, {"reason", "bad release"}});
  EXPECT_EQ(rollback.status, 200) << rollback.body;
  EXPECT_EQ(Str(rollback.Json(), "digest"), DigestOf(a)) << rollback.body;
  EXPECT_EQ(RegistryDigest("latest"), DigestOf(a));
  const Json now = stack_->Get("/v1/channels", kRead).Json();
  EXPECT_EQ(Str(Item(Field(now, "channels"), 0), "tag"), "staging-aaaaaaa") << now.dump();
  EXPECT_EQ(Int(Item(Field(now, "channels"), 0), "seq"), 1) << now.dump();
}

// What one simulated CI job saw: rollout, then promotion.
struct JobOutcome {
  int64_t seq = 0;
  int delay_ms = 0;
  int submit_status = 0;
  std::string submit_body;
  std::string rollout_id;
  std::string final_state;  // "" when refused
  std::string problems;     // the rollout's error and its rows that did not succeed
  int promote_status = 0;
  std::string promote_body;

  std::string Describe() const {
    return fmt::format("seq {} (delay {} ms): rollout {} {} -> {}{}; promote {} {}", seq, delay_ms,
                       submit_status, rollout_id.empty() ? submit_body : rollout_id,
                       final_state.empty() ? "-" : final_state, problems, promote_status,
                       promote_body);
  }
};

// How a job sends its mutations: to the leader, or to a controller that may
// answer 307 naming the leader (then the same request goes there).
using Poster = std::function<HttpReply(const std::string& path, const std::string& body)>;

Poster ToLeader(Stack& s) {
  return [&s](const std::string& path, const std::string& body) { return s.Post(path, body); };
}

// "http://127.0.0.1:PORT" -> its endpoint.
Endpoint EndpointOf(const std::string& url) {
  const std::string rest = url.substr(url.find("://") + 3);
  const size_t colon = rest.rfind(':');
  return Endpoint{rest.substr(0, colon), std::atoi(rest.c_str() + colon + 1)};
}

Poster Through(Endpoint at) {
  return [at](const std::string& path, const std::string& body) {
    HttpReply r = TestHttpClient(at).Post(path, body, BearerHeader(kAdmin));
    if (r.status != 307) return r;
    const std::string leader = Str(r.Json(), "leader");
    return TestHttpClient(EndpointOf(leader)).Post(path, body, BearerHeader(kAdmin));
  };
}

// One CI job: roll out `s<seq>`, wait for the rollout if accepted, promote.
// Every call makes its own HTTP client, so two jobs may run at once.
JobOutcome RunJob(Stack& s, const Poster& post, int64_t seq, int delay_ms, std::latch& start) {
  JobOutcome out;
  out.seq = seq;
  out.delay_ms = delay_ms;
  const std::string tag = fmt::format("s{}", seq);
  start.arrive_and_wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));  // the race's jitter
  HttpReply submitted = post("/v1/rollouts", RolloutBody(tag, seq, R"({"max_parallel":4,"soak_seconds":0})"));
  out.submit_status = submitted.status;
  out.submit_body = submitted.body;
  if (submitted.status == 202) {
    out.rollout_id = Str(submitted.Json(), "id");
    const Json done = s.WaitFinished(out.rollout_id, After(30s));
    out.final_state = Str(done, "state");
    if (!Str(done, "error").empty()) out.problems += " (" + Str(done, "error") + ")";
    for (const auto& row : Field(done, "results")) {
      if (Str(row, "status") != "Success") {
        out.problems += fmt::format("\n    {} {}: {}", Str(row, "slug"), Str(row, "status"),
                                    Str(row, "error"));
      }
    }
  }
  HttpReply promoted = post("/v1/channels/latest/promote", Json{{"tag", tag}, {"seq", seq}}.dump());
  out.promote_status = promoted.status;
  out.promote_body = promoted.body;
  return out;
}

// The seq of "<repo>:s<seq>", or -1 (the initial ":v0").
int64_t SeqOfImage(const std::string& image) {
  const size_t colon = image.rfind(":s");
  if (colon == std::string::npos) return -1;
  return std::strtoll(image.c_str() + colon + 2, nullptr, 10);
}

// The race, `kTrials` times, on the stack already started: the older job's
// mutations through `older_post`, the newer's through `newer_post`.
void PromotionIt::Race(const Poster& older_post, const Poster& newer_post) {
  constexpr int kTrials = 50;
  const auto began = SteadyClock::now();
  std::map<int64_t, TestImage> images;
  for (int64_t seq = 1; seq <= 2 * kTrials; ++seq) {
    images[seq] = MakeImage(fmt::format("release s{}", seq));
  }
  // Each push is six round trips to a registry that syncs to disk: four
  // pushers at once.
  std::map<int64_t, Status> pushed;
  for (int64_t seq = 1; seq <= 2 * kTrials; ++seq) pushed[seq] = Status::Ok();
  {
    constexpr int kPushers = 4;
    std::vector<std::thread> pushers;
    for (int p = 0; p < kPushers; ++p) {
      pushers.emplace_back([&, p] {
        for (int64_t seq = 1 + p; seq <= 2 * kTrials; seq += kPushers) {
          pushed[seq] = registry_->PushImage(images[seq], "app", fmt::format("s{}", seq));
        }
      });
    }
    for (auto& t : pushers) t.join();
  }
  for (const auto& [seq, status] : pushed) ASSERT_TRUE(status.ok()) << "s" << seq << ": " << status.message();
  std::printf("pushed %d images in %lld ms\n", 2 * kTrials,
              static_cast<long long>((SteadyClock::now() - began) / 1ms));

  const char* env_seed = std::getenv("ROLLCALL_FENCING_SEED");
  const uint32_t seed = env_seed ? static_cast<uint32_t>(std::strtoul(env_seed, nullptr, 10))
                                 : std::random_device{}();
  SCOPED_TRACE(fmt::format("seed {} (rerun with ROLLCALL_FENCING_SEED={})", seed, seed));
  std::printf("fencing race seed %u\n", seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay(0, 30);
  std::map<std::string, int> orderings;  // how the races went, for the log

  const auto trials_began = SteadyClock::now();
  int trials_run = 0;
  for (int trial = 0; trial < kTrials && !HasFailure(); ++trial, ++trials_run) {
    const int64_t low = 2 * trial + 1, high = 2 * trial + 2;
    const int low_delay = delay(rng), high_delay = delay(rng);
    SCOPED_TRACE(fmt::format("trial {}: seqs {} and {}", trial, low, high));
    std::latch start(2);
    JobOutcome older, newer;
    std::thread older_job([&] { older = RunJob(*stack_, older_post, low, low_delay, start); });
    std::thread newer_job([&] { newer = RunJob(*stack_, newer_post, high, high_delay, start); });
    older_job.join();
    newer_job.join();
    const std::string story = older.Describe() + "\n" + newer.Describe();

    // The newer job always ships and promotes.
    EXPECT_EQ(newer.submit_status, 202) << story;
    EXPECT_EQ(newer.final_state, "succeeded") << story;
    EXPECT_EQ(newer.promote_status, 200) << story;
    // The older one is refused, superseded, or done before the newer began.
    if (older.submit_status == 409) {
      EXPECT_EQ(Str(Json::parse(older.submit_body, nullptr, false), "error"), "superseded")
          << story;
    } else {
      EXPECT_EQ(older.submit_status, 202) << story;
      EXPECT_THAT((std::vector<std::string>{"superseded", "succeeded"}),
                  ::testing::Contains(older.final_state))
          << story;
    }
    EXPECT_THAT((std::vector<int>{200, 409}), ::testing::Contains(older.promote_status)) << story;
    ++orderings[fmt::format("older rollout {}{}, older promote {}", older.submit_status,
                            older.final_state.empty() ? "" : " " + older.final_state,
                            older.promote_status)];

    // The channel, in the ledger and in the registry.
    const std::string want_tag = fmt::format("s{}", high);
    const Json channels = stack_->Get("/v1/channels", kRead).Json();
    const Json* latest = nullptr;
    for (const auto& c : Field(channels, "channels")) {
      if (Str(c, "channel") == "latest") latest = &c;
    }
    ASSERT_NE(latest, nullptr) << channels.dump() << "\n" << story;
    EXPECT_EQ(Str(latest, "tag"), want_tag) << channels.dump() << "\n" << story;
    EXPECT_EQ(Int(latest, "seq"), high) << channels.dump() << "\n" << story;
    EXPECT_EQ(Str(latest, "digest"), DigestOf(images[high])) << channels.dump();
    EXPECT_EQ(RegistryDigest("latest"), DigestOf(images[high])) << story;

    // The fleet's desired release.
    const Json fleet = stack_->Get("/v1/fleet", kRead).Json();
    ASSERT_TRUE(fleet.contains("desired_release") && Field(fleet, "desired_release").is_object())
        << fleet.dump();
    EXPECT_EQ(Int(Field(fleet, "desired_release"), "seq"), high) << fleet.dump() << "\n" << story;
    EXPECT_EQ(Str(Field(fleet, "desired_release"), "tag"), want_tag) << fleet.dump();

    // Every tenant runs the newer image, and never went back in seq.
    const std::string want_image = stack_->image_repo() + ":" + want_tag;
    const Json sim = stack_->SimState();
    ASSERT_EQ(Field(sim, "tenants").size(), 4u) << sim.dump();
    for (const auto& [slug, tenant] : Field(sim, "tenants").items()) {
      EXPECT_EQ(Str(tenant, "image"), want_image) << slug << ": " << tenant.dump() << "\n" << story;
      int64_t last = -1;
      for (const auto& image : History(sim, slug)) {
        const int64_t seq = SeqOfImage(image);
        EXPECT_GE(seq, last) << slug << " moved back from s" << last << " to " << image << "\n"
                             << story;
        last = std::max(last, seq);
      }
    }
  }
  std::printf("%d trials in %lld ms; how the older job fared:\n", trials_run,
              static_cast<long long>((SteadyClock::now() - trials_began) / 1ms));
  for (const auto& [how, count] : orderings) std::printf("  %3d x %s\n", count, how.c_str());
}

TEST_F(PromotionIt, TwoJobsRacingAlwaysLeaveTheFleetAndTheChannelOnTheNewerRelease) {
  ASSERT_NO_FATAL_FAILURE(StartStack({.tenants = 4, .deploy_ms = "5"}));
  Race(ToLeader(*stack_), ToLeader(*stack_));
}

// The same race against two controllers on one PostgreSQL: the older job
// talks to the standby (sent on to the leader by 307), the newer one to the
// leader. Fencing decisions are the leader's, under the database's locks.
TEST_F(PromotionIt, TwoJobsRacingThroughTwoControllersAlwaysLeaveTheFleetOnTheNewerRelease) {
  ROLLCALL_SKIP_WITHOUT_POSTGRES();
  Result<std::string> db = PgTestServer::FreshSchema();
  ASSERT_TRUE(db.ok()) << db.status().message();
  ASSERT_NO_FATAL_FAILURE(StartStack(
      {.tenants = 4, .deploy_ms = "5", .server_args = {"--lease-ttl", "3", "--lease-renew", "0.5"}}, *db));
  Endpoint standby;
  std::unique_ptr<ChildProcess> standby_process = stack_->StartAnotherServer(&standby);
  ASSERT_NE(standby_process, nullptr);
  Race(Through(standby), ToLeader(*stack_));
}

}  // namespace
}  // namespace rollcall::it
