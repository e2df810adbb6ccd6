#include "output.h"

#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cmath>
#include <cstdio>

namespace k3s::crictl {

void Table::print(std::ostream& out) const {
  // crictl's tabwriter: minimum cell width 20, three spaces of padding.
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (row.size() > widths.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size() + 3);
  }
  for (auto& w : widths) w = std::max<size_t>(w, 20);
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size(), ' ');
    }
    out << line << "\n";
  }
}

std::string truncate_id(const std::string& id) {
  std::string hex = id.rfind("sha256:", 0) == 0 ? id.substr(7) : id;
  return hex.substr(0, std::min(hex.size(), kTruncatedIdLength));
}

std::string listed_id(const std::string& id, bool no_trunc) { return no_trunc ? id : truncate_id(id); }

std::string human_age(int64_t unix_nanos) {
  using namespace std::chrono;
  auto now = duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
  double seconds = std::max<double>(0, static_cast<double>(now - unix_nanos) / 1e9);
  auto plural = [](long long n, const char* unit) {
    return std::to_string(n) + " " + unit + (n == 1 ? "" : "s") + " ago";
  };
  if (seconds < 1) return "Less than a second ago";
  if (seconds < 60) return plural(static_cast<long long>(seconds), "second");
  double minutes = seconds / 60;
  if (minutes < 2) return "About a minute ago";
  if (minutes < 60) return plural(static_cast<long long>(minutes), "minute");
  double hours = minutes / 60;
  if (std::lround(hours) == 1) return "About an hour ago";
  if (hours < 48) return plural(static_cast<long long>(std::lround(hours)), "hour");
  double days = hours / 24;
  if (days < 14) return plural(static_cast<long long>(days), "day");
  if (days < 60) return plural(static_cast<long long>(days / 7), "week");
  if (days < 730) return plural(static_cast<long long>(days / 30), "month");
  return plural(static_cast<long long>(days / 365), "year");
}

std::string human_size(double bytes) {
  static const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  int unit = 0;
  while (bytes >= 1000 && unit < 5) {
    bytes /= 1000;
    ++unit;
  }
  char buf[32];
  snprintf(buf, sizeof buf, "%.3g%s", bytes, units[unit]);
  return buf;
}

std::string container_state_name(cri::v1::ContainerState state) {
  switch (state) {
    case cri::v1::CONTAINER_CREATED: return "Created";
    case cri::v1::CONTAINER_RUNNING: return "Running";
    case cri::v1::CONTAINER_EXITED: return "Exited";
    default: return "Unknown";
  }
}

std::string sandbox_state_name(cri::v1::PodSandboxState state) {
  return state == cri::v1::SANDBOX_READY ? "Ready" : "NotReady";
}

nlohmann::json to_json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string text;
  auto status = google::protobuf::util::MessageToJsonString(message, &text, options);
  if (!status.ok()) return nlohmann::json{{"error", std::string(status.message())}};
  return nlohmann::json::parse(text);
}

nlohmann::json info_json(const google::protobuf::Map<std::string, std::string>& info) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : info) {
    auto parsed = nlohmann::json::parse(value, nullptr, false);
    out[key] = parsed.is_discarded() ? nlohmann::json(value) : parsed;
  }
  return out;
}

void print_inspection(std::ostream& out, const google::protobuf::Message& status,
                      const google::protobuf::Map<std::string, std::string>& info) {
  nlohmann::json inspection{{"status", to_json(status)}};
  if (!info.empty()) inspection["info"] = info_json(info);
  out << inspection.dump(2) << "\n";
}

}  // namespace k3s::crictl
