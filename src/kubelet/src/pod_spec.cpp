#include "pod_spec.h"

#include <fstream>
#include <sstream>

#include "object/pod_resources.h"
#include "object/quantity.h"
#include "util/base64.h"

namespace k3s::kubelet {
namespace {

constexpr int64_t kCpuPeriod = 100000;  // CFS period in microseconds
constexpr int64_t kMinShares = 2;

const Json& field(const Json& object, const char* key) {
  static const Json empty = Json::object();
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? empty : *it;
}

std::string str(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

v1::NamespaceMode mode(bool host, v1::NamespaceMode otherwise) { return host ? v1::NODE : otherwise; }

int64_t milli_of(const Json& resources, const char* kind, const char* name) {
  const Json& list = field(resources, kind);
  auto it = list.find(name);
  if (it == list.end()) return -1;
  return object::Quantity::from_json(*it).milli_value();
}

int64_t bytes_of(const Json& resources, const char* kind, const char* name) {
  const Json& list = field(resources, kind);
  auto it = list.find(name);
  if (it == list.end()) return -1;
  return object::Quantity::from_json(*it).value();
}

std::vector<std::string> host_search_domains(const std::string& resolv_conf) {
  std::ifstream in(resolv_conf);
  std::string line;
  std::vector<std::string> searches;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key;
    words >> key;
    if (key != "search" && key != "domain") continue;
    searches.clear();
    std::string domain;
    while (words >> domain) searches.push_back(domain);
  }
  return searches;
}

void add_host_dns(v1::DNSConfig& dns, const std::string& resolv_conf) {
  std::ifstream in(resolv_conf);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key, value;
    words >> key;
    if (key == "nameserver") {
      if (words >> value) dns.add_servers(value);
    } else if (key == "search" || key == "domain") {
      dns.clear_searches();
      while (words >> value) dns.add_searches(value);
    } else if (key == "options") {
      while (words >> value) dns.add_options(value);
    }
  }
}

void apply_pod_dns_config(v1::DNSConfig& dns, const Json& spec) {
  const Json& extra = field(spec, "dnsConfig");
  for (const auto& s : extra.value("nameservers", Json::array())) dns.add_servers(s.get<std::string>());
  for (const auto& s : extra.value("searches", Json::array())) dns.add_searches(s.get<std::string>());
  for (const auto& o : extra.value("options", Json::array())) {
    std::string option = o.value("name", "");
    if (o.contains("value") && o["value"].is_string()) option += ":" + o["value"].get<std::string>();
    // A pod option replaces the same option from the defaults (ndots:5 -> ndots:2).
    const std::string name = o.value("name", "");
    for (int i = 0; i < dns.options_size(); ++i) {
      const std::string& existing = dns.options(i);
      if (existing == name || existing.rfind(name + ":", 0) == 0) {
        dns.mutable_options()->DeleteSubrange(i, 1);
        break;
      }
    }
    dns.add_options(option);
  }
}

std::string env_key_value(const Json& data, const std::string& key, bool decode) {
  std::string value = data.value(key, "");
  return decode ? util::base64_decode(value) : value;
}

std::string format_resource(const Json& pod, const Json& container, const Json& ref) {
  std::string resource = ref.value("resource", "");
  std::string container_name = ref.value("containerName", "");
  const Json* target = &container;
  if (!container_name.empty()) {
    for (const auto& c : field(pod, "spec").value("containers", Json::array()))
      if (c.value("name", "") == container_name) target = &c;
  }
  const Json& resources = field(*target, "resources");
  auto dot = resource.find('.');
  if (dot == std::string::npos) throw ContainerConfigError("unsupported resourceFieldRef resource \"" + resource + "\"");
  std::string kind = resource.substr(0, dot), name = resource.substr(dot + 1);
  object::Quantity divisor = ref.contains("divisor") ? object::Quantity::from_json(ref["divisor"]) : object::Quantity(1, object::QuantityFormat::decimal_si);
  if (divisor.is_zero()) divisor = object::Quantity(1, object::QuantityFormat::decimal_si);
  const Json& list = field(resources, kind.c_str());
  std::optional<object::Quantity> value;
  if (list.contains(name)) value = object::Quantity::from_json(list[name]);
  else if (kind == "requests" && field(resources, "limits").contains(name)) value = object::Quantity::from_json(resources["limits"][name]);
  if (!value) {
    // Without a limit the node's allocatable is the effective limit; the caller cannot
    // know it here, so report 0 for requests and leave limits to the node capacity reader.
    if (kind == "limits") return "0";
    return "0";
  }
  // ceil(value / divisor), computed in milli units to keep cpu fractions.
  int64_t numerator = value->milli_value(), denominator = divisor.milli_value();
  if (denominator <= 0) denominator = 1000;
  int64_t result = (numerator + denominator - 1) / denominator;
  return std::to_string(result);
}

std::string field_ref_value(const Json& pod, const Json& ref, const ContainerContext& context) {
  std::string path = ref.value("fieldPath", "");
  const Json& metadata = field(pod, "metadata");
  const Json& spec = field(pod, "spec");
  if (path == "metadata.name") return str(metadata, "name");
  if (path == "metadata.namespace") return str(metadata, "namespace");
  if (path == "metadata.uid") return str(metadata, "uid");
  if (path == "spec.nodeName") return str(spec, "nodeName");
  if (path == "spec.serviceAccountName") return str(spec, "serviceAccountName");
  if (path == "status.hostIP" || path == "status.hostIPs") return context.node_ip;
  if (path == "status.podIP") return context.pod_ip;
  if (path == "status.podIPs") {
    std::string joined;
    for (const auto& ip : context.pod_ips) joined += (joined.empty() ? "" : ",") + ip;
    return joined;
  }
  for (const char* prefix : {"metadata.labels", "metadata.annotations"}) {
    std::string p(prefix);
    if (path.rfind(p + "['", 0) == 0 && path.size() > p.size() + 4 && path.substr(path.size() - 2) == "']") {
      std::string key = path.substr(p.size() + 2, path.size() - p.size() - 4);
      return field(metadata, p == "metadata.labels" ? "labels" : "annotations").value(key, "");
    }
  }
  throw ContainerConfigError("unsupported fieldRef fieldPath \"" + path + "\"");
}

}  // namespace

