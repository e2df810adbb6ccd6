#include <functional>

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

void check(const pb::Descriptor* d, const Json& value, const std::string& path, std::vector<std::string>& out) {
  if (!value.is_object() || special_of(d) != Special::kNone) return;
  const auto& fields = json_fields(d);
  const bool type_meta = has_type_meta(d);
  for (const auto& [key, v] : value.items()) {
    if (type_meta && (key == "apiVersion" || key == "kind")) continue;
    const JsonField* jf = nullptr;
    for (const auto& candidate : fields)
      if (candidate.name == key) jf = &candidate;
    if (jf == nullptr) {
      out.push_back(join(path, key));
      continue;
    }
    const auto* f = jf->field;
    if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_map()) {
      const auto* value_field = f->message_type()->map_value();
      if (value_field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE || !v.is_object()) continue;
      for (const auto& [k, e] : v.items()) check(value_field->message_type(), e, join(join(path, key), k), out);
    } else if (f->is_repeated()) {
      if (!v.is_array()) continue;
      for (std::size_t i = 0; i < v.size(); ++i)
        check(f->message_type(), v[i], join(path, key) + "[" + std::to_string(i) + "]", out);
    } else {
      check(f->message_type(), v, join(path, key), out);
    }
  }
}

}  // namespace

std::vector<std::string> unknown_fields(const Kind& kind, const Json& object) {
  std::vector<std::string> out;
  if (!object.is_object()) return out;
  if (const pb::Descriptor* d = kind_message(kind.group, kind.version, kind.kind)) {
    check(d, object, "", out);
    return out;
  }
  auto allowed = top_level_fields_without_message(kind);
  for (const auto& [key, value] : object.items())
    if (!allowed.count(key)) out.push_back(key);
  if (object.contains("metadata")) {
    const pb::Descriptor* meta = descriptor_pool().FindMessageTypeByName(
        "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    check(meta, object["metadata"], "metadata", out);
  }
  return out;
}

}  // namespace k3s::schema
