// The exposition format as Prometheus reads it: HELP and TYPE once per
// family, cumulative buckets ending in +Inf with _sum and _count, escaped
// label values, counters created at zero.
#include "server/prometheus.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/rollcall_metrics.h"

namespace rollcall {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(PrometheusTest, CountersAndHistogramsRenderInTheTextFormat) {
  MetricsRegistry r;
  CounterFamily& c = r.Counter("x_total", "Things.", {"kind"});
  HistogramFamily& h = r.Histogram("x_seconds", "Time.", {}, {0.5, 1, 5});
  c.Touch({"b"});
  c.Inc({"a"}, 2);
  h.Observe({}, 0.25);
  h.Observe({}, 1);  // an upper bound is inclusive
  h.Observe({}, 9);
  EXPECT_EQ(r.Render(),
            "# HELP x_total Things.\n# TYPE x_total counter\n"
            "x_total{kind=\"a\"} 2\nx_total{kind=\"b\"} 0\n"
            "# HELP x_seconds Time.\n# TYPE x_seconds histogram\n"
            "x_seconds_bucket{le=\"0.5\"} 1\nx_seconds_bucket{le=\"1\"} 2\nx_seconds_bucket{le=\"5\"} 2\n"
            "x_seconds_bucket{le=\"+Inf\"} 3\nx_seconds_sum 10.25\nx_seconds_count 3\n");
}

TEST(PrometheusTest, LabelValuesAreEscaped) {
  MetricsRegistry r;
  r.Counter("y_total", "Y.", {"route"}).Inc({"a\"b\\c\nd"});
  EXPECT_THAT(r.Render(), HasSubstr("y_total{route=\"a\\\"b\\\\c\\nd\"} 1\n"));
}

TEST(RollcallMetricsTest, EngineReportsAndRequestsBecomeCountersAndHistograms) {
  RollcallMetrics m("1.2.3", "abc123");
  TenantResult ok;
  ok.slug = "a";
  ok.status = TenantStatus::kSuccess;
  TenantResult stuck;
  stuck.slug = "b";
  stuck.status = TenantStatus::kOffTarget;
  m.TenantFinished(ok);
  m.TenantFinished(stuck);
  m.DeployAnswered(std::chrono::seconds(3));
  Rollout r;
  r.state = RolloutState::kSucceeded;
  r.results = {ok, stuck};
  r.stragglers = {"b"};
  r.started_at_ms = 1000;
  r.finished_at_ms = 8000;
  m.RolloutFinished(r);
  m.RequestAnswered("GET /v1/rollouts/{id}", 200, std::chrono::milliseconds(3));
  m.RequestAnswered("GET /v1/rollouts/{id}/events", 200, std::chrono::minutes(5));
  AuditEntry refused{0, 0, "ci", "channel.promote", "latest", "", {{"status", 409}, {"error", "superseded"}}};
  m.MutationAnswered(refused);
  AuditEntry older{0, 0, "ci", "rollout.create", "", "", {{"status", 409}, {"error", "superseded"}}};
  m.MutationAnswered(older);

  const std::string text = m.Render();
  EXPECT_THAT(text, HasSubstr("rollcall_tenant_deploys_total{status=\"Success\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("rollcall_tenant_deploys_total{status=\"TimedOut\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("rollcall_tenant_deploy_duration_seconds_bucket{le=\"5\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("rollcall_rollouts_total{state=\"succeeded\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("rollcall_rollout_duration_seconds_sum 7\n"));
  EXPECT_THAT(text, HasSubstr("rollcall_stragglers_total{status=\"OffTarget\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("rollcall_promotions_total{outcome=\"refused\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("rollcall_fence_refusals_total{kind=\"promotion\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("rollcall_fence_refusals_total{kind=\"rollout\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("rollcall_http_requests_total{route=\"GET /v1/rollouts/{id}\",code=\"200\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("rollcall_http_request_duration_seconds_count{route=\"GET /v1/rollouts/{id}\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("rollcall_http_request_duration_seconds_count{route=\"GET /v1/rollouts/{id}/events\"}")));
  EXPECT_THAT(text, HasSubstr("rollcall_build_info{version=\"1.2.3\",commit=\"abc123\"} 1\n"));
}

}  // namespace
}  // namespace rollcall
