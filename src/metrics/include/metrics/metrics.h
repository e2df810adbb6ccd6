// Prometheus metrics: counter, gauge and histogram families with labels, and the text
// exposition format (version 0.0.4) that /metrics serves. Thread-safe; one mutex per family
// keeps recording cheap next to the work being measured.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace k3s::metrics {

using LabelValues = std::vector<std::string>;  // in the order of the family's label names

class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
  virtual ~Family() = default;
  virtual void expose(std::string& out) const = 0;

 protected:
  std::string labels_text(const LabelValues& values, const std::string& extra_name = "",
                          const std::string& extra_value = "") const;
  std::string name_, help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mu_;
};

class Counter : public Family {
 public:
  using Family::Family;
  void inc(const LabelValues& labels, double by = 1);
  double value(const LabelValues& labels) const;
  void expose(std::string& out) const override;

 private:
  std::map<LabelValues, double> values_;
};

class Gauge : public Family {
 public:
  using Family::Family;
  void set(const LabelValues& labels, double value);
  void add(const LabelValues& labels, double by);
  double value(const LabelValues& labels) const;
  void expose(std::string& out) const override;

 private:
  std::map<LabelValues, double> values_;
};

class Histogram : public Family {
 public:
  Histogram(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> buckets);
  void observe(const LabelValues& labels, double value);
  std::uint64_t count(const LabelValues& labels) const;
  void expose(std::string& out) const override;

 private:
  struct Series {
    std::vector<std::uint64_t> bucket_counts;  // cumulative at exposition, per bucket here
    std::uint64_t count = 0;
    double sum = 0;
  };
  std::vector<double> buckets_;
  std::map<LabelValues, Series> series_;
};

// Upper bounds kube-apiserver uses for request latencies, in seconds.
std::vector<double> request_latency_buckets();

class Registry {
 public:
  Counter& counter(const std::string& name, const std::string& help, std::vector<std::string> labels);
  Gauge& gauge(const std::string& name, const std::string& help, std::vector<std::string> labels);
  Histogram& histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                       std::vector<double> buckets);
  // Every family, sorted by name, in the Prometheus text format.
  std::string expose() const;

 private:
  template <typename T, typename... Args>
  T& family(const std::string& name, Args&&... args);
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>> families_;
};

// process_resident_memory_bytes and process_cpu_seconds_total of this process, read at
// scrape time.
std::string process_metrics_text();

// The media type of the text format.
inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace k3s::metrics
