// --kube-controller-manager-arg: the subset of kube-controller-manager's flags the
// in-process controllers honour, with Go's duration syntax for the periods.
#include <cctype>
#include <cmath>
#include <stdexcept>

#include "controllers/controller_manager.h"

namespace k3s::controllers {

namespace {

// Go's time.ParseDuration for the units a controller period can use: "40s", "1m30s",
// "500ms", "2h"; the result is rounded up to whole seconds (the options keep seconds).
std::chrono::seconds parse_duration(const std::string& flag, const std::string& text) {
  auto bad = [&] { return std::invalid_argument("invalid value \"" + text + "\" for flag --" + flag + ": time: invalid duration \"" + text + "\""); };
  if (text == "0") return std::chrono::seconds(0);
  double total_ms = 0;
  std::size_t i = 0;
  if (text.empty()) throw bad();
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (start == i) throw bad();
    double value = std::stod(text.substr(start, i - start));
    std::size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const std::string unit = text.substr(unit_start, i - unit_start);
    if (unit == "ms") total_ms += value;
    else if (unit == "s") total_ms += value * 1000;
    else if (unit == "m") total_ms += value * 60000;
    else if (unit == "h") total_ms += value * 3600000;
    else throw bad();
  }
  return std::chrono::seconds(static_cast<long long>(std::ceil(total_ms / 1000)));
}

int parse_int(const std::string& flag, const std::string& text) {
  try {
    std::size_t used = 0;
    int v = std::stoi(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument("invalid value \"" + text + "\" for flag --" + flag + ": parse error");
}

double parse_float(const std::string& flag, const std::string& text) {
  try {
    std::size_t used = 0;
    double v = std::stod(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument("invalid value \"" + text + "\" for flag --" + flag + ": parse error");
}

bool parse_bool(const std::string& flag, const std::string& text) {
  if (text == "true" || text == "1" || text == "t" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "0" || text == "f" || text == "False" || text == "FALSE") return false;
  throw std::invalid_argument("invalid value \"" + text + "\" for flag --" + flag + ": parse error");
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

void apply_controller_manager_args(ControllerManagerOptions& options, const std::vector<std::string>& args) {
  for (const auto& arg : args) {
    std::string text = arg;
    while (text.starts_with("-")) text.erase(0, 1);
    auto eq = text.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("kube-controller-manager flag \"" + arg + "\" needs a value (name=value)");
    const std::string flag = text.substr(0, eq), value = text.substr(eq + 1);
    if (flag == "controllers") options.controllers = split_list(value);
    else if (flag == "cluster-cidr") options.cluster_cidr = value;
    else if (flag == "allocate-node-cidrs") options.allocate_node_cidrs = parse_bool(flag, value);
    else if (flag == "node-cidr-mask-size" || flag == "node-cidr-mask-size-ipv4") options.node_cidr_mask_size_ipv4 = parse_int(flag, value);
    else if (flag == "node-cidr-mask-size-ipv6") options.node_cidr_mask_size_ipv6 = parse_int(flag, value);
    else if (flag == "service-cluster-ip-range") options.service_cidr = value;
    else if (flag == "root-ca-file") options.root_ca_file = value;
    else if (flag == "concurrent-syncs") options.concurrent_syncs = parse_int(flag, value);
    else if (flag == "node-monitor-period") options.node_monitor_period = parse_duration(flag, value);
    else if (flag == "node-monitor-grace-period") options.node_monitor_grace_period = parse_duration(flag, value);
    else if (flag == "node-startup-grace-period") options.node_startup_grace_period = parse_duration(flag, value);
    else if (flag == "terminated-pod-gc-threshold") options.terminated_pod_gc_threshold = parse_int(flag, value);
    else if (flag == "cluster-signing-duration") options.cluster_signing_duration = parse_duration(flag, value);
    else if (flag == "kube-api-qps") options.kube_api_qps = parse_float(flag, value);
    else if (flag == "kube-api-burst") options.kube_api_burst = parse_int(flag, value);
    else throw std::invalid_argument("unknown kube-controller-manager flag: --" + flag);
  }
  if (options.node_monitor_period.count() <= 0)
    throw std::invalid_argument("--node-monitor-period must be positive");
}

}  // namespace k3s::controllers
