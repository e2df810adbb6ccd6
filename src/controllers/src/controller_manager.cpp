#include "controllers/controller_manager.h"

#include <spdlog/spdlog.h>

#include <set>
#include <stdexcept>
#include <thread>

#include "controller.h"

namespace k3s::controllers {

namespace {

std::vector<ControllerDescriptor> all_controllers() {
  std::vector<ControllerDescriptor> out;
  register_core_controllers(out);
  register_apps_controllers(out);
  register_batch_controllers(out);
  return out;
}

// kube-controller-manager's --controllers semantics: "*" turns on the defaults, "name" or
// "-name" override; the last word about a name wins over "*".
bool is_enabled(const ControllerDescriptor& d, const std::vector<std::string>& selection) {
  bool star = false;
  for (const auto& s : selection) {
    if (s == d.name) return true;
    if (s == "-" + d.name) return false;
    if (s == "*") star = true;
  }
  return star && d.enabled_by_default;
}

}  // namespace

std::vector<std::string> known_controllers() {
  std::vector<std::string> names;
  for (const auto& d : all_controllers()) names.push_back(d.name);
  return names;
}

void run_controller_manager(client::Client& client, const ControllerManagerOptions& options, std::stop_token stop) {
  auto descriptors = all_controllers();
  std::set<std::string> known;
  for (const auto& d : descriptors) known.insert(d.name);
  for (const auto& s : options.controllers) {
    std::string name = s.starts_with("-") ? s.substr(1) : s;
    if (name != "*" && !known.count(name))
      throw std::invalid_argument("\"" + name + "\" is not in the list of known controllers");
  }

  client::SharedInformerFactory informers(client, options.informer_resync);
  ControllerContext context{client, informers, options};
  std::vector<std::pair<std::string, std::unique_ptr<Controller>>> running;
  for (const auto& d : descriptors) {
    if (!is_enabled(d, options.controllers)) {
      spdlog::info("Controller \"{}\" is disabled", d.name);
      continue;
    }
    running.emplace_back(d.name, d.make(context));
  }
  informers.start();
  while (!stop.stop_requested() && !informers.wait_for_cache_sync(std::chrono::seconds(1))) {
  }
  if (stop.stop_requested()) {
    informers.shutdown();
    return;
  }
  std::vector<std::jthread> threads;
  for (auto& [name, controller] : running) {
    spdlog::info("Started controller \"{}\"", name);
    threads.emplace_back([&, c = controller.get(), n = name] {
      try {
        c->run(stop);
      } catch (const std::exception& e) {
        spdlog::error("controller {} stopped: {}", n, e.what());
      }
    });
  }
  threads.clear();  // joins: every run() returns once `stop` is requested
  running.clear();
  informers.shutdown();
}

}  // namespace k3s::controllers
