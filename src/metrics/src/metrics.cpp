#include "metrics/metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace k3s::metrics {

namespace {

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string Family::labels_text(const LabelValues& values, const std::string& extra_name,
                                const std::string& extra_value) const {
  std::string out;
  for (size_t i = 0; i < label_names_.size() && i < values.size(); ++i)
    out += (out.empty() ? "" : ",") + label_names_[i] + "=\"" + escape_label(values[i]) + "\"";
  if (!extra_name.empty()) out += (out.empty() ? "" : ",") + extra_name + "=\"" + extra_value + "\"";
  return out.empty() ? "" : "{" + out + "}";
}

void Counter::inc(const LabelValues& labels, double by) {
  std::lock_guard lock(mu_);
  values_[labels] += by;
}

double Counter::value(const LabelValues& labels) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void Counter::expose(std::string& out) const {
  std::lock_guard lock(mu_);
  header(out, name_, help_, "counter");
  for (const auto& [labels, v] : values_) out += name_ + labels_text(labels) + " " + number(v) + "\n";
}

void Gauge::set(const LabelValues& labels, double value) {
  std::lock_guard lock(mu_);
  values_[labels] = value;
}

void Gauge::add(const LabelValues& labels, double by) {
  std::lock_guard lock(mu_);
  values_[labels] += by;
}

double Gauge::value(const LabelValues& labels) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void Gauge::expose(std::string& out) const {
  std::lock_guard lock(mu_);
  header(out, name_, help_, "gauge");
  for (const auto& [labels, v] : values_) out += name_ + labels_text(labels) + " " + number(v) + "\n";
}

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> label_names,
                     std::vector<double> buckets)
    : Family(std::move(name), std::move(help), std::move(label_names)), buckets_(std::move(buckets)) {}

void Histogram::observe(const LabelValues& labels, double value) {
  std::lock_guard lock(mu_);
  Series& s = series_[labels];
  if (s.bucket_counts.empty()) s.bucket_counts.assign(buckets_.size(), 0);
  for (size_t i = 0; i < buckets_.size(); ++i)
    if (value <= buckets_[i]) {
      ++s.bucket_counts[i];
      break;
    }
  ++s.count;
  s.sum += value;
}

std::uint64_t Histogram::count(const LabelValues& labels) const {
  std::lock_guard lock(mu_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.count;
}

void Histogram::expose(std::string& out) const {
  std::lock_guard lock(mu_);
  header(out, name_, help_, "histogram");
  for (const auto& [labels, s] : series_) {
    std::uint64_t cumulative = 0;
    for (size_t i = 0; i < buckets_.size(); ++i) {
      cumulative += s.bucket_counts[i];
      out += name_ + "_bucket" + labels_text(labels, "le", number(buckets_[i])) + " " + std::to_string(cumulative) + "\n";
    }
    out += name_ + "_bucket" + labels_text(labels, "le", "+Inf") + " " + std::to_string(s.count) + "\n";
    out += name_ + "_sum" + labels_text(labels) + " " + number(s.sum) + "\n";
    out += name_ + "_count" + labels_text(labels) + " " + std::to_string(s.count) + "\n";
  }
}

std::vector<double> request_latency_buckets() {
  return {0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60};
}

template <typename T, typename... Args>
T& Registry::family(const std::string& name, Args&&... args) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    auto* existing = dynamic_cast<T*>(it->second.get());
    if (!existing) throw std::logic_error("metric " + name + " registered twice with different types");
    return *existing;
  }
  auto created = std::make_unique<T>(name, std::forward<Args>(args)...);
  T& ref = *created;
  families_.emplace(name, std::move(created));
  return ref;
}

Counter& Registry::counter(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  return family<Counter>(name, help, std::move(labels));
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  return family<Gauge>(name, help, std::move(labels));
}

Histogram& Registry::histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                               std::vector<double> buckets) {
  return family<Histogram>(name, help, std::move(labels), std::move(buckets));
}

std::string Registry::expose() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) f->expose(out);
  return out;
}

std::string process_metrics_text() {
  long pages_total = 0, pages_resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) pages_resident = 0;
    std::fclose(f);
  }
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                     static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  std::string out;
  header(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter");
  out += "process_cpu_seconds_total " + number(cpu) + "\n";
  header(out, "process_resident_memory_bytes", "Resident memory size in bytes.", "gauge");
  out += "process_resident_memory_bytes " + std::to_string(pages_resident * ::sysconf(_SC_PAGESIZE)) + "\n";
  return out;
}

}  // namespace k3s::metrics
