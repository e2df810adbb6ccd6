// describe deployment: replica counts, strategy, the pod template, conditions, and the
// old and new ReplicaSets it controls.
#include <algorithm>

#include "describe.h"

namespace k3s::kubectl::describe {
namespace {

// What Go's semantic equality of typed objects ignores: nulls and empty maps and lists.
Json pruned(const Json& v) {
  if (v.is_object()) {
    Json out = Json::object();
    for (const auto& [k, x] : v.items()) {
      Json p = pruned(x);
      if (p.is_null() || ((p.is_object() || p.is_array()) && p.empty())) continue;
      out[k] = std::move(p);
    }
    return out;
  }
  if (v.is_array()) {
    Json out = Json::array();
    for (const auto& x : v) out.push_back(pruned(x));
    return out;
  }
  return v;
}

Json template_without_hash(Json tmpl) {
  if (tmpl.contains("metadata") && tmpl["metadata"].contains("labels") && tmpl["metadata"]["labels"].is_object()) {
    tmpl["metadata"]["labels"].erase("pod-template-hash");
  }
  return pruned(tmpl);
}

std::string replica_sets_text(const std::vector<Json>& sets) {
  std::string out;
  for (const auto& rs : sets) {
    auto replicas = [](const Json& o) { return o.contains("replicas") && o["replicas"].is_number() ? std::to_string(o["replicas"].get<long long>()) : "0"; };
    out += (out.empty() ? "" : ", ") + object::name_of(rs) + " (" + replicas(field_of(rs, "status")) + "/" + replicas(field_of(rs, "spec")) +
           " replicas created)";
  }
  return out.empty() ? "<none>" : out;
}

// The ReplicaSets this deployment controls, as the deployment controller sorts them: the
// oldest one whose template is the deployment's is new; the others that still want
// replicas are old.
void old_and_new(Session& session, Writer& w, const Json& d) {
  std::string selector = selector_text(field_of(field_of(d, "spec"), "selector"));
  Json list;
  try {
    list = session.api().list(client::resources::kReplicaSets, object::namespace_of(d), {.label_selector = selector == "<none>" ? "" : selector});
  } catch (const client::ApiError&) {
    return;
  }
  std::vector<Json> owned;
  for (const auto& rs : list.value("items", Json::array())) {
    for (const auto& ref : field_of(rs, "metadata").value("ownerReferences", Json::array())) {
      if (ref.value("controller", false) && str_of(ref, "uid") == object::uid_of(d)) owned.push_back(rs);
    }
  }
  std::vector<Json> by_age = owned;
  std::stable_sort(by_age.begin(), by_age.end(), [](const Json& a, const Json& b) {
    std::string ta = str_of(field_of(a, "metadata"), "creationTimestamp"), tb = str_of(field_of(b, "metadata"), "creationTimestamp");
    return ta != tb ? ta < tb : object::name_of(a) < object::name_of(b);
  });
  const Json wanted = template_without_hash(field_of(field_of(d, "spec"), "template"));
  std::string new_uid;
  std::vector<Json> newest;
  for (const auto& rs : by_age) {
    if (template_without_hash(field_of(field_of(rs, "spec"), "template")) == wanted) {
      new_uid = object::uid_of(rs);
      newest.push_back(rs);
      break;
    }
  }
  std::vector<Json> old;
  for (const auto& rs : owned) {
    if (object::uid_of(rs) == new_uid) continue;
    const Json spec = field_of(rs, "spec");
    if (spec.value("replicas", 0LL) != 0) old.push_back(rs);
  }
  w.field(0, "OldReplicaSets", replica_sets_text(old));
  w.field(0, "NewReplicaSet", replica_sets_text(newest));
}

std::string int_or_string(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return std::to_string(v.get<long long>());
  return "<nil>";
}

}  // namespace

std::string deployment(Session& s, const Json& o) {
  Writer w;
  const Json spec = field_of(o, "spec"), status = field_of(o, "status");
  w.field(0, "Name", object::name_of(o));
  w.field(0, "Namespace", object::namespace_of(o));
  w.field(0, "CreationTimestamp", rfc1123(str_of(field_of(o, "metadata"), "creationTimestamp")));
  w.map(0, "Labels", object::labels_of(o));
  w.annotations(0, "Annotations", object::annotations_of(o));
  w.field(0, "Selector", selector_text(field_of(spec, "selector")));
  auto n = [](const Json& x, const char* key) { return x.contains(key) && x[key].is_number() ? std::to_string(x[key].get<long long>()) : "0"; };
  w.field(0, "Replicas", n(spec, "replicas") + " desired | " + n(status, "updatedReplicas") + " updated | " + n(status, "replicas") +
                             " total | " + n(status, "availableReplicas") + " available | " + n(status, "unavailableReplicas") +
                             " unavailable");
  const Json strategy = field_of(spec, "strategy");
  w.field(0, "StrategyType", str_of(strategy, "type"));
  w.field(0, "MinReadySeconds", n(spec, "minReadySeconds"));
  if (strategy.contains("rollingUpdate") && strategy["rollingUpdate"].is_object()) {
    const Json ru = strategy["rollingUpdate"];
    w.field(0, "RollingUpdateStrategy", int_or_string(ru.value("maxUnavailable", Json())) + " max unavailable, " +
                                            int_or_string(ru.value("maxSurge", Json())) + " max surge");
  }
  pod_template(w, field_of(spec, "template"));
  auto conditions = status.value("conditions", Json::array());
  if (!conditions.empty()) {
    w.line(0, "Conditions:");
    w.line(1, "Type\tStatus\tReason");
    w.line(1, "----\t------\t------");
    for (const auto& c : conditions) w.line(1, str_of(c, "type") + " \t" + str_of(c, "status") + "\t" + str_of(c, "reason"));
  }
  old_and_new(s, w, o);
  events_section(s, w, o);
  return w.text();
}

}  // namespace k3s::kubectl::describe
