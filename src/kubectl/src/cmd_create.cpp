// kubectl create <kind>: objects built from flags, as kubectl's generators build them.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "output.h"
#include "util/base64.h"

namespace k3s::kubectl {
namespace {

void add_common(Flags& flags) {
  flags.add("output", 'o', true);
  flags.add("dry-run", 0, true, "none");
  flags.add("save-config", 0, false);
  flags.add("validate", 0, true, "strict");
  flags.add("field-manager", 0, true);
  flags.add("template", 0, true);
  flags.add("show-managed-fields", 0, false);
  flags.add("allow-missing-template-keys", 0, false, "true");
}

std::string required_name(Session& session, const std::string& usage) {
  const auto& p = session.flags().positional();
  if (p.size() != 1) throw UsageError("exactly one NAME is required, got " + std::to_string(p.size()));
  (void)usage;
  return p[0];
}

Json meta(const std::string& name, const Json& extra = Json::object()) {
  Json m = {{"name", name}, {"creationTimestamp", nullptr}};
  for (auto& [k, v] : extra.items()) m[k] = v;
  return m;
}

// kubectl prints generated objects with `creationTimestamp: null` but sends them as protobuf,
// which has no null: the server never stores one (in a pod template it would change the
// template's hash, so the ReplicaSet names would differ from kubectl's).
void drop_null_creation_timestamps(Json& v) {
  if (v.is_object()) {
    if (auto it = v.find("creationTimestamp"); it != v.end() && it->is_null()) v.erase(it);
    for (auto& [k, x] : v.items()) drop_null_creation_timestamps(x);
  } else if (v.is_array()) {
    for (auto& x : v) drop_null_creation_timestamps(x);
  }
}

// Sends (or, for --dry-run=client, just prints) a generated object.
int submit(Session& session, Json object, const client::GroupVersionResource& gvr) {
  const Flags& f = session.flags();
  std::string mode = dry_run_mode(f);
  auto info = session.mapper().resource_for_kind(object.value("apiVersion", ""), object.value("kind", ""));
  (void)gvr;
  if (info.namespaced) object["metadata"]["namespace"] = session.namespace_();
  if (f.boolean("save-config")) {
    Json copy = object;
    object["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = go_json_compact(copy) + "\n";
  }
  Json result = object;
  if (mode == "client") {
    if (info.namespaced && !session.flags().given("namespace")) result["metadata"].erase("namespace");
  } else {
    client::WriteOptions wo;
    if (mode == "server") wo.dry_run = {"All"};
    Json sent = object;
    drop_null_creation_timestamps(sent);
    try {
      result = session.api().create(info.gvr, sent, wo);
    } catch (const client::ApiError& e) {
      std::string kind = object.value("kind", "");
      for (auto& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      throw CommandError("failed to create " + kind + ": " + e.message());
    }
  }
  print_result(session, result, info, "created", mode);
  return 0;
}

int run_namespace(Session& session) {
  std::string name = required_name(session, "namespace NAME");
  return submit(session, {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", meta(name)}, {"spec", Json::object()}, {"status", Json::object()}},
                client::resources::kNamespaces);
}

void add_serviceaccount_flags(Flags& flags) { add_common(flags); }

int run_serviceaccount(Session& session) {
  std::string name = required_name(session, "serviceaccount NAME");
  return submit(session, {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", meta(name)}},
                client::resources::kServiceAccounts);
}

std::string read_file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CommandError("error reading " + path + ": no such file or directory");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// --from-literal, --from-file and --from-env-file into key/value pairs.
std::vector<std::pair<std::string, std::string>> data_entries(const Flags& f) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& lit : f.all("from-literal")) {
    auto eq = lit.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw CommandError("invalid literal source " + lit + ", expected key=value");
    }
    out.push_back({lit.substr(0, eq), lit.substr(eq + 1)});
  }
  for (const auto& spec : f.all("from-file")) {
    std::string key, path = spec;
    if (auto eq = spec.find('='); eq != std::string::npos) {
      key = spec.substr(0, eq);
      path = spec.substr(eq + 1);
    }
    if (std::filesystem::is_directory(path)) {
      for (const auto& e : std::filesystem::directory_iterator(path)) {
        if (e.is_regular_file()) out.push_back({e.path().filename().string(), read_file_text(e.path().string())});
      }
      continue;
    }
    if (key.empty()) key = std::filesystem::path(path).filename().string();
    out.push_back({key, read_file_text(path)});
  }
  for (const auto& path : f.all("from-env-file")) {
    std::istringstream in(read_file_text(path));
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      auto eq = line.find('=');
      if (eq == std::string::npos) out.push_back({line, getenv(line.c_str()) ? getenv(line.c_str()) : ""});
      else out.push_back({line.substr(0, eq), line.substr(eq + 1)});
    }
  }
  return out;
}

void add_data_flags(Flags& flags) {
  add_common(flags);
  flags.add("from-literal", 0, true);
  flags.add("from-file", 0, true);
  flags.add("from-env-file", 0, true);
  flags.add("append-hash", 0, false);
  flags.add("type", 0, true);
}

int run_configmap(Session& session) {
  std::string name = required_name(session, "configmap NAME");
  Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", meta(name)}};
  auto entries = data_entries(session.flags());
  if (!entries.empty()) {
    cm["data"] = Json::object();
    for (const auto& [k, v] : entries) {
      if (cm["data"].contains(k)) throw CommandError("cannot add key " + k + ", another key by that name already exists in Data for ConfigMap \"" + name + "\"");
      cm["data"][k] = v;
    }
  }
  return submit(session, cm, client::resources::kConfigMaps);
}

int run_secret_generic(Session& session) {
  std::string name = required_name(session, "secret generic NAME");
  Json s = {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", meta(name)}};
  auto entries = data_entries(session.flags());
  if (!entries.empty()) {
    s["data"] = Json::object();
    for (const auto& [k, v] : entries) s["data"][k] = util::base64_encode(v);
  }
  if (session.flags().given("type")) s["type"] = session.flags().str("type");
  else s["type"] = "Opaque";
  return submit(session, s, client::resources::kSecrets);
}

void add_tls_flags(Flags& flags) {
  add_common(flags);
  flags.add("cert", 0, true);
  flags.add("key", 0, true);
  flags.add("append-hash", 0, false);
}

int run_secret_tls(Session& session) {
  std::string name = required_name(session, "secret tls NAME");
  const Flags& f = session.flags();
  if (f.str("cert").empty() || f.str("key").empty()) throw CommandError("key and cert must be specified");
  Json s = {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", meta(name)}, {"type", "kubernetes.io/tls"},
            {"data", {{"tls.crt", util::base64_encode(read_file_text(f.str("cert")))},
                      {"tls.key", util::base64_encode(read_file_text(f.str("key")))}}}};
  return submit(session, s, client::resources::kSecrets);
}

void add_registry_flags(Flags& flags) {
  add_common(flags);
  flags.add("docker-server", 0, true, "https://index.docker.io/v1/");
  flags.add("docker-username", 0, true);
  flags.add("docker-password", 0, true);
  flags.add("docker-email", 0, true);
  flags.add("from-file", 0, true);
  flags.add("append-hash", 0, false);
}

int run_secret_registry(Session& session) {
  std::string name = required_name(session, "secret docker-registry NAME");
  const Flags& f = session.flags();
  if (!f.given("from-file") && (f.str("docker-username").empty() || f.str("docker-password").empty())) {
    throw CommandError("either --from-file or the combination of --docker-username, --docker-password and "
                       "--docker-server is required");
  }
  std::string user = f.str("docker-username"), pass = f.str("docker-password");
  Json entry = {{"username", user}, {"password", pass}, {"auth", util::base64_encode(user + ":" + pass)}};
  if (!f.str("docker-email").empty()) entry["email"] = f.str("docker-email");
  Json config = {{"auths", {{f.str("docker-server"), entry}}}};
  Json s = {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", meta(name)}, {"type", "kubernetes.io/dockerconfigjson"},
            {"data", {{".dockerconfigjson", util::base64_encode(config.dump())}}}};
  return submit(session, s, client::resources::kSecrets);
}

// The container name kubectl derives from an image ("docker.io/library/nginx:1.25" -> "nginx").
std::string container_name_for(const std::string& image) {
  std::string n = image;
  if (auto at = n.find('@'); at != std::string::npos) n = n.substr(0, at);
  if (auto slash = n.rfind('/'); slash != std::string::npos) n = n.substr(slash + 1);
  if (auto colon = n.find(':'); colon != std::string::npos) n = n.substr(0, colon);
  std::string out;
  for (char c : n) out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '-';
  return out;
}

void add_deployment_flags(Flags& flags) {
  add_common(flags);
  flags.add("image", 0, true);
  flags.add("replicas", 'r', true, "1");
  flags.add("port", 0, true, "-1");
}

int run_deployment(Session& session) {
  std::string name = required_name(session, "deployment NAME --image=image");
  const Flags& f = session.flags();
  auto images = f.all("image");
  if (images.empty()) throw CommandError("required flag(s) \"image\" not set");
  Json containers = Json::array();
  for (const auto& image : images) {
    Json c = {{"name", container_name_for(image)}, {"image", image}, {"resources", Json::object()}};
    if (f.integer("port") >= 0) c["ports"] = Json::array({{{"containerPort", f.integer("port")}}});
    containers.push_back(c);
  }
  Json labels = {{"app", name}};
  Json d = {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", meta(name, {{"labels", labels}})},
            {"spec",
             {{"replicas", f.integer("replicas")},
              {"selector", {{"matchLabels", labels}}},
              {"strategy", Json::object()},
              {"template", {{"metadata", {{"creationTimestamp", nullptr}, {"labels", labels}}}, {"spec", {{"containers", containers}}}}}}},
            {"status", Json::object()}};
  return submit(session, d, client::resources::kDeployments);
}

void add_job_flags(Flags& flags) {
  add_common(flags);
  flags.add("image", 0, true);
  flags.add("from", 0, true);
  flags.add("schedule", 0, true);
  flags.add("restart", 0, true);
}

int run_job(Session& session) {
  std::string name = required_name(session, "job NAME --image=image");
  const Flags& f = session.flags();
  if (f.str("image").empty()) throw CommandError("either --image or --from must be specified");
  Json container = {{"name", name}, {"image", f.str("image")}, {"resources", Json::object()}};
  if (!f.after_dashes().empty()) container["command"] = f.after_dashes();
  Json j = {{"apiVersion", "batch/v1"},
            {"kind", "Job"},
            {"metadata", meta(name)},
            {"spec", {{"template", {{"metadata", {{"creationTimestamp", nullptr}}},
                                    {"spec", {{"containers", Json::array({container})}, {"restartPolicy", "Never"}}}}}}},
            {"status", Json::object()}};
  return submit(session, j, client::resources::kJobs);
}

int run_cronjob(Session& session) {
  std::string name = required_name(session, "cronjob NAME --image=image --schedule=''");
  const Flags& f = session.flags();
  if (f.str("image").empty()) throw CommandError("--image must be specified");
  if (f.str("schedule").empty()) throw CommandError("--schedule must be specified");
  Json container = {{"name", name}, {"image", f.str("image")}, {"resources", Json::object()}};
  if (!f.after_dashes().empty()) container["command"] = f.after_dashes();
  std::string restart = f.str("restart").empty() ? "OnFailure" : f.str("restart");
  Json c = {{"apiVersion", "batch/v1"},
            {"kind", "CronJob"},
            {"metadata", meta(name)},
            {"spec", {{"schedule", f.str("schedule")},
                      {"jobTemplate", {{"metadata", {{"name", name}, {"creationTimestamp", nullptr}}},
                                       {"spec", {{"template", {{"metadata", {{"creationTimestamp", nullptr}}},
                                                               {"spec", {{"containers", Json::array({container})},
                                                                         {"restartPolicy", restart}}}}}}}}}}},
            {"status", Json::object()}};
  return submit(session, c, client::resources::kCronJobs);
}

void add_service_flags(Flags& flags) {
  add_common(flags);
  flags.add("tcp", 0, true);
  flags.add("node-port", 0, true, "0");
  flags.add("clusterip", 0, true);
  flags.add("external-name", 0, true);
}

int run_service(Session& session, const std::string& type) {
  std::string name = required_name(session, "service NAME");
  const Flags& f = session.flags();
  Json ports = Json::array();
  for (const auto& spec : f.list("tcp")) {
    auto colon = spec.find(':');
    std::string port = spec.substr(0, colon), target = colon == std::string::npos ? port : spec.substr(colon + 1);
    Json p = {{"name", port + "-" + target}, {"port", std::stoll(port)}, {"protocol", "TCP"}};
    if (std::all_of(target.begin(), target.end(), ::isdigit)) p["targetPort"] = std::stoll(target);
    else p["targetPort"] = target;
    if (type == "NodePort" && f.integer("node-port") > 0) p["nodePort"] = f.integer("node-port");
    ports.push_back(p);
  }
  if (type != "ExternalName" && ports.empty() && f.str("clusterip") != "None") {
    throw CommandError("at least one tcp port specifier must be provided");
  }
  Json labels = {{"app", name}};
  Json spec = {{"type", type}};
  if (type != "ExternalName") {
    spec["selector"] = labels;
    spec["ports"] = ports;
  } else {
    if (f.str("external-name").empty()) throw CommandError("--external-name must be specified");
    spec["externalName"] = f.str("external-name");
  }
  if (f.given("clusterip")) spec["clusterIP"] = f.str("clusterip");
  Json s = {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", meta(name, {{"labels", labels}})}, {"spec", spec},
            {"status", {{"loadBalancer", Json::object()}}}};
  return submit(session, s, client::resources::kServices);
}

int run_service_clusterip(Session& s) { return run_service(s, "ClusterIP"); }
int run_service_nodeport(Session& s) { return run_service(s, "NodePort"); }
int run_service_loadbalancer(Session& s) { return run_service(s, "LoadBalancer"); }
int run_service_externalname(Session& s) { return run_service(s, "ExternalName"); }

void add_priorityclass_flags(Flags& flags) {
  add_common(flags);
  flags.add("value", 0, true, "0");
  flags.add("global-default", 0, false);
  flags.add("description", 0, true);
  flags.add("preemption-policy", 0, true, "PreemptLowerPriority");
}

int run_priorityclass(Session& session) {
  std::string name = required_name(session, "priorityclass NAME");
  const Flags& f = session.flags();
  Json pc = {{"apiVersion", "scheduling.k8s.io/v1"}, {"kind", "PriorityClass"}, {"metadata", meta(name)},
             {"value", f.integer("value")}, {"globalDefault", f.boolean("global-default")},
             {"description", f.str("description")}, {"preemptionPolicy", f.str("preemption-policy")}};
  return submit(session, pc, client::resources::kPriorityClasses);
}

void add_quota_flags(Flags& flags) {
  add_common(flags);
  flags.add("hard", 0, true);
  flags.add("scopes", 0, true);
}

int run_quota(Session& session) {
  std::string name = required_name(session, "quota NAME");
  const Flags& f = session.flags();
  Json hard = Json::object();
  for (const auto& kv : f.list("hard")) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) throw CommandError("invalid argument: " + kv);
    hard[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  Json spec = {{"hard", hard}};
  if (f.given("scopes")) spec["scopes"] = f.list("scopes");
  Json q = {{"apiVersion", "v1"}, {"kind", "ResourceQuota"}, {"metadata", meta(name)}, {"spec", spec}, {"status", Json::object()}};
  return submit(session, q, client::resources::kResourceQuotas);
}

void add_role_flags(Flags& flags) {
  add_common(flags);
  flags.add("verb", 0, true);
  flags.add("resource", 0, true);
  flags.add("resource-name", 0, true);
  flags.add("non-resource-url", 0, true);
  flags.add("aggregation-rule", 0, true);
}

Json policy_rules(Session& session) {
  const Flags& f = session.flags();
  auto verbs = f.list("verb");
  if (verbs.empty()) throw CommandError("at least one verb must be specified");
  Json rules = Json::array();
  // One rule per API group, resources as kubectl groups them.
  std::vector<std::pair<std::string, std::vector<std::string>>> by_group;
  for (const auto& r : f.list("resource")) {
    std::string resource = r, sub;
    if (auto slash = r.find('/'); slash != std::string::npos) {
      resource = r.substr(0, slash);
      sub = r.substr(slash);
    }
    std::string group;
    std::string plural = resource;
    if (auto info = session.mapper().find(resource)) {
      group = info->gvr.group;
      plural = info->gvr.resource;
    } else if (auto dot = resource.find('.'); dot != std::string::npos) {
      group = resource.substr(dot + 1);
      plural = resource.substr(0, dot);
    } else {
      throw CommandError("resource \"" + resource + "\" not found");
    }
    auto it = std::find_if(by_group.begin(), by_group.end(), [&](auto& g) { return g.first == group; });
    if (it == by_group.end()) by_group.push_back({group, {plural + sub}});
    else it->second.push_back(plural + sub);
  }
  for (const auto& [group, resources] : by_group) {
    Json rule = {{"apiGroups", Json::array({group})}, {"resources", resources}, {"verbs", verbs}};
    if (f.given("resource-name")) rule["resourceNames"] = f.list("resource-name");
    rules.push_back(rule);
  }
  if (f.given("non-resource-url")) rules.push_back({{"nonResourceURLs", f.list("non-resource-url")}, {"verbs", verbs}});
  return rules;
}

int run_role(Session& session) {
  std::string name = required_name(session, "role NAME");
  Json r = {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "Role"}, {"metadata", meta(name)}, {"rules", policy_rules(session)}};
  return submit(session, r, {"rbac.authorization.k8s.io", "v1", "roles"});
}

int run_clusterrole(Session& session) {
  std::string name = required_name(session, "clusterrole NAME");
  Json r = {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "ClusterRole"}, {"metadata", meta(name)}, {"rules", policy_rules(session)}};
  return submit(session, r, {"rbac.authorization.k8s.io", "v1", "clusterroles"});
}

void add_binding_flags(Flags& flags) {
  add_common(flags);
  flags.add("role", 0, true);
  flags.add("clusterrole", 0, true);
  flags.add("user", 0, true);
  flags.add("group", 0, true);
  flags.add("serviceaccount", 0, true);
}

Json binding(Session& session, const std::string& kind, const std::string& name) {
  const Flags& f = session.flags();
  Json ref;
  if (f.given("clusterrole")) ref = {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", f.str("clusterrole")}};
  else if (f.given("role") && kind == "RoleBinding") ref = {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", f.str("role")}};
  else throw CommandError(kind == "RoleBinding" ? "exactly one of clusterrole or role must be specified" : "required flag(s) \"clusterrole\" not set");
  Json subjects = Json::array();
  for (const auto& u : f.all("user")) subjects.push_back({{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "User"}, {"name", u}});
  for (const auto& g : f.all("group")) subjects.push_back({{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Group"}, {"name", g}});
  for (const auto& sa : f.all("serviceaccount")) {
    auto colon = sa.find(':');
    if (colon == std::string::npos) throw CommandError("serviceaccount must be <namespace>:<name>");
    subjects.push_back({{"kind", "ServiceAccount"}, {"namespace", sa.substr(0, colon)}, {"name", sa.substr(colon + 1)}});
  }
  Json b = {{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", kind}, {"metadata", meta(name)}, {"roleRef", ref}};
  if (!subjects.empty()) b["subjects"] = subjects;
  return b;
}

int run_rolebinding(Session& session) {
  std::string name = required_name(session, "rolebinding NAME");
  return submit(session, binding(session, "RoleBinding", name), {"rbac.authorization.k8s.io", "v1", "rolebindings"});
}

int run_clusterrolebinding(Session& session) {
  std::string name = required_name(session, "clusterrolebinding NAME");
  return submit(session, binding(session, "ClusterRoleBinding", name), {"rbac.authorization.k8s.io", "v1", "clusterrolebindings"});
}

void add_pdb_flags(Flags& flags) {
  add_common(flags);
  flags.add("selector", 0, true);
  flags.add("min-available", 0, true);
  flags.add("max-unavailable", 0, true);
}

Json selector_from_text(const std::string& text) {
  Json match = Json::object();
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    auto eq = part.find('=');
    if (eq == std::string::npos) throw CommandError("invalid selector: " + text);
    match[part.substr(0, eq)] = part.substr(eq + 1);
  }
  return {{"matchLabels", match}};
}

Json int_or_string(const std::string& v) {
  if (!v.empty() && std::all_of(v.begin(), v.end(), ::isdigit)) return std::stoll(v);
  return v;
}

int run_pdb(Session& session) {
  std::string name = required_name(session, "poddisruptionbudget NAME");
  const Flags& f = session.flags();
  if (f.str("selector").empty()) throw CommandError("a selector must be specified");
  if (f.given("min-available") == f.given("max-unavailable")) throw CommandError("one of min-available or max-unavailable must be specified");
  Json spec = {{"selector", selector_from_text(f.str("selector"))}};
  if (f.given("min-available")) spec["minAvailable"] = int_or_string(f.str("min-available"));
  else spec["maxUnavailable"] = int_or_string(f.str("max-unavailable"));
  Json p = {{"apiVersion", "policy/v1"}, {"kind", "PodDisruptionBudget"}, {"metadata", meta(name)}, {"spec", spec},
            {"status", {{"currentHealthy", 0}, {"desiredHealthy", 0}, {"disruptionsAllowed", 0}, {"expectedPods", 0}}}};
  return submit(session, p, client::resources::kPodDisruptionBudgets);
}

void add_token_flags(Flags& flags) {
  flags.add("output", 'o', true);
  flags.add("duration", 0, true, "0s");
  flags.add("audience", 0, true);
  flags.add("bound-object-kind", 0, true);
  flags.add("bound-object-name", 0, true);
  flags.add("bound-object-uid", 0, true);
}

int run_token(Session& session) {
  std::string name = required_name(session, "token SERVICE_ACCOUNT_NAME");
  const Flags& f = session.flags();
  Json request = {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "TokenRequest"}, {"metadata", {{"creationTimestamp", nullptr}}}, {"spec", {{"audiences", f.all("audience")}}}};
  if (request["spec"]["audiences"].empty()) request["spec"]["audiences"] = nullptr;
  std::string duration = f.str("duration");
  if (duration != "0s" && duration != "0") {
    long long seconds = std::stoll(duration);
    if (duration.back() == 'h') seconds *= 3600;
    else if (duration.back() == 'm') seconds *= 60;
    request["spec"]["expirationSeconds"] = seconds;
  }
  Json answer;
  try {
    answer = session.api().request_json(
        "POST", client::resource_path(client::resources::kServiceAccounts, session.namespace_(), name, "token"),
        request.dump());
  } catch (const client::ApiError& e) {
    throw ExitError(std::string("error: failed to create token: ") + e.what());
  }
  std::string output = f.str("output");
  if (output.empty()) {
    std::cout << answer.value("status", Json::object()).value("token", "") << "\n";
  } else {
    PrintOptions o;
    o.output = output;
    std::cout << print_objects({answer}, o, false);
  }
  return 0;
}

void add_ingress_flags(Flags& flags) {
  add_common(flags);
  flags.add("rule", 0, true);
  flags.add("class", 0, true);
  flags.add("default-backend", 0, true);
  flags.add("annotation", 0, true);
}

Json backend_of(const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos) throw CommandError("backend should be in format servicename:serviceport");
  std::string port = text.substr(colon + 1);
  Json p = std::all_of(port.begin(), port.end(), ::isdigit) ? Json{{"number", std::stoll(port)}} : Json{{"name", port}};
  return {{"service", {{"name", text.substr(0, colon)}, {"port", p}}}};
}

int run_ingress(Session& session) {
  std::string name = required_name(session, "ingress NAME --rule=host/path=service:port[,tls[=secret]]");
  const Flags& f = session.flags();
  Json spec = Json::object();
  if (f.given("class")) spec["ingressClassName"] = f.str("class");
  if (f.given("default-backend")) spec["defaultBackend"] = backend_of(f.str("default-backend"));
  Json rules = Json::array();
  Json tls = Json::array();
  for (const auto& rule : f.all("rule")) {
    auto eq = rule.find('=');
    if (eq == std::string::npos) throw CommandError("rule " + rule + " is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]");
    std::string hostpath = rule.substr(0, eq), rest = rule.substr(eq + 1);
    std::string tls_part;
    if (auto comma = rest.find(','); comma != std::string::npos) {
      tls_part = rest.substr(comma + 1);
      rest = rest.substr(0, comma);
    }
    auto slash = hostpath.find('/');
    std::string host = hostpath.substr(0, slash), path = slash == std::string::npos ? "/" : hostpath.substr(slash);
    std::string path_type = "Exact";
    if (!path.empty() && path.back() == '*') {
      path.pop_back();
      path_type = "Prefix";
    }
    Json r = {{"http", {{"paths", Json::array({{{"backend", backend_of(rest)}, {"path", path}, {"pathType", path_type}}})}}}};
    if (!host.empty()) r["host"] = host;
    rules.push_back(r);
    if (!tls_part.empty()) {
      Json t = Json::object();
      if (!host.empty()) t["hosts"] = Json::array({host});
      if (auto eq2 = tls_part.find('='); eq2 != std::string::npos) t["secretName"] = tls_part.substr(eq2 + 1);
      tls.push_back(t);
    }
  }
  if (!rules.empty()) spec["rules"] = rules;
  if (!tls.empty()) spec["tls"] = tls;
  Json meta_extra = Json::object();
  for (const auto& a : f.all("annotation")) {
    auto eq = a.find('=');
    if (eq != std::string::npos) meta_extra["annotations"][a.substr(0, eq)] = a.substr(eq + 1);
  }
  Json ing = {{"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"metadata", meta(name, meta_extra)}, {"spec", spec},
              {"status", {{"loadBalancer", Json::object()}}}};
  return submit(session, ing, {"networking.k8s.io", "v1", "ingresses"});
}

}  // namespace

std::vector<CommandDef> create_commands() {
  return {
      {"create namespace", add_common, run_namespace},
      {"create ns", add_common, run_namespace},
      {"create serviceaccount", add_serviceaccount_flags, run_serviceaccount},
      {"create sa", add_serviceaccount_flags, run_serviceaccount},
      {"create configmap", add_data_flags, run_configmap},
      {"create cm", add_data_flags, run_configmap},
      {"create secret generic", add_data_flags, run_secret_generic},
      {"create secret tls", add_tls_flags, run_secret_tls},
      {"create secret docker-registry", add_registry_flags, run_secret_registry},
      {"create deployment", add_deployment_flags, run_deployment},
      {"create deploy", add_deployment_flags, run_deployment},
      {"create job", add_job_flags, run_job},
      {"create cronjob", add_job_flags, run_cronjob},
      {"create cj", add_job_flags, run_cronjob},
      {"create service clusterip", add_service_flags, run_service_clusterip},
      {"create service nodeport", add_service_flags, run_service_nodeport},
      {"create service loadbalancer", add_service_flags, run_service_loadbalancer},
      {"create service externalname", add_service_flags, run_service_externalname},
      {"create svc clusterip", add_service_flags, run_service_clusterip},
      {"create svc nodeport", add_service_flags, run_service_nodeport},
      {"create priorityclass", add_priorityclass_flags, run_priorityclass},
      {"create pc", add_priorityclass_flags, run_priorityclass},
      {"create quota", add_quota_flags, run_quota},
      {"create resourcequota", add_quota_flags, run_quota},
      {"create role", add_role_flags, run_role},
      {"create clusterrole", add_role_flags, run_clusterrole},
      {"create rolebinding", add_binding_flags, run_rolebinding},
      {"create clusterrolebinding", add_binding_flags, run_clusterrolebinding},
      {"create poddisruptionbudget", add_pdb_flags, run_pdb},
      {"create pdb", add_pdb_flags, run_pdb},
      {"create token", add_token_flags, run_token},
      {"create ingress", add_ingress_flags, run_ingress},
      {"create ing", add_ingress_flags, run_ingress},
  };
}

}  // namespace k3s::kubectl
