#include "sim/deploy_timing.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <optional>
#include <string>

namespace rollcall::sim {
namespace {

// SplitMix64's finaliser: a cheap, well-mixed 64-bit hash step.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ULL;
  return h;
}

std::optional<double> ParseDouble(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

constexpr double kMaxDeployMs = 3600.0 * 1000.0;

}  // namespace

Result<DeployTiming> ParseDeployDist(std::string_view text) {
  constexpr std::string_view kPrefix = "lognormal:";
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    return Status::Invalid(fmt::format("'{}': expected lognormal:MEDIAN_MS:SIGMA", text));
  }
  std::string_view rest = text.substr(kPrefix.size());
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos) {
    return Status::Invalid(fmt::format("'{}': expected lognormal:MEDIAN_MS:SIGMA", text));
  }
  auto median = ParseDouble(rest.substr(0, colon));
  auto sigma = ParseDouble(rest.substr(colon + 1));
  if (!median || *median <= 0 || *median > kMaxDeployMs) {
    return Status::Invalid(fmt::format("'{}': MEDIAN_MS must be a number in (0, 3600000]", text));
  }
  if (!sigma || *sigma < 0 || *sigma > 10) {
    return Status::Invalid(fmt::format("'{}': SIGMA must be a number in [0, 10]", text));
  }
  return DeployTiming{
      .kind = DeployTiming::Kind::kLogNormal, .median_ms = *median, .sigma = *sigma};
}

double KeyedUniform(uint64_t seed, std::string_view slug, uint64_t deploy_number, uint64_t stream) {
  uint64_t key = Mix(Mix(Mix(seed) ^ Fnv1a(slug)) ^ deploy_number);
  uint64_t bits = Mix(key ^ Mix(stream));
  // 53 random bits, shifted by half a step so the result is never 0 or 1.
  return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
}

Duration DrawDeployDuration(const DeployTiming& timing, uint64_t seed, std::string_view slug,
                            uint64_t deploy_number) {
  double ms = timing.median_ms;
  if (timing.kind == DeployTiming::Kind::kLogNormal) {
    // Box-Muller: two keyed uniforms give one standard normal draw.
    double u1 = KeyedUniform(seed, slug, deploy_number, 1);
    double u2 = KeyedUniform(seed, slug, deploy_number, 2);
    double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    ms = std::exp(std::log(timing.median_ms) + timing.sigma * z);
  }
  ms = std::clamp(ms, 0.0, kMaxDeployMs);
  return Duration(static_cast<int64_t>(std::llround(ms * 1000.0)));
}

}  // namespace rollcall::sim
