#include <functional>
#include <type_traits>

#include "descriptors.h"
#include "schema/proto_json.h"
#include "schema/schema.h"

namespace k3s::schema {

namespace detail {

// Kinds with no compiled message yet: their top-level fields, so strict decoding still
// catches a misspelled top-level key.
std::set<std::string> top_level_fields_without_message(const Kind& type) {
  std::set<std::string> f = {"apiVersion", "kind", "metadata"};
  const std::string k = type.group + "/" + type.kind;
  if (k == "/ConfigMap") return f.merge(std::set<std::string>{"data", "binaryData", "immutable"}), f;
  if (k == "/Secret") return f.merge(std::set<std::string>{"data", "stringData", "type", "immutable"}), f;
  if (k == "/ServiceAccount")
    return f.merge(std::set<std::string>{"secrets", "imagePullSecrets", "automountServiceAccountToken"}), f;
  if (k == "/Endpoints") return f.merge(std::set<std::string>{"subsets"}), f;
  if (k == "/Event" || k == "events.k8s.io/Event")
    return f.merge(std::set<std::string>{"involvedObject", "reason", "message", "source", "firstTimestamp",
                                         "lastTimestamp", "count", "type", "eventTime", "series", "action", "related",
                                         "reportingComponent", "reportingInstance", "regarding", "note",
                                         "reportingController", "deprecatedSource", "deprecatedFirstTimestamp",
                                         "deprecatedLastTimestamp", "deprecatedCount"}),
           f;
  if (k == "/PodTemplate") return f.merge(std::set<std::string>{"template"}), f;
  if (k == "apps/ControllerRevision") return f.merge(std::set<std::string>{"data", "revision"}), f;
  if (k == "discovery.k8s.io/EndpointSlice") return f.merge(std::set<std::string>{"addressType", "endpoints", "ports"}), f;
  if (k == "rbac.authorization.k8s.io/Role" || k == "rbac.authorization.k8s.io/ClusterRole")
    return f.merge(std::set<std::string>{"rules", "aggregationRule"}), f;
  if (k == "rbac.authorization.k8s.io/RoleBinding" || k == "rbac.authorization.k8s.io/ClusterRoleBinding")
    return f.merge(std::set<std::string>{"subjects", "roleRef"}), f;
  if (k == "scheduling.k8s.io/PriorityClass")
    return f.merge(std::set<std::string>{"value", "globalDefault", "description", "preemptionPolicy"}), f;
  if (k == "storage.k8s.io/StorageClass")
    return f.merge(std::set<std::string>{"provisioner", "parameters", "reclaimPolicy", "mountOptions",
                                         "allowVolumeExpansion", "volumeBindingMode", "allowedTopologies"}),
           f;
  if (k == "node.k8s.io/RuntimeClass") return f.merge(std::set<std::string>{"handler", "overhead", "scheduling"}), f;
  return f.merge(std::set<std::string>{"spec", "status"}), f;
}


}  // namespace detail

namespace {

using namespace detail;

std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

// One walk serves both the report and the pruning: `Value` is `const Json` when only
// collecting paths and `Json` when unknown keys are also erased.
template <class Value>
void walk(const pb::Descriptor* d, Value& value, const std::string& path, std::vector<std::string>& out, bool prune) {
  if (!value.is_object() || special_of(d) != Special::kNone) return;
  const auto& fields = json_fields(d);
  const bool type_meta = has_type_meta(d);
  std::vector<std::string> unknown_keys;
  for (auto& [key, v] : value.items()) {
    if (type_meta && (key == "apiVersion" || key == "kind")) continue;
    const JsonField* jf = nullptr;
    for (const auto& candidate : fields)
      if (candidate.name == key) jf = &candidate;
    if (jf == nullptr) {
      out.push_back(join(path, key));
      unknown_keys.push_back(key);
      continue;
    }
    const auto* f = jf->field;
    if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_map()) {
      const auto* value_field = f->message_type()->map_value();
      if (value_field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE || !v.is_object()) continue;
      for (auto& [k, e] : v.items()) walk(value_field->message_type(), e, join(join(path, key), k), out, prune);
    } else if (f->is_repeated()) {
      if (!v.is_array()) continue;
      for (std::size_t i = 0; i < v.size(); ++i)
        walk(f->message_type(), v[i], join(path, key) + "[" + std::to_string(i) + "]", out, prune);
    } else {
      walk(f->message_type(), v, join(path, key), out, prune);
    }
  }
  if constexpr (!std::is_const_v<Value>) {
    if (prune)
      for (const auto& key : unknown_keys) value.erase(key);
  }
}

template <class Value>
std::vector<std::string> walk_object(const Kind& kind, Value& object, bool prune) {
  std::vector<std::string> out;
  if (!object.is_object()) return out;
  if (const pb::Descriptor* d = kind_message(kind.group, kind.version, kind.kind)) {
    walk(d, object, "", out, prune);
    return out;
  }
  auto allowed = top_level_fields_without_message(kind);
  std::vector<std::string> unknown_keys;
  for (const auto& [key, value] : object.items())
    if (!allowed.count(key)) out.push_back(key), unknown_keys.push_back(key);
  if constexpr (!std::is_const_v<Value>) {
    if (prune)
      for (const auto& key : unknown_keys) object.erase(key);
  }
  if (object.contains("metadata")) {
    const pb::Descriptor* meta = descriptor_pool().FindMessageTypeByName(
        "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    walk(meta, object["metadata"], "metadata", out, prune);
  }
  return out;
}

}  // namespace

std::vector<std::string> unknown_fields(const Kind& kind, const Json& object) {
  return walk_object(kind, object, false);
}

std::vector<std::string> prune_unknown_fields(const Kind& kind, Json& object) {
  return walk_object(kind, object, true);
}

}  // namespace k3s::schema
