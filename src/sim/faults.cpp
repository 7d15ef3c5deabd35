#include "sim/faults.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace rollcall::sim {
namespace {

struct KindInfo {
  std::string_view name;
  Fault::Kind kind;
  bool takes_arg;
};

constexpr KindInfo kKinds[] = {
    {"dead", Fault::Kind::kDead, false},           {"stuck", Fault::Kind::kStuck, false},
    {"unhealthy", Fault::Kind::kUnhealthy, false}, {"slow", Fault::Kind::kSlow, true},
    {"flaky", Fault::Kind::kFlaky, true},          {"lag", Fault::Kind::kLag, true},
    {"crash", Fault::Kind::kCrash, false},         {"revert", Fault::Kind::kRevert, true},
};

const KindInfo* FindKind(std::string_view name) {
  for (const auto& info : kKinds) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

const KindInfo& InfoOf(Fault::Kind kind) {
  for (const auto& info : kKinds) {
    if (info.kind == kind) return info;
  }
  return kKinds[0];
}

std::optional<double> ParseNonNegative(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  // Bounded so seconds convert to microseconds and counts fit an int.
  if (!std::isfinite(value) || value < 0 || value > 1e6) return std::nullopt;
  return value;
}

Result<Fault> ParseKindAndArg(std::string_view spec, std::string_view kind_text) {
  size_t colon = kind_text.find(':');
  std::string_view name = kind_text.substr(0, colon);
  const KindInfo* info = FindKind(name);
  if (info == nullptr) {
    return Status::Invalid(fmt::format(
        "'{}': unknown fault kind '{}' (dead, stuck, unhealthy, slow:S, flaky:K, lag:S, crash, "
        "revert:S)",
        spec, name));
  }
  Fault fault{.kind = info->kind, .arg = 0};
  if (!info->takes_arg) {
    if (colon != std::string_view::npos) {
      return Status::Invalid(fmt::format("'{}': fault '{}' takes no argument", spec, name));
    }
    return fault;
  }
  if (colon == std::string_view::npos) {
    return Status::Invalid(
        fmt::format("'{}': fault '{}' needs an argument ({}:N)", spec, name, name));
  }
  auto value = ParseNonNegative(kind_text.substr(colon + 1));
  if (!value || (info->kind == Fault::Kind::kFlaky && *value != std::floor(*value))) {
    return Status::Invalid(fmt::format("'{}': '{}' needs a non-negative {} up to 1000000", spec,
                                       name,
                                       info->kind == Fault::Kind::kFlaky ? "integer" : "number"));
  }
  fault.arg = *value;
  return fault;
}

}  // namespace

Result<FaultSpec> ParseFaultSpec(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Status::Invalid(fmt::format("'{}': expected SLUG=KIND[:ARG]", text));
  }
  Result<Fault> fault = ParseKindAndArg(text, text.substr(eq + 1));
  if (!fault.ok()) return fault.status();
  return FaultSpec{.slug = std::string(text.substr(0, eq)), .fault = *fault};
}

std::string FaultToString(const Fault& fault) {
  const KindInfo& info = InfoOf(fault.kind);
  if (!info.takes_arg) return std::string(info.name);
  return fmt::format("{}:{}", info.name, fault.arg);
}

void TenantFaults::Add(const Fault& fault) {
  names.push_back(FaultToString(fault));
  switch (fault.kind) {
    case Fault::Kind::kDead:
      dead = true;
      break;
    case Fault::Kind::kStuck:
      stuck = true;
      break;
    case Fault::Kind::kUnhealthy:
      unhealthy = true;
      break;
    case Fault::Kind::kCrash:
      crash = true;
      break;
    case Fault::Kind::kSlow:
      slow = SecondsToDuration(fault.arg);
      break;
    case Fault::Kind::kFlaky:
      flaky_calls += static_cast<int>(fault.arg);
      break;
    case Fault::Kind::kLag:
      lag = SecondsToDuration(fault.arg);
      break;
    case Fault::Kind::kRevert:
      revert = SecondsToDuration(fault.arg);
      break;
  }
}

}  // namespace rollcall::sim
