#include "crictl/crictl.h"

#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>

#include "args.h"
#include "commands.h"

namespace k3s::crictl {
namespace {

using Command = std::function<int(cri::Client&, const Args&)>;

struct CommandInfo {
  Command run;
  const char* help;
};

const std::map<std::string, CommandInfo>& commands() {
  static const std::map<std::string, CommandInfo> table{
      {"version", {cmd_version, "Display runtime version information"}},
      {"info", {cmd_info, "Display information of the container runtime"}},
      {"ps", {cmd_ps, "List containers (-a, --pod, --name, -q, -o json|table)"}},
      {"inspect", {cmd_inspect, "Display the status of one or more containers"}},
      {"logs", {cmd_logs, "Fetch the logs of a container (-f, --tail N, -t)"}},
      {"exec", {cmd_exec, "Run a command in a running container"}},
      {"attach", {cmd_attach, "Attach to a running container"}},
      {"stop", {cmd_stop, "Stop one or more running containers"}},
      {"rm", {cmd_rm, "Remove one or more containers"}},
      {"stats", {cmd_stats, "List container(s) resource usage statistics"}},
      {"pods", {cmd_pods, "List pods"}},
      {"inspectp", {cmd_inspectp, "Display the status of one or more pods"}},
      {"stopp", {cmd_stopp, "Stop one or more running pods"}},
      {"rmp", {cmd_rmp, "Remove one or more pods"}},
      {"statsp", {cmd_statsp, "List pod resource usage statistics"}},
      {"images", {cmd_images, "List images"}},
      {"img", {cmd_images, "List images"}},
      {"inspecti", {cmd_inspecti, "Return the status of one or more images"}},
      {"pull", {cmd_pull, "Pull an image from a registry"}},
      {"rmi", {cmd_rmi, "Remove one or more images (--all, --prune)"}},
  };
  return table;
}

void print_usage(std::ostream& out) {
  out << "NAME:\n   crictl - client for CRI\n\nUSAGE:\n   crictl [global options] command [command options] "
         "[arguments...]\n\nCOMMANDS:\n";
  for (const auto& [name, info] : commands()) {
    if (name == "img") continue;
    out << "   " << name << std::string(12 - std::min<size_t>(name.size(), 11), ' ') << info.help << "\n";
  }
  out << "\nGLOBAL OPTIONS:\n"
         "   --runtime-endpoint value, -r value  Endpoint of CRI container runtime service (default: "
      << cri::kDefaultEndpoint
      << ") [$CONTAINER_RUNTIME_ENDPOINT]\n"
         "   --image-endpoint value, -i value    Endpoint of CRI image manager service (default: the runtime "
         "endpoint) [$IMAGE_SERVICE_ENDPOINT]\n"
         "   --timeout value, -t value           Timeout of connecting to the server in seconds (default: 10)\n"
         "   --help, -h                          show help\n";
}

}  // namespace

int run_crictl(const std::vector<std::string>& args) {
  try {
    ParsedArgs global(args,
                      {{"runtime-endpoint", 'r', true},
                       {"image-endpoint", 'i', true},
                       {"timeout", 't', true},
                       {"debug", 'D', false},
                       {"config", 'c', true},
                       {"help", 'h', false}},
                      true);
    if (global.has("help") || global.positional().empty()) {
      print_usage(global.has("help") ? std::cout : std::cerr);
      return global.has("help") ? 0 : 1;
    }
    std::string endpoint = global.value("runtime-endpoint");
    if (endpoint.empty()) {
      const char* env = getenv("CONTAINER_RUNTIME_ENDPOINT");
      endpoint = env && *env ? env : cri::kDefaultEndpoint;
    }
    const std::string& name = global.positional().front();
    if (name == "help") {
      print_usage(std::cout);
      return 0;
    }
    auto it = commands().find(name);
    if (it == commands().end()) {
      std::cerr << "crictl: no such command \"" << name << "\"\n";
      print_usage(std::cerr);
      return 1;
    }
    auto timeout = std::chrono::seconds(global.int_value("timeout", 10));
    if (timeout.count() <= 0) throw UsageError("--timeout must be a positive number of seconds");
    cri::Client client(endpoint, timeout);
    Args rest(global.positional().begin() + 1, global.positional().end());
    return it->second.run(client, rest);
  } catch (const UsageError& e) {
    std::cerr << "crictl: " << e.what() << "\n";
    return 1;
  } catch (const cri::Error& e) {
    std::cerr << "crictl: " << e.method() << ": " << e.what() << "\n";
    return 1;
  } catch (const std::invalid_argument& e) {
    std::cerr << "crictl: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "crictl: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace k3s::crictl
