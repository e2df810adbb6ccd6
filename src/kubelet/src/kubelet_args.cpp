// --kubelet-arg: the kubelet flags that matter to this kubelet; the rest are named and ignored.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <stdexcept>

#include "kubelet/kubelet.h"

namespace k3s::kubelet {
namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::string::size_type start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) parts.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parts;
}

// Go duration subset: "10s", "1m", "500ms", "1m30s".
std::chrono::seconds parse_duration(const std::string& flag, const std::string& text, bool zero_allowed = false) {
  double total = 0;
  std::size_t i = 0;
  if (text.empty()) throw std::invalid_argument("invalid value \"\" for --kubelet-arg " + flag + ": empty duration");
  while (i < text.size()) {
    std::size_t used = 0;
    double number = 0;
    try {
      number = std::stod(text.substr(i), &used);
    } catch (const std::exception&) {
      throw std::invalid_argument("invalid value \"" + text + "\" for --kubelet-arg " + flag + ": not a duration");
    }
    i += used;
    std::string unit;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) unit += text[i++];
    if (unit == "h") total += number * 3600;
    else if (unit == "m") total += number * 60;
    else if (unit == "s") total += number;
    else if (unit == "ms") total += number / 1000;
    else throw std::invalid_argument("invalid value \"" + text + "\" for --kubelet-arg " + flag + ": unknown unit \"" + unit + "\"");
  }
  if (zero_allowed && total == 0) return std::chrono::seconds(0);
  return std::chrono::seconds(static_cast<int64_t>(total < 1 ? 1 : total));
}

int parse_percent(const std::string& flag, const std::string& text) {
  int value = -1;
  try {
    std::size_t used = 0;
    value = std::stoi(text, &used);
    if (used != text.size()) value = -1;
  } catch (const std::exception&) {
  }
  if (value < 0 || value > 100)
    throw std::invalid_argument("invalid value \"" + text + "\" for --kubelet-arg " + flag + ": expected a percentage from 0 to 100");
  return value;
}

int parse_int(const std::string& flag, const std::string& text) {
  try {
    std::size_t used = 0;
    int value = std::stoi(text, &used);
    if (used != text.size() || value < 0) throw std::invalid_argument("");
    return value;
  } catch (const std::exception&) {
    throw std::invalid_argument("invalid value \"" + text + "\" for --kubelet-arg " + flag + ": expected a non-negative integer");
  }
}

}  // namespace

void apply_kubelet_args(KubeletConfig& config) {
  for (const auto& raw : config.extra_args) {
    std::string arg = raw;
    while (arg.rfind("-", 0) == 0) arg.erase(0, 1);
    auto eq = arg.find('=');
    if (eq == std::string::npos)
      throw std::invalid_argument("invalid --kubelet-arg \"" + raw + "\": expected key=value");
    const std::string key = arg.substr(0, eq);
    const std::string value = arg.substr(eq + 1);
    if (key == "max-pods") config.max_pods = parse_int(key, value);
    else if (key == "node-status-update-frequency") config.node_status_update_frequency = parse_duration(key, value);
    else if (key == "root-dir") config.root_dir = value;
    else if (key == "cluster-dns") config.cluster_dns = split_commas(value);
    else if (key == "cluster-domain") config.cluster_domain = value;
    else if (key == "resolv-conf") config.resolv_conf = value;
    else if (key == "pod-infra-container-image") config.pause_image = value;
    else if (key == "node-labels") for (auto& l : split_commas(value)) config.node_labels.push_back(l);
    else if (key == "register-with-taints") for (auto& t : split_commas(value)) config.node_taints.push_back(t);
    else if (key == "node-ip") config.node_ips = split_commas(value);
    else if (key == "port") config.port = parse_int(key, value);
    else if (key == "address") config.bind_address = value;
    else if (key == "pod-log-dir") config.pod_log_dir = value;
    else if (key == "image-gc-high-threshold") config.image_gc_high_threshold = parse_percent(key, value);
    else if (key == "image-gc-low-threshold") config.image_gc_low_threshold = parse_percent(key, value);
    else if (key == "image-minimum-gc-age") config.image_minimum_gc_age = parse_duration(key, value, true);
    else spdlog::warn("kubelet: ignoring unsupported --kubelet-arg {}={}", key, value);
  }
  if (config.image_gc_low_threshold > config.image_gc_high_threshold)
    throw std::invalid_argument("invalid --kubelet-arg: image-gc-low-threshold (" +
                                std::to_string(config.image_gc_low_threshold) +
                                ") must not be greater than image-gc-high-threshold (" +
                                std::to_string(config.image_gc_high_threshold) + ")");
  if (const char* period = std::getenv("K3S_KUBELET_IMAGE_GC_PERIOD"); period && *period)
    config.image_gc_period = parse_duration("K3S_KUBELET_IMAGE_GC_PERIOD", period);
}

}  // namespace k3s::kubelet
