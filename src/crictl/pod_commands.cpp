#include <algorithm>
#include <iostream>

#include "args.h"
#include "commands.h"
#include "output.h"

namespace k3s::crictl {
namespace {

std::string label(const google::protobuf::Map<std::string, std::string>& labels, const std::string& key) {
  auto it = labels.find(key);
  return it == labels.end() ? "" : it->second;
}

void require_ids(const Args& ids, const char* command) {
  if (ids.empty()) throw UsageError(std::string("ID cannot be empty (usage: crictl ") + command + " POD-ID [POD-ID...])");
}

}  // namespace

int cmd_pods(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"quiet", 'q', false},
                           {"output", 'o', true},
                           {"name", 0, true},
                           {"namespace", 0, true},
                           {"id", 0, true},
                           {"state", 's', true},
                           {"label", 0, true},
                           {"latest", 'l', false},
                           {"last", 0, true},
                           {"no-trunc", 0, false},
                           {"verbose", 'v', false}});
  cri::v1::PodSandboxFilter filter;
  if (parsed.has("id")) filter.set_id(parsed.value("id"));
  if (parsed.has("state")) {
    auto state = parsed.value("state");
    std::transform(state.begin(), state.end(), state.begin(), ::tolower);
    if (state == "ready") filter.mutable_state()->set_state(cri::v1::SANDBOX_READY);
    else if (state == "notready") filter.mutable_state()->set_state(cri::v1::SANDBOX_NOTREADY);
    else throw UsageError("--state should be ready or notready");
  }
  if (parsed.has("label")) {
    auto kv = parsed.value("label");
    auto eq = kv.find('=');
    if (eq == std::string::npos) throw UsageError("--label should be key=value");
    (*filter.mutable_label_selector())[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  auto pods = client.list_pod_sandbox(filter);
  auto name = parsed.value("name");
  auto ns = parsed.value("namespace");
  std::erase_if(pods, [&](const cri::v1::PodSandbox& p) {
    return (!name.empty() && p.metadata().name().find(name) == std::string::npos) ||
           (!ns.empty() && p.metadata().namespace_().find(ns) == std::string::npos);
  });
  std::sort(pods.begin(), pods.end(), [](const auto& a, const auto& b) { return a.created_at() > b.created_at(); });
  long long last = parsed.has("latest") ? 1 : parsed.int_value("last", 0);
  if (last > 0 && pods.size() > static_cast<size_t>(last)) pods.resize(static_cast<size_t>(last));
  auto format = parsed.value("output", "table");
  if (format == "json") {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& p : pods) items.push_back(to_json(p));
    std::cout << nlohmann::json{{"items", items}}.dump(2) << "\n";
    return 0;
  }
  if (format != "table") throw UsageError("unsupported output format \"" + format + "\"");
  bool no_trunc = parsed.has("no-trunc");
  if (parsed.has("quiet")) {
    for (const auto& p : pods) std::cout << listed_id(p.id(), no_trunc) << "\n";
    return 0;
  }
  Table table({"POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME"});
  for (const auto& p : pods) {
    table.add({listed_id(p.id(), no_trunc), human_age(p.created_at()), sandbox_state_name(p.state()),
               p.metadata().name(), p.metadata().namespace_(), std::to_string(p.metadata().attempt()),
               p.runtime_handler().empty() ? "(default)" : p.runtime_handler()});
  }
  table.print(std::cout);
  return 0;
}

int cmd_inspectp(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"output", 'o', true}, {"quiet", 'q', false}});
  require_ids(parsed.positional(), "inspectp");
  for (const auto& id : parsed.positional()) {
    auto status = client.pod_sandbox_status(id, !parsed.has("quiet"));
    print_inspection(std::cout, status.status(), status.info());
  }
  return 0;
}

int cmd_stopp(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {});
  require_ids(parsed.positional(), "stopp");
  for (const auto& id : parsed.positional()) {
    client.stop_pod_sandbox(id);
    std::cout << "Stopped sandbox " << id << "\n";
  }
  return 0;
}

int cmd_rmp(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"force", 'f', false}, {"all", 'a', false}});
  Args ids = parsed.positional();
  if (parsed.has("all")) {
    for (const auto& p : client.list_pod_sandbox()) ids.push_back(p.id());
  } else {
    require_ids(ids, "rmp");
  }
  int rc = 0;
  for (const auto& id : ids) {
    auto status = client.pod_sandbox_status(id);
    if (status.status().state() == cri::v1::SANDBOX_READY) {
      if (!parsed.has("force")) {
        std::cerr << "pod sandbox " << id << " is running, please stop it first (or use --force)\n";
        rc = 1;
        continue;
      }
      client.stop_pod_sandbox(id);
    }
    client.remove_pod_sandbox(id);
    std::cout << "Removed sandbox " << id << "\n";
  }
  return rc;
}

int cmd_statsp(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"output", 'o', true}, {"id", 0, true}, {"label", 0, true}});
  cri::v1::PodSandboxStatsFilter filter;
  if (parsed.has("id")) filter.set_id(parsed.value("id"));
  if (!parsed.positional().empty()) filter.set_id(parsed.positional().front());
  auto stats = client.list_pod_sandbox_stats(filter);
  if (parsed.value("output") == "json") {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& s : stats) items.push_back(to_json(s));
    std::cout << nlohmann::json{{"stats", items}}.dump(2) << "\n";
    return 0;
  }
  Table table({"POD", "POD ID", "CPU %", "MEM"});
  for (const auto& s : stats) {
    const auto& linux_stats = s.linux();
    char cpu[32];
    snprintf(cpu, sizeof cpu, "%.2f", static_cast<double>(linux_stats.cpu().usage_nano_cores().value()) / 1e7);
    table.add({s.attributes().metadata().name(), truncate_id(s.attributes().id()), cpu,
               human_size(static_cast<double>(linux_stats.memory().working_set_bytes().value()))});
  }
  table.print(std::cout);
  return 0;
}

}  // namespace k3s::crictl