std::string pod_log_directory(const KubeletConfig& config, const Json& pod) {
  const Json& metadata = field(pod, "metadata");
  return config.pod_log_dir + "/" + str(metadata, "namespace") + "_" + str(metadata, "name") + "_" + str(metadata, "uid");
}

std::string pod_dir(const KubeletConfig& config, const std::string& uid) { return config.root_dir + "/pods/" + uid; }

bool host_network(const Json& pod) { return field(pod, "spec").value("hostNetwork", false); }

v1::PodSandboxConfig build_sandbox_config(const KubeletConfig& config, const Json& pod, uint32_t attempt,
                                          const std::string& host_resolv_conf) {
  const Json& metadata = field(pod, "metadata");
  const Json& spec = field(pod, "spec");
  v1::PodSandboxConfig sandbox;
  auto* meta = sandbox.mutable_metadata();
  meta->set_name(str(metadata, "name"));
  meta->set_namespace_(str(metadata, "namespace"));
  meta->set_uid(str(metadata, "uid"));
  meta->set_attempt(attempt);
  const bool host_net = host_network(pod);
  if (!host_net) {
    std::string hostname = str(spec, "hostname");
    if (hostname.empty()) hostname = str(metadata, "name");
    if (hostname.size() > 63) hostname.resize(63);
    while (!hostname.empty() && (hostname.back() == '-' || hostname.back() == '.')) hostname.pop_back();
    sandbox.set_hostname(hostname);
  }
  sandbox.set_log_directory(pod_log_directory(config, pod));

  std::string policy = str(spec, "dnsPolicy");
  if (policy.empty()) policy = "ClusterFirst";
  if (policy == "ClusterFirst" && host_net) policy = "Default";
  auto* dns = sandbox.mutable_dns_config();
  if ((policy == "ClusterFirst" || policy == "ClusterFirstWithHostNet") && !config.cluster_dns.empty()) {
    for (const auto& server : config.cluster_dns) dns->add_servers(server);
    const std::string ns = str(metadata, "namespace");
    dns->add_searches(ns + ".svc." + config.cluster_domain);
    dns->add_searches("svc." + config.cluster_domain);
    dns->add_searches(config.cluster_domain);
    for (const auto& domain : host_search_domains(host_resolv_conf)) dns->add_searches(domain);
    dns->add_options("ndots:5");
  } else if (policy != "None") {
    add_host_dns(*dns, host_resolv_conf);
  }
  apply_pod_dns_config(*dns, spec);

  for (const auto& container : spec.value("containers", Json::array())) {
    for (const auto& port : container.value("ports", Json::array())) {
      int host_port = port.value("hostPort", 0);
      if (host_port <= 0) continue;
      auto* mapping = sandbox.add_port_mappings();
      const std::string protocol = port.value("protocol", "TCP");
      mapping->set_protocol(protocol == "UDP" ? v1::UDP : protocol == "SCTP" ? v1::SCTP : v1::TCP);
      mapping->set_container_port(port.value("containerPort", 0));
      mapping->set_host_port(host_port);
      mapping->set_host_ip(port.value("hostIP", ""));
    }
  }
  auto& labels = *sandbox.mutable_labels();
  for (const auto& [k, v] : field(metadata, "labels").items())
    if (v.is_string()) labels[k] = v.get<std::string>();
  labels[kPodNameLabel] = str(metadata, "name");
  labels[kPodNamespaceLabel] = str(metadata, "namespace");
  labels[kPodUidLabel] = str(metadata, "uid");
  auto& annotations = *sandbox.mutable_annotations();
  for (const auto& [k, v] : field(metadata, "annotations").items())
    if (v.is_string()) annotations[k] = v.get<std::string>();

  auto* linux = sandbox.mutable_linux();
  auto* security = linux->mutable_security_context();
  auto* namespaces = security->mutable_namespace_options();
  namespaces->set_network(mode(host_net, v1::POD));
  namespaces->set_pid(mode(spec.value("hostPID", false), spec.value("shareProcessNamespace", false) ? v1::POD : v1::CONTAINER));
  namespaces->set_ipc(mode(spec.value("hostIPC", false), v1::POD));
  const Json& pod_security = field(spec, "securityContext");
  if (pod_security.contains("runAsUser")) security->mutable_run_as_user()->set_value(pod_security["runAsUser"].get<int64_t>());
  if (pod_security.contains("runAsGroup")) security->mutable_run_as_group()->set_value(pod_security["runAsGroup"].get<int64_t>());
  for (const auto& g : pod_security.value("supplementalGroups", Json::array())) security->add_supplemental_groups(g.get<int64_t>());
  if (pod_security.contains("fsGroup")) security->add_supplemental_groups(pod_security["fsGroup"].get<int64_t>());
  for (const auto& sysctl : pod_security.value("sysctls", Json::array()))
    (*linux->mutable_sysctls())[sysctl.value("name", "")] = sysctl.value("value", "");
  for (const auto& container : spec.value("containers", Json::array()))
    if (field(container, "securityContext").value("privileged", false)) security->set_privileged(true);
  return sandbox;
}

