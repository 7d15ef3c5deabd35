// What `rollout` and `watch` show while a rollout runs, as a pure state
// machine over its events: done/total with a progress bar, tenants in
// flight, those not verified so far, the soak countdown after the canaries,
// and the rollout's state (paused, resumed, ended) as it changes. The
// caller feeds events and the time, and prints what it is handed.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/json_reader.h"

namespace rollcall {

class FollowView {
 public:
  // `rollout`: the rollout as created or read (id, enumerated, policy).
  explicit FollowView(const Json& rollout);

  // One event of the stream at `now_s` (seconds since following began).
  // Returns the lines worth keeping above the live one: a tenant that did
  // not verify, a change of the rollout's state; with `every_tenant`
  // (a log, not a terminal) also every finished tenant.
  std::vector<std::string> Apply(const std::string& type, const Json& data, double now_s, bool every_tenant);

  // The live line at `now_s`, at most `width` columns:
  // "[######----] 45/100 · 3 in flight · 1 not verified · soaking 42s · 1m12s".
  std::string Line(double now_s, size_t width) const;

  bool ended() const { return ended_; }

 private:
  size_t total_ = 0;
  size_t canaries_ = 0;
  double soak_s_ = 0;
  size_t done_ = 0, not_verified_ = 0, canaries_done_ = 0;
  std::set<std::string> in_flight_;
  bool fanout_started_ = false;
  std::optional<double> soak_until_;
  std::string state_ = "running";
  bool ended_ = false;
};

}  // namespace rollcall
