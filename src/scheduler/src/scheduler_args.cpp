// --kube-scheduler-arg: the kube-scheduler flags the in-process scheduler honours.
#include <stdexcept>

#include "scheduler/scheduler.h"

namespace k3s::scheduler {

std::vector<std::string> apply_scheduler_args(SchedulerOptions& options, const std::vector<std::string>& args) {
  std::vector<std::string> unknown;
  for (const auto& arg : args) {
    std::string text = arg;
    while (text.starts_with("-")) text.erase(0, 1);
    const auto eq = text.find('=');
    const std::string flag = text.substr(0, eq), value = eq == std::string::npos ? "" : text.substr(eq + 1);
    auto bad = [&] { return std::invalid_argument("invalid value \"" + value + "\" for flag --" + flag + ": parse error"); };
    try {
      std::size_t used = 0;
      if (flag == "kube-api-qps") {
        options.kube_api_qps = std::stod(value, &used);
        if (used != value.size()) throw bad();
      } else if (flag == "kube-api-burst") {
        options.kube_api_burst = std::stoi(value, &used);
        if (used != value.size()) throw bad();
      } else {
        unknown.push_back(arg);
      }
    } catch (const std::invalid_argument&) {
      throw bad();
    } catch (const std::out_of_range&) {
      throw bad();
    }
  }
  return unknown;
}

}  // namespace k3s::scheduler
