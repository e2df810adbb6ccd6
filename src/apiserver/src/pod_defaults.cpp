#include "pod_defaults.h"

#include <string>

#include "object/pod_resources.h"

namespace k3s::apiserver {

namespace {

using Json = nlohmann::json;

// Go decodes an absent field, a null and the zero value alike; a pointer field (`unset`)
// keeps an explicit zero, a plain one (`zero`) does not.
bool unset(const Json& o, const char* key) { return !o.contains(key) || o[key].is_null(); }
bool zero(const Json& o, const char* key) {
  if (unset(o, key)) return true;
  const Json& v = o[key];
  return (v.is_string() && v.get_ref<const std::string&>().empty()) || (v.is_number() && v == 0);
}
void fill(Json& o, const char* key, const Json& value) {
  if (zero(o, key)) o[key] = value;
}
void fill_pointer(Json& o, const char* key, const Json& value) {
  if (unset(o, key)) o[key] = value;
}

Json* object_at(Json& o, const char* key) {
  if (!o.is_object() || !o.contains(key) || !o[key].is_object()) return nullptr;
  return &o[key];
}
template <class F>
void each(Json& o, const char* key, F&& f) {
  if (!o.is_object() || !o.contains(key) || !o[key].is_array()) return;
  for (auto& item : o[key])
    if (item.is_object()) f(item);
}

void default_field_ref(Json& holder) {
  if (Json* ref = object_at(holder, "fieldRef")) fill(*ref, "apiVersion", "v1");
}

void default_http_get(Json& handler) {
  if (Json* get = object_at(handler, "httpGet")) {
    fill(*get, "path", "/");
    fill(*get, "scheme", "HTTP");
  }
}

void default_probe(Json& probe) {
  fill(probe, "timeoutSeconds", 1);
  fill(probe, "periodSeconds", 10);
  fill(probe, "successThreshold", 1);
  fill(probe, "failureThreshold", 3);
  default_http_get(probe);
}

void default_container(Json& c) {
  if (zero(c, "imagePullPolicy")) c["imagePullPolicy"] = default_pull_policy(c.value("image", ""));
  fill(c, "terminationMessagePath", "/dev/termination-log");
  fill(c, "terminationMessagePolicy", "File");
  // ResourceRequirements is a struct, not a pointer, in Go: it is always written.
  if (unset(c, "resources")) c["resources"] = Json::object();
  each(c, "ports", [](Json& p) { fill(p, "protocol", "TCP"); });
  each(c, "env", [](Json& e) {
    if (Json* from = object_at(e, "valueFrom")) default_field_ref(*from);
  });
  for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"})
    if (Json* p = object_at(c, probe)) default_probe(*p);
  if (Json* lifecycle = object_at(c, "lifecycle"))
    for (const char* hook : {"postStart", "preStop"})
      if (Json* h = object_at(*lifecycle, hook)) default_http_get(*h);
}

void default_volume(Json& v) {
  bool has_source = false;
  for (const auto& [key, value] : v.items())
    if (key != "name" && !value.is_null()) has_source = true;
  if (!has_source) v["emptyDir"] = Json::object();
  if (Json* s = object_at(v, "hostPath")) fill_pointer(*s, "type", "");
  for (const char* source : {"secret", "configMap", "downwardAPI", "projected"})
    if (Json* s = object_at(v, source)) fill_pointer(*s, "defaultMode", 420);
  if (Json* s = object_at(v, "downwardAPI")) each(*s, "items", default_field_ref);
  if (Json* s = object_at(v, "projected"))
    each(*s, "sources", [](Json& source) {
      if (Json* d = object_at(source, "downwardAPI")) each(*d, "items", default_field_ref);
      if (Json* t = object_at(source, "serviceAccountToken")) fill_pointer(*t, "expirationSeconds", 3600);
    });
  if (Json* e = object_at(v, "ephemeral"))
    if (Json* claim = object_at(*e, "volumeClaimTemplate")) {
      if (Json* spec = object_at(*claim, "spec")) default_claim_spec(*spec);
    }
}

}  // namespace

std::string default_pull_policy(const std::string& image) {
  std::string name = image;
  const bool digest = name.find('@') != std::string::npos;
  if (digest) name.erase(name.find('@'));
  // The tag follows the last ':' of the last path component (a registry host may carry a port).
  const auto slash = name.rfind('/');
  const auto colon = name.rfind(':');
  const bool tagged = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (tagged) return name.substr(colon + 1) == "latest" ? "Always" : "IfNotPresent";
  return digest ? "IfNotPresent" : "Always";
}

void default_claim_spec(Json& claim_spec) { fill_pointer(claim_spec, "volumeMode", "Filesystem"); }

void default_pod_spec(Json& spec) {
  if (!spec.is_object()) return;
  fill(spec, "dnsPolicy", "ClusterFirst");
  fill(spec, "restartPolicy", "Always");
  if (unset(spec, "securityContext")) spec["securityContext"] = Json::object();
  fill_pointer(spec, "terminationGracePeriodSeconds", 30);
  fill(spec, "schedulerName", "default-scheduler");
  each(spec, "volumes", default_volume);
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) each(spec, list, default_container);
}

void default_pod_template(Json& pod_template) {
  if (!pod_template.is_object()) return;
  if (unset(pod_template, "spec")) pod_template["spec"] = Json::object();
  default_pod_spec(pod_template["spec"]);
}

void default_pod(Json& pod) {
  Json* spec = object_at(pod, "spec");
  if (!spec) return;
  default_pod_spec(*spec);
  fill_pointer(*spec, "enableServiceLinks", true);
  for (const char* list : {"initContainers", "containers"}) each(*spec, list, object::default_container_requests);
  if (spec->value("hostNetwork", false))
    for (const char* list : {"initContainers", "containers"})
      each(*spec, list, [](Json& c) {
        each(c, "ports", [](Json& p) {
          if (zero(p, "hostPort") && p.contains("containerPort")) p["hostPort"] = p["containerPort"];
        });
      });
}

}  // namespace k3s::apiserver
