// RandomIds: rollout ids that sort by creation time and do not collide
// across restarts: "r-20261121-093000-3f9a1c".
#pragma once

#include <chrono>
#include <ctime>
#include <fmt/format.h>
#include <mutex>
#include <random>

#include "core/rollout_service.h"

namespace rollcall {

class RandomIds : public IdSource {
 public:
  RandomIds() : rng_(std::random_device{}()) {}

  std::string NextRolloutId() override {
    std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::lock_guard lock(mu_);
    return fmt::format("r-{:04}{:02}{:02}-{:02}{:02}{:02}-{:06x}", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rng_() & 0xffffff);
  }

 private:
  std::mutex mu_;
  std::mt19937 rng_;  // guarded by mu_
};

}  // namespace rollcall