std::string expand_vars(const std::string& text, const std::map<std::string, std::string>& vars) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text[i + 1] == '(') {
      auto close = text.find(')', i + 2);
      if (close != std::string::npos) {
        std::string name = text.substr(i + 2, close - i - 2);
        auto it = vars.find(name);
        if (it != vars.end()) out += it->second;
        else out += text.substr(i, close - i + 1);
        i = close;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> resolve_env(const Json& pod, const Json& container,
                                                             const ContainerContext& context,
                                                             const ObjectSource& objects) {
  const std::string ns = field(pod, "metadata").value("namespace", "");
  std::vector<std::pair<std::string, std::string>> env;
  std::map<std::string, std::string> vars;
  const auto set = [&](const std::string& name, const std::string& value) {
    for (auto& [k, v] : env)
      if (k == name) {
        v = value;
        vars[name] = value;
        return;
      }
    env.emplace_back(name, value);
    vars[name] = value;
  };
  for (const auto& [k, v] : context.service_env) set(k, v);
  for (const auto& source : container.value("envFrom", Json::array())) {
    const std::string prefix = source.value("prefix", "");
    const bool is_secret = source.contains("secretRef");
    const Json& ref = is_secret ? source["secretRef"] : field(source, "configMapRef");
    const std::string name = ref.value("name", "");
    auto object = is_secret ? objects.secret(ns, name) : objects.config_map(ns, name);
    if (!object) {
      if (ref.value("optional", false)) continue;
      throw ContainerConfigError(std::string(is_secret ? "secret" : "configmap") + " \"" + name + "\" not found");
    }
    const Json data = object->value("data", Json::object());
    for (const auto& [key, value] : data.items())
      set(prefix + key, is_secret ? util::base64_decode(value.get<std::string>()) : value.get<std::string>());
  }
  for (const auto& item : container.value("env", Json::array())) {
    const std::string name = item.value("name", "");
    if (item.contains("value")) {
      set(name, expand_vars(item.value("value", ""), vars));
      continue;
    }
    const Json& from = field(item, "valueFrom");
    if (from.contains("fieldRef")) {
      set(name, field_ref_value(pod, from["fieldRef"], context));
    } else if (from.contains("resourceFieldRef")) {
      set(name, format_resource(pod, container, from["resourceFieldRef"]));
    } else if (from.contains("configMapKeyRef") || from.contains("secretKeyRef")) {
      const bool is_secret = from.contains("secretKeyRef");
      const Json& ref = is_secret ? from["secretKeyRef"] : from["configMapKeyRef"];
      const std::string object_name = ref.value("name", ""), key = ref.value("key", "");
      auto object = is_secret ? objects.secret(ns, object_name) : objects.config_map(ns, object_name);
      const Json data = object ? object->value("data", Json::object()) : Json::object();
      if (!object || !data.contains(key)) {
        if (ref.value("optional", false)) continue;
        if (!object)
          throw ContainerConfigError(std::string(is_secret ? "secret" : "configmap") + " \"" + object_name + "\" not found");
        throw ContainerConfigError("couldn't find key " + key + " in " + (is_secret ? "Secret " : "ConfigMap ") + ns + "/" + object_name);
      }
      set(name, env_key_value(data, key, is_secret));
    } else {
      set(name, "");
    }
  }
  return env;
}

v1::LinuxContainerResources container_resources(const Json& pod, const Json& container) {
  v1::LinuxContainerResources out;
  const Json& resources = field(container, "resources");
  int64_t cpu_request = milli_of(resources, "requests", "cpu");
  int64_t cpu_limit = milli_of(resources, "limits", "cpu");
  if (cpu_request < 0 && cpu_limit >= 0) cpu_request = cpu_limit;
  out.set_cpu_shares(cpu_request > 0 ? std::max(kMinShares, cpu_request * 1024 / 1000) : kMinShares);
  if (cpu_limit > 0) {
    out.set_cpu_period(kCpuPeriod);
    out.set_cpu_quota(std::max<int64_t>(1000, cpu_limit * kCpuPeriod / 1000));
  }
  int64_t memory_limit = bytes_of(resources, "limits", "memory");
  if (memory_limit > 0) out.set_memory_limit_in_bytes(memory_limit);
  // OOM score by QoS class, as the kubelet's policy: guaranteed pods last, best effort first.
  const std::string qos = object::pod_qos_class(pod);
  if (qos == "Guaranteed") out.set_oom_score_adj(-997);
  else if (qos == "BestEffort") out.set_oom_score_adj(1000);
  else out.set_oom_score_adj(999);
  return out;
}

std::string container_hash(const Json& container) {
  const std::string text = container.dump();
  uint32_t hash = 2166136261u;  // FNV-1a
  for (unsigned char c : text) hash = (hash ^ c) * 16777619u;
  char buffer[16];
  snprintf(buffer, sizeof buffer, "%08x", hash);
  return buffer;
}

std::string render_hosts_file(const Json& pod, const std::string& pod_ip) {
  const Json& metadata = field(pod, "metadata");
  const Json& spec = field(pod, "spec");
  std::string hostname = str(spec, "hostname");
  if (hostname.empty()) hostname = str(metadata, "name");
  std::string text =
      "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n";
  if (!pod_ip.empty()) text += pod_ip + "\t" + hostname + "\n";
  for (const auto& alias : spec.value("hostAliases", Json::array())) {
    text += "\n# Entries added by HostAliases.\n" + alias.value("ip", "");
    for (const auto& h : alias.value("hostnames", Json::array())) text += "\t" + h.get<std::string>();
    text += "\n";
  }
  return text;
}

v1::ContainerConfig build_container_config(const Json& pod, const Json& container, const ContainerContext& context,
                                           const ObjectSource& objects) {
  const Json& metadata = field(pod, "metadata");
  v1::ContainerConfig config;
  const std::string name = container.value("name", "");
  config.mutable_metadata()->set_name(name);
  config.mutable_metadata()->set_attempt(context.attempt);
  config.mutable_image()->set_image(context.image_ref.empty() ? container.value("image", "") : context.image_ref);
  config.mutable_image()->set_user_specified_image(container.value("image", ""));

  auto env = resolve_env(pod, container, context, objects);
  std::map<std::string, std::string> vars(env.begin(), env.end());
  for (const auto& [k, v] : env) {
    auto* kv = config.add_envs();
    kv->set_key(k);
    kv->set_value(v);
  }
  for (const auto& c : container.value("command", Json::array())) config.add_command(expand_vars(c.get<std::string>(), vars));
  for (const auto& a : container.value("args", Json::array())) config.add_args(expand_vars(a.get<std::string>(), vars));
  config.set_working_dir(container.value("workingDir", ""));
  config.set_stdin(container.value("stdin", false));
  config.set_stdin_once(container.value("stdinOnce", false));
  config.set_tty(container.value("tty", false));

  bool has_hosts_mount = false;
  for (const auto& mount : container.value("volumeMounts", Json::array())) {
    const std::string volume = mount.value("name", "");
    auto it = context.volume_paths.find(volume);
    if (it == context.volume_paths.end())
      throw ContainerConfigError("cannot find volume \"" + volume + "\" to mount into container \"" + name + "\"");
    auto* m = config.add_mounts();
    const std::string container_path = mount.value("mountPath", "");
    std::string host_path = it->second;
    const std::string sub_path = expand_vars(mount.value("subPathExpr", mount.value("subPath", "")), vars);
    if (!sub_path.empty()) {
      if (sub_path.find("..") != std::string::npos || sub_path.front() == '/')
        throw ContainerConfigError("invalid subPath \"" + sub_path + "\": must be a relative path without '..'");
      host_path += "/" + sub_path;
    }
    m->set_container_path(container_path);
    m->set_host_path(host_path);
    m->set_readonly(mount.value("readOnly", false));
    const std::string propagation = mount.value("mountPropagation", "None");
    m->set_propagation(propagation == "Bidirectional"     ? v1::PROPAGATION_BIDIRECTIONAL
                       : propagation == "HostToContainer" ? v1::PROPAGATION_HOST_TO_CONTAINER
                                                          : v1::PROPAGATION_PRIVATE);
    if (container_path == "/etc/hosts") has_hosts_mount = true;
  }
  if (!has_hosts_mount && !context.hosts_file.empty() && !host_network(pod)) {
    auto* m = config.add_mounts();
    m->set_container_path("/etc/hosts");
    m->set_host_path(context.hosts_file);
  }
  const std::string termination_path = container.value("terminationMessagePath", "/dev/termination-log");
  if (!context.termination_log.empty()) {
    auto* m = config.add_mounts();
    m->set_container_path(termination_path);
    m->set_host_path(context.termination_log);
  }

  auto& labels = *config.mutable_labels();
  labels[kContainerNameLabel] = name;
  labels[kPodNameLabel] = str(metadata, "name");
  labels[kPodNamespaceLabel] = str(metadata, "namespace");
  labels[kPodUidLabel] = str(metadata, "uid");
  auto& annotations = *config.mutable_annotations();
  annotations[kContainerHashAnnotation] = container_hash(container);
  annotations[kRestartCountAnnotation] = std::to_string(context.attempt);
  annotations[kTerminationMessagePathAnnotation] = termination_path;
  annotations["io.kubernetes.container.terminationMessagePolicy"] = container.value("terminationMessagePolicy", "File");
  annotations[kGracePeriodAnnotation] = std::to_string(field(pod, "spec").value("terminationGracePeriodSeconds", 30));
  config.set_log_path(name + "/" + std::to_string(context.attempt) + ".log");

  auto* linux = config.mutable_linux();
  *linux->mutable_resources() = container_resources(pod, container);
  auto* security = linux->mutable_security_context();
  const Json& spec = field(pod, "spec");
  const Json& pod_security = field(spec, "securityContext");
  const Json& sc = field(container, "securityContext");
  const bool privileged = sc.value("privileged", false);
  security->set_privileged(privileged);
  auto* namespaces = security->mutable_namespace_options();
  namespaces->set_network(mode(host_network(pod), v1::POD));
  namespaces->set_pid(mode(spec.value("hostPID", false), spec.value("shareProcessNamespace", false) ? v1::POD : v1::CONTAINER));
  namespaces->set_ipc(mode(spec.value("hostIPC", false), v1::POD));
  const auto int_field = [&](const char* key) -> std::optional<int64_t> {
    if (sc.contains(key) && sc[key].is_number_integer()) return sc[key].get<int64_t>();
    if (pod_security.contains(key) && pod_security[key].is_number_integer()) return pod_security[key].get<int64_t>();
    return std::nullopt;
  };
  if (auto uid = int_field("runAsUser")) security->mutable_run_as_user()->set_value(*uid);
  if (auto gid = int_field("runAsGroup")) security->mutable_run_as_group()->set_value(*gid);
  for (const auto& g : pod_security.value("supplementalGroups", Json::array())) security->add_supplemental_groups(g.get<int64_t>());
  if (pod_security.contains("fsGroup")) security->add_supplemental_groups(pod_security["fsGroup"].get<int64_t>());
  security->set_readonly_rootfs(sc.value("readOnlyRootFilesystem", false));
  security->set_no_new_privs(sc.contains("allowPrivilegeEscalation") && !sc["allowPrivilegeEscalation"].get<bool>());
  const Json& caps = field(sc, "capabilities");
  for (const auto& c : caps.value("add", Json::array())) security->mutable_capabilities()->add_add_capabilities(c.get<std::string>());
  for (const auto& c : caps.value("drop", Json::array())) security->mutable_capabilities()->add_drop_capabilities(c.get<std::string>());
  if (!privileged) {
    for (const char* path : {"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                             "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                             "/sys/firmware", "/sys/devices/virtual/powercap"})
      security->add_masked_paths(path);
    for (const char* path : {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"})
      security->add_readonly_paths(path);
  }
  return config;
}

}  // namespace k3s::kubelet
