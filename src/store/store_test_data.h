// Shared by the Store tests: a temporary directory and sample data with
// every field set, plus comparisons that cover every field.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/events.h"
#include "core/json_codec.h"
#include "core/store.h"

namespace rollcall::store_test {

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "rollcall-store-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// ---- sample data with every field set ----

inline Tenant FullTenant(const std::string& slug) {
  Tenant t;
  t.slug = slug;
  t.base_url = "http://10.0.0.5:8080/" + slug;
  t.driver = DriverKind::kExec;
  t.agent_url = "http://10.0.0.5:7701";
  t.exec = {{"ssh", "{host}", "/opt/app/redeploy", "{image}"}, {"ssh", "{host}", "inspect"}};
  t.docker.host = "tcp://10.0.0.5:2376";
  t.docker.tls = {"/etc/rollcall/ca.pem", "/etc/rollcall/cert.pem", "/etc/rollcall/key.pem"};
  t.docker.select_label = "rollcall.tenant={slug}";
  t.docker.keep = {"db-{slug}", "data-{slug}"};
  t.docker.stop_grace_s = 30;
  t.labels = {{"region", "eu"}, {"tier", "gold"}};
  t.vars = {{"host", "10.0.0.5"}, {"quote", "a \"b\" \\ c\nd"}};
  t.image_repo = "registry.test/custom";
  t.public_url = "https://" + slug + ".example.com";
  t.ssm = {"i-0123456789abcdef0", "eu-west-1", "AWS-RunShellScript", {"/opt/app/redeploy {image}"},
           {"docker inspect --format '{{.Config.Image}}' app"}, 120};
  t.state = TenantState::kCordoned;
  return t;
}

inline Tenant Minimal(const std::string& slug) {
  Tenant t;
  t.slug = slug;
  return t;
}

inline Rollout FullRollout(const std::string& id, int64_t created_at_ms) {
  Rollout r;
  r.id = id;
  r.release = {"v42", "abc1234def", 42};
  r.policy.canary = {"c1", "c2"};
  r.policy.soak_seconds = 0.125;
  r.policy.max_parallel = 7;
  r.policy.strategy = Strategy::kBatches;
  r.policy.max_stragglers = {10, true};
  r.policy.per_tenant_timeout_s = 1.5;
  r.policy.health_timeout_s = 2.25;
  r.policy.health_interval_s = 0.01;
  r.policy.dry_run = true;
  r.policy.only_slugs = std::vector<std::string>{"c1", "c2", "a"};
  r.rollback = true;
  r.reason = "bad migration in v43";
  r.state = RolloutState::kRunning;
  r.enumerated = {"c1", "c2", "a"};
  r.stragglers = {"a"};
  r.error = "1 straggler";
  r.warnings = {"release has no seq", "ünïcode ok"};
  r.superseded_by = "r9";
  r.created_by = "ci-deploy";
  r.created_at_ms = created_at_ms;
  r.started_at_ms = created_at_ms + 5;
  r.finished_at_ms = created_at_ms + 900;
  r.legacy_scoped = true;
  r.recovery = true;
  return r;
}

inline TenantResult Row(const std::string& slug, TenantStatus status = TenantStatus::kSuccess) {
  TenantResult row;
  row.slug = slug;
  row.phase = "batch-2";
  row.status = status;
  row.exit_code = 3;
  row.healthz_ok = true;
  row.verified_on_target = true;
  row.running_image = "registry.test/app:v42";
  row.error = "exit 3: \"oops\"";
  row.started_at_ms = 1'700'000'000'123;
  row.finished_at_ms = 1'700'000'004'456;
  row.duration_ms = 4333;
  row.proof_observed_at_ms = 1'700'000'004'400;
  return row;
}

inline RolloutEvent Event(const std::string& rollout_id, const std::string& type, bool final = false) {
  return {0, rollout_id, type, {{"slug", "a"}, {"n", 1.5}, {"list", {1, 2}}}, 1234, final};
}

inline void ExpectSameTenant(const Tenant& want, const Tenant& got) {
  EXPECT_EQ(ToJson(want), ToJson(got));  // every field but these two
  EXPECT_EQ(want.agent_url, got.agent_url);
  EXPECT_EQ(want.exec.inspect, got.exec.inspect);
  EXPECT_EQ(want.docker, got.docker);
}

inline void ExpectSameRow(const TenantResult& want, const TenantResult& got) {
  EXPECT_EQ(ToJson(want), ToJson(got));
  EXPECT_EQ(want.started_at_ms, got.started_at_ms);
  EXPECT_EQ(want.finished_at_ms, got.finished_at_ms);
}

// Every header field, and the results row by row.
inline void ExpectSameRollout(const Rollout& want, const Rollout& got) {
  EXPECT_EQ(ToJson(want), ToJson(got));
  EXPECT_EQ(want.enumerated, got.enumerated);
  EXPECT_EQ(want.created_at_ms, got.created_at_ms);
  EXPECT_EQ(want.started_at_ms, got.started_at_ms);
  EXPECT_EQ(want.finished_at_ms, got.finished_at_ms);
  ASSERT_EQ(want.results.size(), got.results.size());
  for (size_t i = 0; i < want.results.size(); ++i) ExpectSameRow(want.results[i], got.results[i]);
}

inline std::vector<std::string> Slugs(const std::vector<TenantResult>& rows) {
  std::vector<std::string> out;
  for (const auto& row : rows) out.push_back(row.slug);
  return out;
}

inline void ExpectNotFound(const Status& s, const std::string& message) {
  EXPECT_EQ(s.code(), Status::Code::kNotFound) << s.message();
  EXPECT_EQ(s.message(), message);
}

}  // namespace rollcall::store_test
