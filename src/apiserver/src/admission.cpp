#include "admission.h"

#include <arpa/inet.h>

#include <random>

#include "defaults.h"
#include "object/meta.h"
#include "object/validation.h"
#include "status.h"
#include "watch_cache.h"

namespace k3s::apiserver {

void validate_object_meta(const ResourceType& type, const Json& object, bool is_create) {
  object::FieldErrors errors;
  const object::FieldPath meta("metadata");
  const std::string name = object::name_of(object);
  const std::string generate = object::generate_name_of(object);
  auto check = [&](std::string_view value) -> std::vector<std::string> {
    if (type.kind == "Namespace" && type.group.empty()) return object::is_dns1123_label(value);
    if (type.kind == "Service" && type.group.empty()) return object::is_dns1035_label(value);
    if (type.group == "rbac.authorization.k8s.io") return object::is_path_segment_name(value);
    return object::is_dns1123_subdomain(value);
  };
  if (name.empty()) {
    if (generate.empty() || !is_create)
      errors.required(meta.child("name"), "name or generateName is required");
    else
      errors.invalid_each(meta.child("generateName"), generate, check(generate + "a"));
  } else {
    errors.invalid_each(meta.child("name"), name, check(name));
  }
  if (type.namespaced && object::namespace_of(object).empty()) errors.required(meta.child("namespace"));
  if (object.contains("metadata") && object["metadata"].contains("labels"))
    object::labels::validate_labels(object["metadata"]["labels"], meta.child("labels"), errors);
  if (!errors.empty()) {
    Json status = errors.to_invalid_status(type.group, type.kind, name.empty() ? generate : name);
    throw ApiError(422, "Invalid", status.value("message", "invalid object"), status.value("details", Json()));
  }
}

void default_on_create(const ResourceType& type, Json& obj) {
  set_defaults(type, obj);
  const std::string k = type.group + "/" + type.kind;
  if (k == "/Namespace") {
    if (!obj.contains("spec") || !obj["spec"].contains("finalizers")) obj["spec"]["finalizers"] = {"kubernetes"};
    obj["status"] = {{"phase", "Active"}};
  } else if (k == "/Pod") {
    auto& spec = obj["spec"];
    if (!spec.contains("serviceAccountName")) spec["serviceAccountName"] = "default";
    if (!obj.contains("status") || !obj["status"].is_object()) obj["status"] = Json::object();
    if (!obj["status"].contains("phase")) obj["status"]["phase"] = "Pending";
    // DefaultTolerationSeconds admission: a pod stays 300 s on a node that went not-ready or
    // unreachable (the node lifecycle controller's NoExecute taints) unless it says otherwise.
    for (const char* taint : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}) {
      if (!spec.contains("tolerations") || !spec["tolerations"].is_array()) spec["tolerations"] = Json::array();
      bool tolerated = false;
      for (const auto& t : spec["tolerations"]) {
        if (!t.is_object()) continue;
        const std::string key = t.value("key", ""), effect = t.value("effect", "");
        if ((key == taint || key.empty()) && (effect == "NoExecute" || effect.empty())) tolerated = true;
      }
      if (!tolerated)
        spec["tolerations"].push_back(
            {{"key", taint}, {"operator", "Exists"}, {"effect", "NoExecute"}, {"tolerationSeconds", 300}});
    }
  } else if (k == "/Service") {
    // Go writes the status struct of a new Service (its loadBalancer struct) even when empty.
    if (!obj.contains("status")) obj["status"] = {{"loadBalancer", Json::object()}};
  }
}

ServiceAllocator::ServiceAllocator(const std::string& service_cidr, const std::string& node_port_range) {
  auto slash = service_cidr.find('/');
  in_addr addr{};
  int bits = slash == std::string::npos ? -1 : std::atoi(service_cidr.c_str() + slash + 1);
  if (slash == std::string::npos || inet_pton(AF_INET, service_cidr.substr(0, slash).c_str(), &addr) != 1 || bits < 8 ||
      bits > 30)
    throw std::invalid_argument("invalid --service-cidr '" + service_cidr + "': expected an IPv4 CIDR such as 10.43.0.0/16");
  uint32_t mask = bits == 0 ? 0 : ~uint32_t(0) << (32 - bits);
  network_ = ntohl(addr.s_addr) & mask;
  size_ = uint32_t(1) << (32 - bits);
  auto dash = node_port_range.find('-');
  if (dash != std::string::npos) {
    port_lo_ = std::atoi(node_port_range.substr(0, dash).c_str());
    port_hi_ = std::atoi(node_port_range.substr(dash + 1).c_str());
  }
  if (port_lo_ <= 0 || port_hi_ > 65535 || port_lo_ > port_hi_)
    throw std::invalid_argument("invalid --service-node-port-range '" + node_port_range + "'");
  std::random_device rd;
  next_ = 2 + rd() % std::max<uint32_t>(1, size_ - 3);
}

