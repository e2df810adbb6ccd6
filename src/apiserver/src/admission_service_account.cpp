// The ServiceAccount admission plugin and the legacy token Secret filler.
#include "admission_plugins.h"
#include "context.h"
#include "object/meta.h"
#include "util/base64.h"

namespace k3s::apiserver {

namespace {

constexpr const char* kTokenMountPath = "/var/run/secrets/kubernetes.io/serviceaccount";
constexpr const char* kRootCAConfigMap = "kube-root-ca.crt";
constexpr const char* kTokenSecretType = "kubernetes.io/service-account-token";
constexpr const char* kAccountNameAnnotation = "kubernetes.io/service-account.name";
constexpr const char* kAccountUidAnnotation = "kubernetes.io/service-account.uid";

std::optional<Json> lookup(ApiContext& ctx, const char* resource, const std::string& ns, const std::string& name) {
  return ctx.read_through("", "v1", resource, ns, name);
}

bool mounts_token_path(const Json& container) {
  for (const auto& m : container.value("volumeMounts", Json::array()))
    if (m.is_object() && m.value("mountPath", "") == kTokenMountPath) return true;
  return false;
}

Json api_access_volume(const std::string& name) {
  return {{"name", name},
          {"projected",
           {{"defaultMode", 0644},
            {"sources",
             Json::array({{{"serviceAccountToken", {{"expirationSeconds", 3607}, {"path", "token"}}}},
                          {{"configMap",
                            {{"name", kRootCAConfigMap}, {"items", Json::array({{{"key", "ca.crt"}, {"path", "ca.crt"}}})}}}},
                          {{"downwardAPI",
                            {{"items", Json::array({{{"path", "namespace"},
                                                     {"fieldRef", {{"apiVersion", "v1"},
                                                                   {"fieldPath", "metadata.namespace"}}}}})}}}}})}}}};
}

void mount_api_access(Json& spec) {
  std::vector<Json*> needing;
  for (const char* list : {"initContainers", "containers"}) {
    if (!spec.contains(list) || !spec[list].is_array()) continue;
    for (auto& c : spec[list])
      if (c.is_object() && !mounts_token_path(c)) needing.push_back(&c);
  }
  if (needing.empty()) return;
  const std::string volume = object::generate_name("kube-api-access-");
  if (!spec.contains("volumes") || !spec["volumes"].is_array()) spec["volumes"] = Json::array();
  spec["volumes"].push_back(api_access_volume(volume));
  for (Json* c : needing) {
    if (!c->contains("volumeMounts") || !(*c)["volumeMounts"].is_array()) (*c)["volumeMounts"] = Json::array();
    (*c)["volumeMounts"].push_back({{"name", volume}, {"readOnly", true}, {"mountPath", kTokenMountPath}});
  }
}

void admit_pod(ApiContext& ctx, const ResourceRequest& req, Json& pod) {
  if (!pod.contains("spec") || !pod["spec"].is_object()) return;
  // Mirror pods of static manifests run without an account.
  if (pod["metadata"].value("annotations", Json::object()).contains("kubernetes.io/config.mirror")) return;
  Json& spec = pod["spec"];
  std::string account = spec.value("serviceAccountName", "");
  if (account.empty()) account = "default";
  spec["serviceAccountName"] = account;
  spec["serviceAccount"] = account;
  auto sa = lookup(ctx, "serviceaccounts", req.ns, account);
  // A fresh namespace's "default" account appears a moment after the namespace (the
  // serviceaccount controller makes it); its pods are admitted and the kubelet's token
  // request waits for it. Any other account must exist.
  if (!sa && account != "default")
    throw ApiError(403, "Forbidden",
                   "pods \"" + object::name_of(pod) + "\" is forbidden: error looking up service account " + req.ns +
                       "/" + account + ": serviceaccount \"" + account + "\" not found",
                   {{"name", object::name_of(pod)}, {"kind", "pods"}});
  if (sa && !spec.contains("imagePullSecrets")) {
    const Json secrets = (*sa).value("imagePullSecrets", Json::array());
    if (secrets.is_array() && !secrets.empty()) spec["imagePullSecrets"] = secrets;
  }
  bool automount = true;
  if (spec.contains("automountServiceAccountToken") && spec["automountServiceAccountToken"].is_boolean())
    automount = spec["automountServiceAccountToken"].get<bool>();
  else if (sa && (*sa).contains("automountServiceAccountToken") &&
           (*sa)["automountServiceAccountToken"].is_boolean())
    automount = (*sa)["automountServiceAccountToken"].get<bool>();
  if (automount) mount_api_access(spec);
}

void fill_token_secret(ApiContext& ctx, const ResourceRequest& req, Json& secret) {
  const Json annotations = secret["metadata"].value("annotations", Json::object());
  const std::string account = annotations.is_object() ? annotations.value(kAccountNameAnnotation, "") : "";
  if (account.empty()) {
    const std::string field = std::string("metadata.annotations[") + kAccountNameAnnotation + "]";
    throw invalid("", "Secret", object::name_of(secret),
                  Json::array({{{"reason", "FieldValueRequired"}, {"message", "Required value"}, {"field", field}}}),
                  field + ": Required value");
  }
  if (!ctx.sa_tokens) return;
  // As with kube's token controller, a Secret for an account that does not exist (yet) gets
  // no token.
  auto sa = lookup(ctx, "serviceaccounts", req.ns, account);
  if (!sa) return;
  const std::string uid = object::uid_of(*sa);
  secret["metadata"]["annotations"][kAccountUidAnnotation] = uid;
  Json& data = secret["data"];
  if (!data.is_object()) data = Json::object();
  const Json claims = {{"iss", "kubernetes/serviceaccount"},
                       {"sub", "system:serviceaccount:" + req.ns + ":" + account},
                       {"kubernetes.io/serviceaccount/namespace", req.ns},
                       {"kubernetes.io/serviceaccount/secret.name", object::name_of(secret)},
                       {"kubernetes.io/serviceaccount/service-account.name", account},
                       {"kubernetes.io/serviceaccount/service-account.uid", uid}};
  data["token"] = util::base64_encode(ctx.sa_tokens->sign(claims));
  data["namespace"] = util::base64_encode(req.ns);
  if (auto ca = lookup(ctx, "configmaps", req.ns, kRootCAConfigMap)) {
    const std::string bundle = (*ca).value("data", Json::object()).value("ca.crt", "");
    if (!bundle.empty()) data["ca.crt"] = util::base64_encode(bundle);
  }
}

}  // namespace

void admit_service_account(ApiContext& ctx, const ResourceRequest& req, Json& object) {
  if (req.type->kind == "Pod") admit_pod(ctx, req, object);
  if (req.type->kind == "Secret" && object.value("type", "") == kTokenSecretType) fill_token_secret(ctx, req, object);
}

}  // namespace k3s::apiserver
