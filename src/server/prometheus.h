// A small Prometheus registry: counters and histograms with labels, rendered
// in the text exposition format (version 0.0.4). Families are declared up
// front with their label names; a sample is keyed by its label values, in
// the declared order. Thread-safe: one mutex per registry, held for an
// increment or a render only.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rollcall {

using LabelValues = std::vector<std::string>;

class MetricsRegistry;

class CounterFamily {
 public:
  // Adds `by` (>= 0) to the counter of `labels` (one value per label name).
  void Inc(const LabelValues& labels, double by = 1);
  // Creates the counter at 0, so a rate() sees it before its first event.
  void Touch(const LabelValues& labels) { Inc(labels, 0); }

 private:
  friend class MetricsRegistry;
  CounterFamily(MetricsRegistry& registry, size_t index) : registry_(registry), index_(index) {}
  MetricsRegistry& registry_;
  size_t index_;
};

class HistogramFamily {
 public:
  void Observe(const LabelValues& labels, double value);

 private:
  friend class MetricsRegistry;
  HistogramFamily(MetricsRegistry& registry, size_t index) : registry_(registry), index_(index) {}
  MetricsRegistry& registry_;
  size_t index_;
};

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // `name` must be a valid metric name (a counter's ends in _total);
  // `buckets` are upper bounds, increasing (+Inf is implied). The family
  // lives as long as the registry.
  CounterFamily& Counter(std::string name, std::string help, std::vector<std::string> label_names);
  HistogramFamily& Histogram(std::string name, std::string help, std::vector<std::string> label_names,
                             std::vector<double> buckets);

  // Every family in declaration order, its samples sorted by label values.
  std::string Render() const;

  // Exponential bucket bounds: start, start*factor, ... (count of them).
  static std::vector<double> ExponentialBuckets(double start, double factor, int count);

 private:
  friend class CounterFamily;
  friend class HistogramFamily;
  struct HistogramSample {
    std::vector<uint64_t> counts;  // per bucket, not cumulative; the last is +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  struct Family {
    std::string name, help, type;
    std::vector<std::string> label_names;
    std::vector<double> buckets;                       // histograms
    std::map<LabelValues, double> counters;            // guarded by mu_
    std::map<LabelValues, HistogramSample> histograms;  // guarded by mu_
  };
  Family& Declare(std::string name, std::string help, const char* type, std::vector<std::string> label_names);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;  // appended before serving, then fixed
  std::vector<std::unique_ptr<CounterFamily>> counters_;
  std::vector<std::unique_ptr<HistogramFamily>> histograms_;
};

// A label value in the exposition format: backslash, quote and newline
// escaped.
std::string EscapeLabelValue(const std::string& value);

}  // namespace rollcall
