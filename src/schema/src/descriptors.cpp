#include "descriptors.h"

#include <memory>
#include <mutex>
#include <stdexcept>

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>

#include "proto/kubernetes_descriptors.h"
#include "schema/proto_json.h"

namespace k3s::schema {

namespace detail {

namespace {

constexpr std::string_view kMetaPackage = "k8s.io.apimachinery.pkg.apis.meta.v1";

// The embedded Kubernetes schema, every file built once into a pool of its own, in the set's
// dependency order. Once built, a pool's lookups are safe from any thread.
struct KubernetesSchema {
  pb::DescriptorPool pool;
  std::vector<const pb::FileDescriptor*> files;
};

const KubernetesSchema& kubernetes_schema() {
  static const KubernetesSchema* const schema = [] {
    pb::FileDescriptorSet set;
    std::string_view bytes = proto::kubernetes_descriptor_set();
    if (!set.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      throw std::logic_error("the embedded Kubernetes descriptor set does not parse");
    auto* built = new KubernetesSchema();
    for (const pb::FileDescriptorProto& file : set.file()) {
      const pb::FileDescriptor* descriptor = built->pool.BuildFile(file);
      if (descriptor == nullptr)
        throw std::logic_error("the embedded Kubernetes descriptor set does not build: " + file.name());
      built->files.push_back(descriptor);
    }
    return built;
  }();
  return *schema;
}

const std::vector<const pb::FileDescriptor*>& schema_files() { return kubernetes_schema().files; }

// The API group of a k8s.io.api.<segment>.<version> package.
std::string group_of_package_segment(const std::string& segment) {
  if (segment == "core") return "";
  if (segment == "apps" || segment == "batch" || segment == "autoscaling" || segment == "policy") return segment;
  if (segment == "rbac") return "rbac.authorization.k8s.io";
  if (segment == "flowcontrol") return "flowcontrol.apiserver.k8s.io";
  return segment + ".k8s.io";
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

using PatchTable = std::map<std::pair<std::string, std::string>, object::patch::PatchMeta>;

void walk(const object::patch::PatchSchema& schema, const pb::Descriptor* d, const std::string& prefix,
          std::vector<const pb::Descriptor*>& stack, PatchTable& out) {
  if (special_of(d) != Special::kNone) return;
  for (const auto* s : stack)
    if (s == d) return;
  stack.push_back(d);
  for (const auto& jf : json_fields(d)) {
    std::string path = prefix.empty() ? jf.name : prefix + "." + jf.name;
    auto meta = schema.lookup(path);
    if (!meta.strategies.empty() || !meta.merge_key.empty()) out.emplace(std::make_pair(d->full_name(), jf.name), meta);
    const auto* f = jf.field;
    if (f->is_map() || f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    walk(schema, f->message_type(), f->is_repeated() ? path + "[]" : path, stack, out);
  }
  stack.pop_back();
}

const PatchTable& patch_table() {
  static const PatchTable table = [] {
    PatchTable t;
    for (const auto* file : schema_files()) {
      const std::string& package = file->package();
      if (package.rfind("k8s.io.api.", 0) != 0) continue;
      std::string segment = package.substr(11, package.find('.', 11) - 11);
      std::string group = group_of_package_segment(segment);
      for (int i = 0; i < file->message_type_count(); ++i) {
        const auto* d = file->message_type(i);
        if (!has_type_meta(d)) continue;
        auto schema = object::patch::builtin_patch_schema(group, d->name());
        if (!schema) continue;
        std::vector<const pb::Descriptor*> stack;
        walk(*schema, d, "", stack, t);
      }
    }
    return t;
  }();
  return table;
}

}  // namespace

Special special_of(const pb::Descriptor* d) {
  const std::string& name = d->full_name();
  if (d->file()->package() == kMetaPackage) {
    if (d->name() == "Time") return Special::kTime;
    if (d->name() == "MicroTime") return Special::kMicroTime;
    if (d->name() == "FieldsV1") return Special::kFieldsV1;
    if (d->name() == "Duration") return Special::kDuration;
  }
  if (name == "k8s.io.apimachinery.pkg.api.resource.Quantity") return Special::kQuantity;
  if (name == "k8s.io.apimachinery.pkg.util.intstr.IntOrString") return Special::kIntOrString;
  if (name == "k8s.io.apimachinery.pkg.runtime.RawExtension") return Special::kRawExtension;
  // Go slice types (type ExtraValue []string) travel as a message with one repeated field.
  if (d->name() == "ExtraValue" || d->name() == "AttestationValue") return Special::kStringList;
  return Special::kNone;
}

std::string definition_name(const pb::Descriptor* d) {
  const std::string& full = d->full_name();
  if (full.rfind("k8s.io.", 0) == 0) return "io.k8s." + full.substr(7);
  return full;
}

bool has_type_meta(const pb::Descriptor* d) {
  const auto* meta = d->FindFieldByName("metadata");
  if (meta == nullptr || meta->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) return false;
  const std::string& type = meta->message_type()->name();
  if (type != "ObjectMeta" && type != "ListMeta") return false;
  // Templates embed ObjectMeta without TypeMeta.
  return !ends_with(d->name(), "TemplateSpec") && d->name() != "PersistentVolumeClaimTemplate";
}

const std::vector<JsonField>& json_fields(const pb::Descriptor* d) {
  static std::mutex mu;
  static std::map<const pb::Descriptor*, std::vector<JsonField>> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(d);
  if (it != cache.end()) return it->second;
  std::vector<JsonField> out;
  std::vector<const pb::Descriptor*> pending = {d};
  // Inlined structs contribute their fields in place, recursively.
  std::function<void(const pb::Descriptor*)> add = [&](const pb::Descriptor* m) {
    for (int i = 0; i < m->field_count(); ++i) {
      const auto* f = m->field(i);
      if (is_inlined(f))
        add(f->message_type());
      else
        out.push_back({json_field_name(f), f});
    }
  };
  add(d);
  return cache.emplace(d, std::move(out)).first->second;
}

object::patch::PatchMeta patch_meta(const pb::Descriptor* d, const std::string& field) {
  const auto& t = patch_table();
  auto it = t.find({d->full_name(), field});
  return it == t.end() ? object::patch::PatchMeta{} : it->second;
}

const std::vector<std::string>* required_fields(const pb::Descriptor* d) {
  // Facts from Kubernetes' published OpenAPI ("required" lists), for the types people explain
  // and write most.
  static const std::map<std::string, std::vector<std::string>, std::less<>> table = {
      {"k8s.io.api.core.v1.PodSpec", {"containers"}},
      {"k8s.io.api.core.v1.Container", {"name"}},
      {"k8s.io.api.core.v1.EphemeralContainer", {"name"}},
      {"k8s.io.api.core.v1.ContainerPort", {"containerPort"}},
      {"k8s.io.api.core.v1.EnvVar", {"name"}},
      {"k8s.io.api.core.v1.VolumeMount", {"name", "mountPath"}},
      {"k8s.io.api.core.v1.VolumeDevice", {"name", "devicePath"}},
      {"k8s.io.api.core.v1.Volume", {"name"}},
      {"k8s.io.api.core.v1.KeyToPath", {"key", "path"}},
      {"k8s.io.api.core.v1.ConfigMapKeySelector", {"key"}},
      {"k8s.io.api.core.v1.SecretKeySelector", {"key"}},
      {"k8s.io.api.core.v1.ObjectFieldSelector", {"fieldPath"}},
      {"k8s.io.api.core.v1.ResourceFieldSelector", {"resource"}},
      {"k8s.io.api.core.v1.HTTPGetAction", {"port"}},
      {"k8s.io.api.core.v1.TCPSocketAction", {"port"}},
      {"k8s.io.api.core.v1.GRPCAction", {"port"}},
      {"k8s.io.api.core.v1.HTTPHeader", {"name", "value"}},
      {"k8s.io.api.core.v1.HostPathVolumeSource", {"path"}},
      {"k8s.io.api.core.v1.NFSVolumeSource", {"server", "path"}},
      {"k8s.io.api.core.v1.PersistentVolumeClaimVolumeSource", {"claimName"}},
      {"k8s.io.api.core.v1.CSIVolumeSource", {"driver"}},
      {"k8s.io.api.core.v1.ServicePort", {"port"}},
      {"k8s.io.api.core.v1.EndpointAddress", {"ip"}},
      {"k8s.io.api.core.v1.EndpointPort", {"port"}},
      {"k8s.io.api.core.v1.NodeSelector", {"nodeSelectorTerms"}},
      {"k8s.io.api.core.v1.NodeSelectorRequirement", {"key", "operator"}},
      {"k8s.io.api.core.v1.PreferredSchedulingTerm", {"weight", "preference"}},
      {"k8s.io.api.core.v1.WeightedPodAffinityTerm", {"weight", "podAffinityTerm"}},
      {"k8s.io.api.core.v1.PodAffinityTerm", {"topologyKey"}},
      {"k8s.io.api.core.v1.TopologySpreadConstraint", {"maxSkew", "topologyKey", "whenUnsatisfiable"}},
      {"k8s.io.api.core.v1.Sysctl", {"name", "value"}},
      {"k8s.io.api.core.v1.SeccompProfile", {"type"}},
      {"k8s.io.api.core.v1.AppArmorProfile", {"type"}},
      {"k8s.io.api.core.v1.PodOS", {"name"}},
      {"k8s.io.api.core.v1.PodSchedulingGate", {"name"}},
      {"k8s.io.api.core.v1.PodReadinessGate", {"conditionType"}},
      {"k8s.io.api.core.v1.PodResourceClaim", {"name"}},
      {"k8s.io.api.core.v1.ResourceClaim", {"name"}},
      {"k8s.io.api.core.v1.ContainerResizePolicy", {"resourceName", "restartPolicy"}},
      {"k8s.io.api.core.v1.PodCondition", {"type", "status"}},
      {"k8s.io.api.core.v1.ContainerStatus", {"name", "ready", "restartCount", "image", "imageID"}},
      {"k8s.io.api.core.v1.LimitRangeSpec", {"limits"}},
      {"k8s.io.api.core.v1.LimitRangeItem", {"type"}},
      {"k8s.io.api.core.v1.ScopedResourceSelectorRequirement", {"scopeName", "operator"}},
      {"k8s.io.api.core.v1.TypedLocalObjectReference", {"kind", "name"}},
      {"k8s.io.api.apps.v1.DeploymentSpec", {"selector", "template"}},
      {"k8s.io.api.apps.v1.ReplicaSetSpec", {"selector"}},
      {"k8s.io.api.apps.v1.StatefulSetSpec", {"selector", "template"}},
      {"k8s.io.api.apps.v1.DaemonSetSpec", {"selector", "template"}},
      {"k8s.io.api.apps.v1.DeploymentCondition", {"type", "status"}},
      {"k8s.io.api.apps.v1.ControllerRevision", {"revision"}},
      {"k8s.io.api.batch.v1.JobSpec", {"template"}},
      {"k8s.io.api.batch.v1.CronJobSpec", {"schedule", "jobTemplate"}},
      {"k8s.io.api.batch.v1.PodFailurePolicy", {"rules"}},
      {"k8s.io.api.batch.v1.PodFailurePolicyRule", {"action"}},
      {"k8s.io.api.rbac.v1.PolicyRule", {"verbs"}},
      {"k8s.io.api.rbac.v1.RoleBinding", {"roleRef"}},
      {"k8s.io.api.rbac.v1.ClusterRoleBinding", {"roleRef"}},
      {"k8s.io.api.rbac.v1.RoleRef", {"apiGroup", "kind", "name"}},
      {"k8s.io.api.rbac.v1.Subject", {"kind", "name"}},
      {"k8s.io.api.networking.v1.HTTPIngressRuleValue", {"paths"}},
      {"k8s.io.api.networking.v1.HTTPIngressPath", {"pathType", "backend"}},
      {"k8s.io.api.networking.v1.IngressServiceBackend", {"name"}},
      {"k8s.io.api.networking.v1.IPBlock", {"cidr"}},
      {"k8s.io.api.scheduling.v1.PriorityClass", {"value"}},
      {"k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerSpec", {"scaleTargetRef", "maxReplicas"}},
      {"k8s.io.api.autoscaling.v2.CrossVersionObjectReference", {"kind", "name"}},
      {"k8s.io.api.autoscaling.v1.HorizontalPodAutoscalerSpec", {"scaleTargetRef", "maxReplicas"}},
      {"k8s.io.api.autoscaling.v1.CrossVersionObjectReference", {"kind", "name"}},
      {"k8s.io.api.certificates.v1.CertificateSigningRequestSpec", {"request", "signerName"}},
      {"k8s.io.api.authentication.v1.TokenRequestSpec", {"audiences"}},
      {"k8s.io.apimachinery.pkg.apis.meta.v1.OwnerReference", {"apiVersion", "kind", "name", "uid"}},
      {"k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement", {"key", "operator"}},
      {"k8s.io.apimachinery.pkg.apis.meta.v1.Condition",
       {"type", "status", "lastTransitionTime", "reason", "message"}},
  };
  auto it = table.find(d->full_name());
  return it == table.end() ? nullptr : &it->second;
}

std::string package_of(const std::string& group, const std::string& version) {
  if (group == "meta.k8s.io") return std::string(kMetaPackage);
  std::string segment;
  if (group.empty())
    segment = "core";
  else if (group == "rbac.authorization.k8s.io")
    segment = "rbac";
  else
    segment = group.substr(0, group.find('.'));
  return "k8s.io.api." + segment + "." + version;
}

}  // namespace detail

std::string json_field_name(const google::protobuf::FieldDescriptor* f) {
  if (f->name() == "aPIGroup") return "apiGroup";
  if (f->name() == "uID") return "uid";
  return f->name();
}

bool is_inlined(const google::protobuf::FieldDescriptor* f) {
  static const std::set<std::string_view> names = {"volumeSource",     "persistentVolumeSource", "localObjectReference",
                                                   "handler",          "ingressRuleValue",       "ephemeralContainerCommon"};
  return f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated() &&
         names.count(f->name()) > 0;
}

const google::protobuf::DescriptorPool& descriptor_pool() { return detail::kubernetes_schema().pool; }

std::unique_ptr<google::protobuf::Message> new_message(const google::protobuf::Descriptor* type) {
  // The factory keeps one prototype per type and is safe to share between threads.
  static google::protobuf::DynamicMessageFactory* const factory = new google::protobuf::DynamicMessageFactory();
  return std::unique_ptr<google::protobuf::Message>(factory->GetPrototype(type)->New());
}

const google::protobuf::Descriptor* kind_message(const std::string& group, const std::string& version,
                                                 const std::string& kind) {
  return descriptor_pool().FindMessageTypeByName(detail::package_of(group, version) + "." + kind);
}

}  // namespace k3s::schema
