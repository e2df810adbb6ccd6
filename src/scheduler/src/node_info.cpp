#include "node_info.h"

#include <algorithm>

#include "object/meta.h"

namespace k3s::scheduler {

namespace {

std::string label_slot(const std::string& ns, const std::string& key, const std::string& value) {
  std::string slot;
  slot.reserve(ns.size() + key.size() + value.size() + 2);
  slot.append(ns).push_back('\0');
  slot.append(key).push_back('\0');
  slot.append(value);
  return slot;
}

const Json& field(const Json& obj, const char* key) {
  static const Json null_json;
  if (!obj.is_object()) return null_json;
  auto it = obj.find(key);
  return it == obj.end() ? null_json : *it;
}

std::string string_field(const Json& obj, const char* key) {
  const Json& v = field(obj, key);
  return v.is_string() ? v.get<std::string>() : std::string{};
}

template <typename T>
bool erase_uid(std::vector<T>& pods, const std::string& uid) {
  auto it = std::find_if(pods.begin(), pods.end(), [&](const T& p) { return p->uid == uid; });
  if (it == pods.end()) return false;
  pods.erase(it);
  return true;
}

}  // namespace

NodeChange NodeInfo::set_node(std::shared_ptr<const Json> node) {
  NodeChange change;
  change.added = node_ == nullptr;
  const Json& spec = field(*node, "spec");
  const Json& status = field(*node, "status");

  StringMap labels = object::labels_of(*node);
  std::vector<Taint> taints;
  if (const Json& ts = field(spec, "taints"); ts.is_array()) {
    for (const Json& t : ts) taints.push_back({string_field(t, "key"), string_field(t, "value"), string_field(t, "effect")});
  }
  bool unschedulable = field(spec, "unschedulable").is_boolean() && field(spec, "unschedulable").get<bool>();
  std::string ready;
  if (const Json& conds = field(status, "conditions"); conds.is_array()) {
    for (const Json& c : conds) {
      if (string_field(c, "type") == "Ready") ready = string_field(c, "status");
    }
  }
  const Json& alloc_json = field(status, "allocatable").is_object() ? field(status, "allocatable") : field(status, "capacity");
  Resources allocatable = parse_resource_list(alloc_json);
  std::map<std::string, std::int64_t> images;
  if (const Json& imgs = field(status, "images"); imgs.is_array()) {
    for (const Json& img : imgs) {
      std::int64_t size = field(img, "sizeBytes").is_number_integer() ? field(img, "sizeBytes").get<std::int64_t>() : 0;
      if (const Json& names = field(img, "names"); names.is_array()) {
        for (const Json& n : names) {
          if (n.is_string()) images[normalize_image_name(n.get<std::string>())] = size;
        }
      }
    }
  }

  change.labels = change.added || labels != labels_;
  change.taints = change.added || taints != taints_;
  change.unschedulable = change.added || unschedulable != unschedulable_;
  change.ready = change.added || ready != ready_status_;
  change.allocatable = change.added || !(allocatable == allocatable_);
  change.images = change.added || images != images_;

  node_ = std::move(node);
  labels_ = std::move(labels);
  taints_ = std::move(taints);
  unschedulable_ = unschedulable;
  ready_status_ = std::move(ready);
  allocatable_ = std::move(allocatable);
  images_ = std::move(images);
  return change;
}

void NodeInfo::add_pod(PodInfoPtr pod) {
  requested_.add(pod->requests.requests);
  non_zero_requested_.add(pod->requests.non_zero_requests);
  used_ports_.insert(used_ports_.end(), pod->host_ports.begin(), pod->host_ports.end());
  if (!pod->controller_uid.empty() && !pod->terminating) controller_counts_[pod->controller_uid]++;
  if (!pod->terminating) {
    for (const auto& [k, v] : pod->labels) label_counts_[label_slot(pod->namespace_, k, v)]++;
  }
  if (pod->has_affinity()) pods_with_affinity_.push_back(pod);
  if (!pod->required_anti_affinity.empty()) pods_with_anti_affinity_.push_back(pod);
  pods_.push_back(std::move(pod));
}

int NodeInfo::pods_of_controller(const std::string& controller_uid) const {
  auto it = controller_counts_.find(controller_uid);
  return it == controller_counts_.end() ? 0 : it->second;
}

int NodeInfo::pods_with_label(const std::string& ns, const std::string& key, const std::string& value) const {
  auto it = label_counts_.find(label_slot(ns, key, value));
  return it == label_counts_.end() ? 0 : it->second;
}

bool NodeInfo::remove_pod(const std::string& uid) {
  auto it = std::find_if(pods_.begin(), pods_.end(), [&](const PodInfoPtr& p) { return p->uid == uid; });
  if (it == pods_.end()) return false;
  PodInfoPtr pod = *it;
  pods_.erase(it);
  if (!pod->controller_uid.empty() && !pod->terminating) {
    auto cit = controller_counts_.find(pod->controller_uid);
    if (cit != controller_counts_.end() && --cit->second <= 0) controller_counts_.erase(cit);
  }
  if (!pod->terminating) {
    for (const auto& [k, v] : pod->labels) {
      auto lit = label_counts_.find(label_slot(pod->namespace_, k, v));
      if (lit != label_counts_.end() && --lit->second <= 0) label_counts_.erase(lit);
    }
  }
  erase_uid(pods_with_affinity_, uid);
  erase_uid(pods_with_anti_affinity_, uid);
  requested_.subtract(pod->requests.requests);
  non_zero_requested_.subtract(pod->requests.non_zero_requests);
  for (const auto& p : pod->host_ports) {
    auto pit = std::find_if(used_ports_.begin(), used_ports_.end(), [&](const HostPort& u) {
      return u.port == p.port && u.protocol == p.protocol && u.ip == p.ip;
    });
    if (pit != used_ports_.end()) used_ports_.erase(pit);
  }
  return true;
}

}  // namespace k3s::scheduler
