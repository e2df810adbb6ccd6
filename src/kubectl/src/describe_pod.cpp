// describe pod, and the pod spec parts (containers, volumes, tolerations) the workload
// describers print under "Pod Template:". Fields are printed as stored: kubectl applies no
// defaults of its own, so neither do we.
#include <algorithm>
#include <cmath>
#include <functional>

#include "describe.h"
#include "object/pod_resources.h"
#include "object/quantity.h"

namespace k3s::kubectl::describe {
namespace {

std::string int_text(const Json& v) { return v.is_number() ? std::to_string(v.get<long long>()) : "0"; }
std::string bool_text(bool v) { return v ? "true" : "false"; }
// IntOrString as Go prints it.
std::string int_or_string(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return std::to_string(v.get<long long>());
  return "0";
}
std::string time_text(const std::string& rfc3339) {
  return rfc3339.empty() ? "Mon, 01 Jan 0001 00:00:00 +0000" : rfc1123(rfc3339);
}

// The value a fieldRef env var resolves to on this pod (kubectl's EnvValueRetriever).
using Resolver = std::function<std::string(const Json& field_ref)>;

// kubectl resolves a field only when it is both a pod field-selector label and a field its
// field-path extraction knows: the pod's name and namespace.
std::string resolve_field(const Json& pod, const std::string& path) {
  if (path == "metadata.name") return object::name_of(pod);
  if (path == "metadata.namespace") return object::namespace_of(pod);
  return "";
}

// A resourceFieldRef's value from the container's own requests and limits.
std::string resource_field_value(const Json& ref, const Json& container) {
  std::string resource = str_of(ref, "resource");
  auto dot = resource.find('.');
  if (dot == std::string::npos) return "";
  std::string kind = resource.substr(0, dot), name = resource.substr(dot + 1);
  try {
    object::Quantity divisor = ref.contains("divisor") ? object::Quantity::from_json(ref["divisor"]) : object::Quantity(1, object::QuantityFormat::decimal_si);
    const Json list = field_of(field_of(container, "resources"), kind.c_str());
    object::Quantity q = list.contains(name) ? object::Quantity::from_json(list[name]) : object::Quantity();
    if (divisor.is_zero()) divisor = object::Quantity(1, object::QuantityFormat::decimal_si);
    double v = name == "cpu" ? std::ceil(static_cast<double>(q.milli_value()) / static_cast<double>(divisor.milli_value()))
                             : std::ceil(static_cast<double>(q.value()) / static_cast<double>(divisor.value()));
    return std::to_string(static_cast<long long>(v));
  } catch (const object::QuantityError&) {
    return "";
  }
}

std::string probe_text(const Json& p) {
  std::string attrs = "delay=" + int_text(p.value("initialDelaySeconds", Json())) + "s timeout=" +
                      int_text(p.value("timeoutSeconds", Json())) + "s period=" + int_text(p.value("periodSeconds", Json())) +
                      "s #success=" + int_text(p.value("successThreshold", Json())) + " #failure=" +
                      int_text(p.value("failureThreshold", Json()));
  if (p.contains("exec")) {
    std::string cmd;
    for (const auto& c : field_of(p, "exec").value("command", Json::array())) cmd += (cmd.empty() ? "" : " ") + c.get<std::string>();
    return "exec [" + cmd + "] " + attrs;
  }
  if (p.contains("httpGet")) {
    const Json h = field_of(p, "httpGet");
    std::string scheme = str_of(h, "scheme");
    for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string port = h.contains("port") ? int_or_string(h["port"]) : "";
    std::string host = str_of(h, "host");
    if (host.find(':') != std::string::npos && !port.empty()) host = "[" + host + "]";
    std::string url = (scheme.empty() ? "" : scheme + ":") + "//" + host + (port.empty() ? "" : ":" + port) + str_of(h, "path");
    return "http-get " + url + " " + attrs;
  }
  if (p.contains("tcpSocket")) {
    const Json t = field_of(p, "tcpSocket");
    return "tcp-socket " + str_of(t, "host") + ":" + int_or_string(t.value("port", Json())) + " " + attrs;
  }
  if (p.contains("grpc")) {
    const Json g = field_of(p, "grpc");
    return "grpc <pod>:" + int_text(g.value("port", Json())) + " " + str_of(g, "service") + " " + attrs;
  }
  return "unknown " + attrs;
}

void container_state(Writer& w, const std::string& title, const Json& state) {
  if (state.contains("running")) {
    w.field(2, title, "Running");
    w.field(3, "Started", time_text(str_of(field_of(state, "running"), "startedAt")));
  } else if (state.contains("waiting")) {
    w.field(2, title, "Waiting");
    std::string reason = str_of(field_of(state, "waiting"), "reason");
    if (!reason.empty()) w.field(3, "Reason", reason);
  } else if (state.contains("terminated")) {
    const Json t = field_of(state, "terminated");
    w.field(2, title, "Terminated");
    if (!str_of(t, "reason").empty()) w.field(3, "Reason", str_of(t, "reason"));
    if (!str_of(t, "message").empty()) w.field(3, "Message", str_of(t, "message"));
    w.field(3, "Exit Code", int_text(t.value("exitCode", Json())));
    if (t.value("signal", 0) > 0) w.field(3, "Signal", int_text(t["signal"]));
    w.field(3, "Started", time_text(str_of(t, "startedAt")));
    w.field(3, "Finished", time_text(str_of(t, "finishedAt")));
  } else {
    w.field(2, title, "Waiting");
  }
}

void resource_list(Writer& w, const char* title, const Json& list) {
  if (!list.is_object() || list.empty()) return;
  w.line(2, std::string(title) + ":");
  for (const auto& [name, v] : list.items()) {
    std::string text;
    try {
      text = object::Quantity::from_json(v).to_string();
    } catch (const object::QuantityError&) {
      text = v.is_string() ? v.get<std::string>() : v.dump();
    }
    w.field(3, name, text);
  }
}

void split_lines(Writer& w, int level, const std::string& text) {
  std::size_t start = 0;
  while (true) {
    auto nl = text.find('\n', start);
    w.line(level, text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
}

void container_env(Writer& w, const Json& c, const Resolver& resolve) {
  auto env_from = c.value("envFrom", Json::array());
  if (!env_from.empty()) {
    w.line(2, "Environment Variables from:");
    for (const auto& e : env_from) {
      std::string from, name;
      bool optional = false;
      for (const auto& [key, word] : {std::pair{"configMapRef", "ConfigMap"}, std::pair{"secretRef", "Secret"}}) {
        if (!e.contains(key)) continue;
        from = word;
        name = str_of(e[key], "name");
        optional = e[key].value("optional", false);
      }
      std::string prefix = str_of(e, "prefix");
      w.line(3, name + "\t" + from + (prefix.empty() ? "" : " with prefix '" + prefix + "'") + "\tOptional: " + bool_text(optional));
    }
  }
  auto env = c.value("env", Json::array());
  if (env.empty()) {
    w.field(2, "Environment", "<none>");
    return;
  }
  w.line(2, "Environment:");
  for (const auto& e : env) {
    std::string name = str_of(e, "name");
    if (!e.contains("valueFrom") || e["valueFrom"].is_null()) {
      std::string value = str_of(e, "value");
      std::size_t start = 0;
      bool first = true;
      while (true) {
        auto nl = value.find('\n', start);
        std::string part = value.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        w.line(3, (first ? name + ":" : std::string()) + "\t" + part);
        first = false;
        if (nl == std::string::npos) break;
        start = nl + 1;
      }
      continue;
    }
    const Json from = e["valueFrom"];
    if (from.contains("fieldRef")) {
      const Json ref = field_of(from, "fieldRef");
      std::string value = resolve ? resolve(ref) : "";
      w.field(3, name, value + " (" + str_of(ref, "apiVersion") + ":" + str_of(ref, "fieldPath") + ")");
    } else if (from.contains("resourceFieldRef")) {
      const Json ref = field_of(from, "resourceFieldRef");
      std::string resource = str_of(ref, "resource");
      std::string value = resource_field_value(ref, c);
      if (value == "0" && (resource == "limits.cpu" || resource == "limits.memory")) value = "node allocatable";
      w.field(3, name, value + " (" + resource + ")");
    } else if (from.contains("secretKeyRef")) {
      const Json ref = field_of(from, "secretKeyRef");
      w.field(3, name, "<set to the key '" + str_of(ref, "key") + "' in secret '" + str_of(ref, "name") + "'>\tOptional: " +
                           bool_text(ref.value("optional", false)));
    } else if (from.contains("configMapKeyRef")) {
      const Json ref = field_of(from, "configMapKeyRef");
      w.field(3, name, "<set to the key '" + str_of(ref, "key") + "' of config map '" + str_of(ref, "name") + "'>\tOptional: " +
                           bool_text(ref.value("optional", false)));
    } else {
      w.field(3, name, "<unknown>");
    }
  }
}

void container_mounts(Writer& w, const Json& c) {
  auto mounts = c.value("volumeMounts", Json::array());
  if (mounts.empty()) {
    w.field(2, "Mounts", "<none>");
  } else {
    std::stable_sort(mounts.begin(), mounts.end(), [](const Json& a, const Json& b) { return str_of(a, "mountPath") < str_of(b, "mountPath"); });
    w.line(2, "Mounts:");
    for (const auto& m : mounts) {
      std::string flags = m.value("readOnly", false) ? "ro" : "rw";
      if (!str_of(m, "subPath").empty()) flags += ",path=\"" + str_of(m, "subPath") + "\"";
      w.line(3, str_of(m, "mountPath") + " from " + str_of(m, "name") + " (" + flags + ")");
    }
  }
  auto devices = c.value("volumeDevices", Json::array());
  if (!devices.empty()) {
    w.line(2, "Devices:");
    for (const auto& d : devices) w.line(3, str_of(d, "devicePath") + " from " + str_of(d, "name"));
  }
}

// describeContainers: `title` at `level` (0 for pods, 1 under a template, whose container
// names get one more space).
void containers(Writer& w, int level, const std::string& title, const Json& list, const Json& statuses,
                const Resolver& resolve) {
  w.line(level, title + ":");
  const std::string indent = level > 0 ? " " : "";
  for (const auto& c : list) {
    const std::string name = str_of(c, "name");
    const Json* status = nullptr;
    for (const auto& s : statuses) {
      if (str_of(s, "name") == name) status = &s;
    }
    w.line(1, indent + name + ":");
    if (status) w.field(2, "Container ID", str_of(*status, "containerID"));
    w.field(2, "Image", str_of(c, "image"));
    if (status) w.field(2, "Image ID", str_of(*status, "imageID"));
    std::string ports, host_ports;
    for (const auto& p : c.value("ports", Json::array())) {
      ports += (ports.empty() ? "" : ", ") + int_text(p.value("containerPort", Json())) + "/" + str_of(p, "protocol");
      host_ports += (host_ports.empty() ? "" : ", ") + int_text(p.value("hostPort", Json())) + "/" + str_of(p, "protocol");
    }
    if (ports.find(',') != std::string::npos) w.field(2, "Ports", ports);
    else w.field(2, "Port", ports.empty() ? "<none>" : ports);
    if (host_ports.find(',') != std::string::npos) w.field(2, "Host Ports", host_ports);
    else w.field(2, "Host Port", host_ports.empty() ? "<none>" : host_ports);
    for (const auto& [key, word] : {std::pair{"command", "Command"}, std::pair{"args", "Args"}}) {
      auto items = c.value(key, Json::array());
      if (items.empty()) continue;
      w.line(2, std::string(word) + ":");
      for (const auto& x : items) split_lines(w, 3, x.get<std::string>());
    }
    if (status) {
      container_state(w, "State", field_of(*status, "state"));
      if (field_of(*status, "lastState").contains("terminated")) container_state(w, "Last State", field_of(*status, "lastState"));
      w.field(2, "Ready", status->value("ready", false) ? "True" : "False");
      w.field(2, "Restart Count", int_text(status->value("restartCount", Json())));
    }
    const Json resources = field_of(c, "resources");
    resource_list(w, "Limits", field_of(resources, "limits"));
    resource_list(w, "Requests", field_of(resources, "requests"));
    for (const auto& [key, word] : {std::pair{"livenessProbe", "Liveness"}, std::pair{"readinessProbe", "Readiness"}, std::pair{"startupProbe", "Startup"}}) {
      if (c.contains(key) && c[key].is_object()) w.field(2, word, probe_text(c[key]));
    }
    container_env(w, c, resolve);
    container_mounts(w, c);
  }
}

// A map kubectl prints through a writer that indents every write, also those that continue
// a line: four more spaces before each entry, and (for CSI attributes) none before <none>.
void indented_map(Writer& w, const std::string& title, const object::StringMap& values, const std::string& none,
                  const std::string& separator = "=") {
  if (values.empty()) {
    w.line(2, title + ":\t" + none);
    return;
  }
  bool first = true;
  for (const auto& [k, x] : values) {
    w.line(2, (first ? title + ":" : "    ") + "\t    " + k + separator + x);
    first = false;
  }
}

void volume_source(Writer& w, const Json& v) {
  auto optional = [](const Json& src) { return bool_text(src.value("optional", false)); };
  if (v.contains("emptyDir")) {
    const Json s = field_of(v, "emptyDir");
    w.field(2, "Type", "EmptyDir (a temporary directory that shares a pod's lifetime)");
    w.field(2, "Medium", str_of(s, "medium"));
    std::string limit = "<unset>";
    if (s.contains("sizeLimit")) {
      try {
        limit = object::Quantity::from_json(s["sizeLimit"]).to_string();
      } catch (const object::QuantityError&) {
      }
    }
    w.field(2, "SizeLimit", limit);
  } else if (v.contains("hostPath")) {
    const Json s = field_of(v, "hostPath");
    w.field(2, "Type", "HostPath (bare host directory volume)");
    w.field(2, "Path", str_of(s, "path"));
    w.field(2, "HostPathType", str_of(s, "type"));
  } else if (v.contains("secret")) {
    const Json s = field_of(v, "secret");
    w.field(2, "Type", "Secret (a volume populated by a Secret)");
    w.field(2, "SecretName", str_of(s, "secretName"));
    w.field(2, "Optional", optional(s));
  } else if (v.contains("configMap")) {
    const Json s = field_of(v, "configMap");
    w.field(2, "Type", "ConfigMap (a volume populated by a ConfigMap)");
    w.field(2, "Name", str_of(s, "name"));
    w.field(2, "Optional", optional(s));
  } else if (v.contains("persistentVolumeClaim")) {
    const Json s = field_of(v, "persistentVolumeClaim");
    w.field(2, "Type", "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)");
    w.field(2, "ClaimName", str_of(s, "claimName"));
    w.field(2, "ReadOnly", bool_text(s.value("readOnly", false)));
  } else if (v.contains("projected")) {
    w.field(2, "Type", "Projected (a volume that contains injected data from multiple sources)");
    for (const auto& src : field_of(v, "projected").value("sources", Json::array())) {
      if (src.contains("secret")) {
        w.field(2, "SecretName", str_of(src["secret"], "name"));
        w.field(2, "Optional", optional(src["secret"]));
      } else if (src.contains("downwardAPI")) {
        w.field(2, "DownwardAPI", "true");
      } else if (src.contains("configMap")) {
        w.field(2, "ConfigMapName", str_of(src["configMap"], "name"));
        w.field(2, "Optional", optional(src["configMap"]));
      } else if (src.contains("serviceAccountToken")) {
        w.field(2, "TokenExpirationSeconds", int_text(src["serviceAccountToken"].value("expirationSeconds", Json())));
      }
    }
  } else if (v.contains("downwardAPI")) {
    w.field(2, "Type", "DownwardAPI (a volume populated by information about the pod)");
    w.line(2, "Items:");
    for (const auto& item : field_of(v, "downwardAPI").value("items", Json::array())) {
      if (item.contains("fieldRef")) {
        w.line(3, str_of(item["fieldRef"], "fieldPath") + " -> " + str_of(item, "path"));
      } else if (item.contains("resourceFieldRef")) {
        w.line(3, str_of(item["resourceFieldRef"], "resource") + " -> " + str_of(item, "path"));
      }
    }
  } else if (v.contains("nfs")) {
    const Json s = field_of(v, "nfs");
    w.field(2, "Type", "NFS (an NFS mount that lasts the lifetime of a pod)");
    w.field(2, "Server", str_of(s, "server"));
    w.field(2, "Path", str_of(s, "path"));
    w.field(2, "ReadOnly", bool_text(s.value("readOnly", false)));
  } else if (v.contains("csi")) {
    const Json s = field_of(v, "csi");
    w.field(2, "Type", "CSI (a Container Storage Interface (CSI) volume source)");
    w.field(2, "Driver", str_of(s, "driver"));
    w.field(2, "FSType", str_of(s, "fsType"));
    w.field(2, "ReadOnly", bool_text(s.value("readOnly", false)));
    object::StringMap attributes;
    const Json attrs = field_of(s, "volumeAttributes");
    for (const auto& [k, x] : attrs.items()) attributes[k] = x.is_string() ? x.get<std::string>() : x.dump();
    indented_map(w, "VolumeAttributes", attributes, "<none>");
  } else if (v.contains("ephemeral")) {
    const Json pvc = field_of(field_of(v, "ephemeral"), "volumeClaimTemplate");
    const Json spec = field_of(pvc, "spec");
    w.field(2, "Type", "EphemeralVolume (an inline specification for a volume that gets created and deleted with the pod)");
    std::string storage_class = str_of(spec, "storageClassName");
    if (!spec.contains("storageClassName")) {
      storage_class = str_of(field_of(field_of(pvc, "metadata"), "annotations"), "volume.beta.kubernetes.io/storage-class");
    }
    w.field(2, "StorageClass", storage_class);
    w.field(2, "Volume", str_of(spec, "volumeName"));
    indented_map(w, "Labels", object::labels_of(pvc), "    <none>");
    object::StringMap annotations = object::annotations_of(pvc);
    annotations.erase("kubectl.kubernetes.io/last-applied-configuration");
    indented_map(w, "Annotations", annotations, "    <none>", ": ");
    w.field(2, "Capacity", str_of(spec, "volumeName").empty() ? "" : "0");
    w.field(2, "Access Modes", "");
    if (!str_of(spec, "volumeMode").empty()) w.field(2, "VolumeMode", str_of(spec, "volumeMode"));
  } else {
    w.line(1, "<unknown>");
  }
}

// describeVolumes: at level 0 for pods, under a template one level down with names one
// space further in.
void volumes(Writer& w, int level, const Json& list) {
  if (!list.is_array() || list.empty()) {
    w.field(level, "Volumes", "<none>");
    return;
  }
  w.line(level, "Volumes:");
  for (const auto& v : list) {
    w.line(1, std::string(level > 0 ? " " : "") + str_of(v, "name") + ":");
    volume_source(w, v);
  }
}

void tolerations(Writer& w, int level, Json list) {
  if (!list.is_array() || list.empty()) {
    w.field(level, "Tolerations", "<none>");
    return;
  }
  std::stable_sort(list.begin(), list.end(), [](const Json& a, const Json& b) { return str_of(a, "key") < str_of(b, "key"); });
  bool first = true;
  for (const auto& t : list) {
    std::string key = str_of(t, "key"), value = str_of(t, "value"), effect = str_of(t, "effect");
    std::string text = key;
    if (!value.empty()) text += "=" + value;
    if (!effect.empty()) text += ":" + effect;
    if (str_of(t, "operator") == "Exists" && value.empty()) text += key.empty() && effect.empty() ? "op=Exists" : " op=Exists";
    if (t.contains("tolerationSeconds") && t["tolerationSeconds"].is_number()) text += " for " + int_text(t["tolerationSeconds"]) + "s";
    w.line(level, (first ? "Tolerations:\t" : "\t") + text);
    first = false;
  }
}

void node_selectors(Writer& w, int level, const Json& spec) {
  object::StringMap selectors;
  const Json node_selector = field_of(spec, "nodeSelector");
  for (const auto& [k, v] : node_selector.items()) selectors[k] = v.get<std::string>();
  w.map(level, "Node-Selectors", selectors);
}

}  // namespace

void pod_template(Writer& w, const Json& tmpl) {
  w.line(0, "Pod Template:");
  w.map(1, "Labels", object::labels_of(tmpl));
  auto annotations = object::annotations_of(tmpl);
  if (!annotations.empty()) w.annotations(1, "Annotations", annotations);
  const Json spec = field_of(tmpl, "spec");
  if (!str_of(spec, "serviceAccountName").empty()) w.field(1, "Service Account", str_of(spec, "serviceAccountName"));
  if (!spec.value("initContainers", Json::array()).empty()) containers(w, 1, "Init Containers", spec["initContainers"], Json::array(), nullptr);
  containers(w, 1, "Containers", spec.value("containers", Json::array()), Json::array(), nullptr);
  volumes(w, 1, spec.value("volumes", Json::array()));
  node_selectors(w, 1, spec);
  tolerations(w, 1, spec.value("tolerations", Json::array()));
}

std::string pod(Session& session, const Json& o) {
  Writer w;
  const Json meta = field_of(o, "metadata"), spec = field_of(o, "spec"), status = field_of(o, "status");
  w.field(0, "Name", str_of(meta, "name"));
  w.field(0, "Namespace", str_of(meta, "namespace"));
  if (spec.contains("priority") && spec["priority"].is_number()) w.field(0, "Priority", int_text(spec["priority"]));
  if (!str_of(spec, "priorityClassName").empty()) w.field(0, "Priority Class Name", str_of(spec, "priorityClassName"));
  if (!str_of(spec, "runtimeClassName").empty()) w.field(0, "Runtime Class Name", str_of(spec, "runtimeClassName"));
  w.field(0, "Service Account", str_of(spec, "serviceAccountName"));
  std::string node = str_of(spec, "nodeName");
  w.field(0, "Node", node.empty() ? "<none>" : node + "/" + str_of(status, "hostIP"));
  if (!str_of(status, "startTime").empty()) w.field(0, "Start Time", rfc1123(str_of(status, "startTime")));
  w.map(0, "Labels", object::labels_of(o));
  w.annotations(0, "Annotations", object::annotations_of(o));
  if (!str_of(meta, "deletionTimestamp").empty()) {
    w.field(0, "Status", "Terminating (lasts " + age_since(str_of(meta, "deletionTimestamp")) + ")");
    w.field(0, "Termination Grace Period", int_text(meta.value("deletionGracePeriodSeconds", Json())) + "s");
  } else {
    w.field(0, "Status", str_of(status, "phase"));
  }
  if (!str_of(status, "reason").empty()) w.field(0, "Reason", str_of(status, "reason"));
  if (!str_of(status, "message").empty()) w.field(0, "Message", str_of(status, "message"));
  const Json seccomp = field_of(field_of(spec, "securityContext"), "seccompProfile");
  if (!seccomp.empty()) {
    w.field(0, "SeccompProfile", str_of(seccomp, "type"));
    if (!str_of(seccomp, "localhostProfile").empty()) w.field(0, "LocalhostProfile", str_of(seccomp, "localhostProfile"));
  }
  w.field(0, "IP", str_of(status, "podIP"));
  auto pod_ips = status.value("podIPs", Json::array());
  if (pod_ips.empty()) {
    w.field(0, "IPs", "<none>");
  } else {
    w.line(0, "IPs:");
    for (const auto& ip : pod_ips) w.field(1, "IP", str_of(ip, "ip"));
  }
  std::string controller = controller_of(o);
  if (!controller.empty()) w.field(0, "Controlled By", controller);
  if (!str_of(status, "nominatedNodeName").empty()) w.field(0, "NominatedNodeName", str_of(status, "nominatedNodeName"));
  Resolver resolve = [&o](const Json& ref) { return resolve_field(o, str_of(ref, "fieldPath")); };
  if (!spec.value("initContainers", Json::array()).empty()) {
    containers(w, 0, "Init Containers", spec["initContainers"], status.value("initContainerStatuses", Json::array()), resolve);
  }
  containers(w, 0, "Containers", spec.value("containers", Json::array()), status.value("containerStatuses", Json::array()), resolve);
  auto conditions = status.value("conditions", Json::array());
  auto gates = spec.value("readinessGates", Json::array());
  if (!gates.empty()) {
    w.line(0, "Readiness Gates:");
    w.line(1, "Type\tStatus");
    for (const auto& g : gates) {
      std::string type = str_of(g, "conditionType"), state = "<none>";
      for (const auto& c : conditions) {
        if (str_of(c, "type") == type) state = str_of(c, "status");
      }
      w.line(1, type + " \t" + state + " ");
    }
  }
  if (!conditions.empty()) {
    w.line(0, "Conditions:");
    w.line(1, "Type\tStatus");
    for (const auto& c : conditions) w.line(1, str_of(c, "type") + " \t" + str_of(c, "status") + " ");
  }
  volumes(w, 0, spec.value("volumes", Json::array()));
  std::string qos = str_of(status, "qosClass");
  w.field(0, "QoS Class", qos.empty() ? object::pod_qos_class(o) : qos);
  node_selectors(w, 0, spec);
  tolerations(w, 0, spec.value("tolerations", Json::array()));
  events_section(session, w, o);
  return w.text();
}

}  // namespace k3s::kubectl::describe