std::string ServiceAllocator::ip_string(uint32_t ip) const {
  in_addr a{};
  a.s_addr = htonl(ip);
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

std::string ServiceAllocator::first_ip() const { return ip_string(network_ + 1); }

void ServiceAllocator::allocate(Json& service, WatchCache* services) {
  auto& spec = service["spec"];
  std::string type = spec.value("type", "ClusterIP");
  std::lock_guard lock(mu_);
  std::set<uint32_t> used_ips = recently_allocated_;
  std::set<int> used_ports;
  if (services) {
    for (const auto& s : services->list({}, 0, "").items) {
      const Json& sp = s->object.value("spec", Json::object());
      in_addr a{};
      if (sp.contains("clusterIP") && sp["clusterIP"].is_string() &&
          inet_pton(AF_INET, sp["clusterIP"].get<std::string>().c_str(), &a) == 1)
        used_ips.insert(ntohl(a.s_addr));
      for (const auto& p : sp.value("ports", Json::array()))
        if (p.contains("nodePort") && p["nodePort"].is_number_integer()) used_ports.insert(p["nodePort"].get<int>());
    }
  }
  const std::string name = service.value("metadata", Json::object()).value("name", "");
  auto invalid_field = [&](const std::string& field, const Json& value, const std::string& detail) {
    object::FieldErrors errors;
    errors.invalid(object::FieldPath(field), value, detail);
    Json st = errors.to_invalid_status("", "Service", name);
    return ApiError(422, "Invalid", st.value("message", ""), st.value("details", Json()));
  };
  if (type != "ExternalName") {
    std::string requested = spec.value("clusterIP", "");
    if (requested == "None") {
      spec["clusterIPs"] = {"None"};
    } else if (!requested.empty()) {
      in_addr a{};
      if (inet_pton(AF_INET, requested.c_str(), &a) != 1)
        throw invalid_field("spec.clusterIPs[0]", requested, "must be a valid IP address");
      uint32_t ip = ntohl(a.s_addr);
      if (ip <= network_ || ip >= network_ + size_ - 1)
        throw invalid_field("spec.clusterIPs[0]", requested,
                            "failed to allocate IP " + requested + ": provided IP is not in the valid range. The range of valid IPs is " +
                                ip_string(network_) + "/" + std::to_string(32 - __builtin_ctz(size_)));
      if (used_ips.count(ip))
        throw invalid_field("spec.clusterIPs[0]", requested,
                            "failed to allocate IP " + requested + ": provided IP is already allocated");
      recently_allocated_.insert(ip);
      spec["clusterIPs"] = {requested};
    } else {
      for (uint32_t tries = 0; tries < size_; ++tries) {
        uint32_t offset = 2 + (next_ + tries) % (size_ - 3);
        uint32_t ip = network_ + offset;
        if (!used_ips.count(ip)) {
          next_ = offset + 1;
          recently_allocated_.insert(ip);
          spec["clusterIP"] = ip_string(ip);
          spec["clusterIPs"] = {ip_string(ip)};
          break;
        }
      }
      if (!spec.contains("clusterIP")) throw ApiError(500, "InternalError", "Internal error occurred: failed to allocate a serviceIP: range is full");
    }
  }
  if (type == "NodePort" || type == "LoadBalancer") {
    if (spec.contains("ports") && spec["ports"].is_array()) {
      std::size_t idx = 0;
      for (auto& p : spec["ports"]) {
        if (p.contains("nodePort") && p["nodePort"].is_number_integer()) {
          int np = p["nodePort"].get<int>();
          if (np < port_lo_ || np > port_hi_)
            throw invalid_field("spec.ports[" + std::to_string(idx) + "].nodePort", np,
                                "provided port is not in the valid range. The range of valid ports is " +
                                    std::to_string(port_lo_) + "-" + std::to_string(port_hi_));
          if (used_ports.count(np))
            throw invalid_field("spec.ports[" + std::to_string(idx) + "].nodePort", np, "provided port is already allocated");
          used_ports.insert(np);
        } else {
          std::random_device rd;
          int span = port_hi_ - port_lo_ + 1;
          int start = static_cast<int>(rd() % static_cast<unsigned>(span));
          for (int t = 0; t < span; ++t) {
            int candidate = port_lo_ + (start + t) % span;
            if (!used_ports.count(candidate)) {
              p["nodePort"] = candidate;
              used_ports.insert(candidate);
              break;
            }
          }
        }
        ++idx;
      }
    }
  }
  if (recently_allocated_.size() > 1024) recently_allocated_.clear();
}

void ServiceAllocator::carry_over(const Json& old_service, Json& service) {
  const Json& old_spec = old_service.value("spec", Json::object());
  auto& spec = service["spec"];
  if ((!spec.contains("clusterIP") || spec["clusterIP"] == "") && old_spec.contains("clusterIP"))
    spec["clusterIP"] = old_spec["clusterIP"];
  if (!spec.contains("clusterIPs") && old_spec.contains("clusterIPs")) spec["clusterIPs"] = old_spec["clusterIPs"];
}

}  // namespace k3s::apiserver
