#include "server/prometheus.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace rollcall {
namespace {

// Shortest text that reads back as the same double; Prometheus' spellings
// for the infinities.
std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

std::string Labels(const std::vector<std::string>& names, const LabelValues& values,
                   const std::string& extra_name = "", const std::string& extra_value = "") {
  std::string out;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", names[i], EscapeLabelValue(values[i]));
  }
  if (!extra_name.empty()) out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", extra_name, extra_value);
  return out.empty() ? "" : "{" + out + "}";
}

}  // namespace

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void CounterFamily::Inc(const LabelValues& labels, double by) {
  std::lock_guard lock(registry_.mu_);
  registry_.families_[index_]->counters[labels] += std::max(by, 0.0);
}

void HistogramFamily::Observe(const LabelValues& labels, double value) {
  std::lock_guard lock(registry_.mu_);
  MetricsRegistry::Family& f = *registry_.families_[index_];
  MetricsRegistry::HistogramSample& s = f.histograms[labels];
  if (s.counts.empty()) s.counts.resize(f.buckets.size() + 1, 0);
  const size_t bucket = std::lower_bound(f.buckets.begin(), f.buckets.end(), value) - f.buckets.begin();
  ++s.counts[bucket];
  s.sum += value;
  ++s.count;
}

MetricsRegistry::Family& MetricsRegistry::Declare(std::string name, std::string help, const char* type,
                                                  std::vector<std::string> label_names) {
  std::lock_guard lock(mu_);
  auto f = std::make_unique<Family>();
  f->name = std::move(name);
  f->help = std::move(help);
  f->type = type;
  f->label_names = std::move(label_names);
  families_.push_back(std::move(f));
  return *families_.back();
}

CounterFamily& MetricsRegistry::Counter(std::string name, std::string help, std::vector<std::string> label_names) {
  Declare(std::move(name), std::move(help), "counter", std::move(label_names));
  counters_.push_back(std::unique_ptr<CounterFamily>(new CounterFamily(*this, families_.size() - 1)));
  return *counters_.back();
}

HistogramFamily& MetricsRegistry::Histogram(std::string name, std::string help,
                                            std::vector<std::string> label_names, std::vector<double> buckets) {
  Family& f = Declare(std::move(name), std::move(help), "histogram", std::move(label_names));
  std::sort(buckets.begin(), buckets.end());
  f.buckets = std::move(buckets);
  histograms_.push_back(std::unique_ptr<HistogramFamily>(new HistogramFamily(*this, families_.size() - 1)));
  return *histograms_.back();
}

std::vector<double> MetricsRegistry::ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  for (double v = start; static_cast<int>(out.size()) < count; v *= factor) out.push_back(v);
  return out;
}

std::string MetricsRegistry::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& f : families_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f->name, f->help, f->name, f->type);
    for (const auto& [labels, value] : f->counters) {
      out += fmt::format("{}{} {}\n", f->name, Labels(f->label_names, labels), Number(value));
    }
    for (const auto& [labels, s] : f->histograms) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i <= f->buckets.size(); ++i) {
        cumulative += s.counts[i];
        const std::string le = i < f->buckets.size() ? Number(f->buckets[i]) : "+Inf";
        out += fmt::format("{}_bucket{} {}\n", f->name, Labels(f->label_names, labels, "le", le), cumulative);
      }
      out += fmt::format("{}_sum{} {}\n", f->name, Labels(f->label_names, labels), Number(s.sum));
      out += fmt::format("{}_count{} {}\n", f->name, Labels(f->label_names, labels), s.count);
    }
  }
  return out;
}

}  // namespace rollcall
