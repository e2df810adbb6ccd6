#include "service_account_tokens.h"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "codec.h"
#include "schema/schema.h"
#include "context.h"
#include "object/meta.h"
#include "status.h"
#include "util/base64.h"

namespace k3s::apiserver {

namespace {

constexpr const char* kLegacyIssuer = "kubernetes/serviceaccount";
constexpr const char* kUserPrefix = "system:serviceaccount:";
// The kubelet asks for this lifetime; the API server quietly gives such pod-bound tokens a
// year (with a warnafter claim at the asked time), as kube-apiserver does by default, so
// workloads keep working between refreshes.
constexpr std::int64_t kKubeletDefaultExpiration = 3607;
constexpr std::int64_t kExtendedExpiration = 365LL * 24 * 3600;
constexpr std::int64_t kMinExpiration = 600;
constexpr std::int64_t kMaxExpiration = 1LL << 32;
// Clock skew tolerated on exp and nbf, as the Go JWT validators allow.
constexpr std::int64_t kLeewaySeconds = 60;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string b64url(std::string_view data) { return util::base64_encode(data, util::Base64Alphabet::url, false); }

ApiError invalid_token(const std::string& why) {
  // The reason stays out of the response (kube answers a bare 401) but is worth a log line.
  spdlog::debug("service account token rejected: {}", why);
  return unauthorized();
}

struct Decoded {
  Json header, claims;
  std::string signed_part, signature;
};

// nullopt when the text is not a compact JWS at all.
std::optional<Decoded> decode_jwt(std::string_view token) {
  const auto first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) return std::nullopt;
  Decoded d;
  try {
    d.header = Json::parse(util::base64_decode(token.substr(0, first)));
    d.claims = Json::parse(util::base64_decode(token.substr(first + 1, second - first - 1)));
    d.signature = util::base64_decode(token.substr(second + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!d.header.is_object() || !d.claims.is_object()) return std::nullopt;
  d.signed_part = std::string(token.substr(0, second));
  return d;
}

std::string string_claim(const Json& claims, const char* name) {
  auto it = claims.find(name);
  return it != claims.end() && it->is_string() ? it->get<std::string>() : "";
}

std::vector<std::string> audiences_of(const Json& claims) {
  std::vector<std::string> out;
  auto it = claims.find("aud");
  if (it == claims.end()) return out;
  if (it->is_string()) out.push_back(it->get<std::string>());
  if (it->is_array())
    for (const auto& a : *it)
      if (a.is_string()) out.push_back(a.get<std::string>());
  return out;
}

std::optional<Json> lookup(ApiContext& ctx, const char* resource, const std::string& ns, const std::string& name) {
  return ctx.read_through("", "v1", resource, ns, name);
}

// The live object the token names, or 401: a token outlives neither its account nor its pod.
Json require_live(ApiContext& ctx, const char* resource, const std::string& ns, const std::string& name,
                  const std::string& uid) {
  auto found = lookup(ctx, resource, ns, name);
  if (!found) throw invalid_token(std::string(resource) + " " + ns + "/" + name + " not found");
  if (!uid.empty() && object::uid_of(*found) != uid) throw invalid_token("uid mismatch");
  return std::move(*found);
}

UserInfo service_account_user(const std::string& ns, const std::string& name, const std::string& uid) {
  UserInfo user{kUserPrefix + ns + ":" + name, uid,
                {"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}};
  return user;
}

std::optional<UserInfo> authenticate_legacy(ApiContext& ctx, const Json& claims) {
  const std::string ns = string_claim(claims, "kubernetes.io/serviceaccount/namespace");
  const std::string sa = string_claim(claims, "kubernetes.io/serviceaccount/service-account.name");
  const std::string sa_uid = string_claim(claims, "kubernetes.io/serviceaccount/service-account.uid");
  const std::string secret = string_claim(claims, "kubernetes.io/serviceaccount/secret.name");
  if (ns.empty() || sa.empty() || secret.empty()) throw invalid_token("legacy token without its claims");
  if (string_claim(claims, "sub") != kUserPrefix + ns + ":" + sa) throw invalid_token("subject mismatch");
  require_live(ctx, "serviceaccounts", ns, sa, sa_uid);
  const Json s = require_live(ctx, "secrets", ns, secret, "");
  // The secret must still belong to this account and still hold this very token's account.
  const Json annotations = s.value("metadata", Json::object()).value("annotations", Json::object());
  if (annotations.value("kubernetes.io/service-account.name", "") != sa) throw invalid_token("secret reassigned");
  UserInfo user = service_account_user(ns, sa, sa_uid);
  user.extra["authentication.kubernetes.io/credential-id"] = {"secret-uid=" + object::uid_of(s)};
  return user;
}

std::optional<UserInfo> authenticate_bound(ApiContext& ctx, const Json& claims) {
  const Json k8s = claims.value("kubernetes.io", Json::object());
  if (!k8s.is_object()) throw invalid_token("no kubernetes.io claim");
  const std::string ns = k8s.value("namespace", "");
  const Json sa_claim = k8s.value("serviceaccount", Json::object());
  const std::string sa = sa_claim.value("name", ""), sa_uid = sa_claim.value("uid", "");
  if (ns.empty() || sa.empty()) throw invalid_token("no service account claim");
  if (string_claim(claims, "sub") != kUserPrefix + ns + ":" + sa) throw invalid_token("subject mismatch");
  require_live(ctx, "serviceaccounts", ns, sa, sa_uid);
  UserInfo user = service_account_user(ns, sa, sa_uid);
  if (k8s.contains("pod") && k8s["pod"].is_object()) {
    const Json pod = require_live(ctx, "pods", ns, k8s["pod"].value("name", ""), k8s["pod"].value("uid", ""));
    if (auto deleted = object::deletion_timestamp_of(pod); deleted && *deleted < object::now())
      throw invalid_token("pod is being deleted");
    user.extra["authentication.kubernetes.io/pod-name"] = {object::name_of(pod)};
    user.extra["authentication.kubernetes.io/pod-uid"] = {object::uid_of(pod)};
  } else if (k8s.contains("secret") && k8s["secret"].is_object()) {
    require_live(ctx, "secrets", ns, k8s["secret"].value("name", ""), k8s["secret"].value("uid", ""));
  }
  if (k8s.contains("node") && k8s["node"].is_object()) {
    const Json& node = k8s["node"];
    user.extra["authentication.kubernetes.io/node-name"] = {node.value("name", "")};
    if (!node.value("uid", "").empty()) user.extra["authentication.kubernetes.io/node-uid"] = {node.value("uid", "")};
  }
  if (const std::string jti = string_claim(claims, "jti"); !jti.empty())
    user.extra["authentication.kubernetes.io/credential-id"] = {"JTI=" + jti};
  return user;
}

// ---- TokenRequest --------------------------------------------------------------------------

ApiError invalid_request(const std::string& name, const std::string& field, const Json& value,
                         const std::string& detail) {
  const std::string message = field + ": Invalid value: " + value.dump() + ": " + detail;
  return invalid("authentication.k8s.io", "TokenRequest", name,
                 Json::array({{{"reason", "FieldValueInvalid"}, {"message", "Invalid value: " + value.dump() + ": " + detail},
                               {"field", field}}}),
                 message);
}

// The object a token is bound to, checked against the record: {claim name, claim value}.
std::pair<std::string, Json> bound_object(ApiContext& ctx, const std::string& ns, const std::string& token_name,
                                          const Json& ref) {
  const std::string kind = ref.value("kind", ""), name = ref.value("name", ""), uid = ref.value("uid", "");
  const std::string api_version = ref.value("apiVersion", "v1");
  const char* resource = kind == "Pod" ? "pods" : kind == "Secret" ? "secrets" : kind == "Node" ? "nodes" : nullptr;
  if (!resource || api_version != "v1")
    throw invalid_request(token_name, "spec.boundObjectRef.kind", kind,
                          "supported values: \"v1, Kind=Node\", \"v1, Kind=Pod\", \"v1, Kind=Secret\"");
  if (name.empty())
    throw invalid("authentication.k8s.io", "TokenRequest", token_name,
                  Json::array({{{"reason", "FieldValueRequired"}, {"message", "Required value"},
                                {"field", "spec.boundObjectRef.name"}}}),
                  "spec.boundObjectRef.name: Required value");
  auto object = lookup(ctx, resource, kind == "Node" ? "" : ns, name);
  if (!object) throw not_found("", resource, name);
  if (!uid.empty() && object::uid_of(*object) != uid)
    throw conflict("", resource, name,
                   "the UID in the bound object reference (" + uid + ") does not match the UID in record. " +
                       "The object might have been deleted and then recreated");
  const Json& o = *object;
  Json claim = {{"name", object::name_of(o)}, {"uid", object::uid_of(o)}};
  std::string lower = kind;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return {lower, claim};
}

}  // namespace

ServiceAccountTokens::ServiceAccountTokens(pki::SigningKey key, std::string issuer,
                                           std::vector<std::string> api_audiences)
    : key_(std::move(key)), issuer_(std::move(issuer)), api_audiences_(std::move(api_audiences)) {
  if (api_audiences_.empty()) api_audiences_.push_back(issuer_);
}

std::string ServiceAccountTokens::sign(const Json& claims) const {
  const Json header = {{"alg", "RS256"}, {"kid", key_.key_id()}};
  std::string signed_part = b64url(header.dump()) + "." + b64url(claims.dump());
  return signed_part + "." + b64url(key_.sign(signed_part));
}

std::optional<UserInfo> ServiceAccountTokens::authenticate(ApiContext& ctx, std::string_view token) const {
  auto jwt = decode_jwt(token);
  if (!jwt) return std::nullopt;
  const std::string iss = string_claim(jwt->claims, "iss");
  const bool legacy = iss == kLegacyIssuer;
  if (!legacy && iss != issuer_) return std::nullopt;  // someone else's JWT
  if (jwt->header.value("alg", "") != "RS256") throw invalid_token("unsupported algorithm");
  if (!key_.verify(jwt->signed_part, jwt->signature)) throw invalid_token("bad signature");
  if (legacy) return authenticate_legacy(ctx, jwt->claims);
  const std::int64_t now = unix_now();
  const Json& claims = jwt->claims;
  if (!claims.contains("exp") || !claims["exp"].is_number() || claims["exp"].get<std::int64_t>() + kLeewaySeconds < now)
    throw invalid_token("expired");
  if (claims.contains("nbf") && claims["nbf"].is_number() && claims["nbf"].get<std::int64_t>() - kLeewaySeconds > now)
    throw invalid_token("not yet valid");
  const auto audiences = audiences_of(claims);
  const bool for_us = std::any_of(audiences.begin(), audiences.end(), [&](const std::string& a) {
    return std::find(api_audiences_.begin(), api_audiences_.end(), a) != api_audiences_.end();
  });
  if (!for_us) throw invalid_token("token audiences are not the API server's");
  return authenticate_bound(ctx, claims);
}

http::Response handle_token_request(ApiContext& ctx, ResourceRequest& req) {
  const auto& t = *req.type;
  if (req.verb != "create") throw method_not_supported(t.group, t.resource + "/token", req.verb);
  if (!ctx.sa_tokens) throw service_unavailable("service account token signing is not configured");
  std::vector<std::string> duplicates;
  Json request = decode_typed_body(req.http->body, req.http->headers.get("Content-Type"),
                                   {"authentication.k8s.io", "v1", "TokenRequest"}, duplicates);
  if (!request.is_object()) throw bad_request("the body of the request was in an unknown format");
  Json spec_in = request.value("spec", Json::object());
  if (spec_in.is_null()) spec_in = Json::object();
  if (!spec_in.is_object()) throw bad_request("spec: expected an object");

  auto account = lookup(ctx, "serviceaccounts", req.ns, req.name);
  if (!account) throw not_found("", "serviceaccounts", req.name);

  Json spec = spec_in;
  const Json expiration = spec.value("expirationSeconds", Json(std::int64_t{3600}));
  if (!expiration.is_number_integer()) throw bad_request("spec.expirationSeconds: expected an integer");
  const std::int64_t seconds = expiration.get<std::int64_t>();
  if (seconds < kMinExpiration)
    throw invalid_request(req.name, "spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes");
  if (seconds > kMaxExpiration)
    throw invalid_request(req.name, "spec.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds");
  spec["expirationSeconds"] = seconds;
  Json audiences = spec.value("audiences", Json::array());
  if (!audiences.is_array()) throw bad_request("spec.audiences: expected a list of strings");
  if (audiences.empty()) audiences = ctx.sa_tokens->api_audiences();
  spec["audiences"] = audiences;

  const std::int64_t now = unix_now();
  Json k8s = {{"namespace", req.ns},
              {"serviceaccount", {{"name", req.name}, {"uid", object::uid_of(*account)}}}};
  std::int64_t lifetime = seconds;
  if (spec.contains("boundObjectRef") && !spec["boundObjectRef"].is_null()) {
    if (!spec["boundObjectRef"].is_object()) throw bad_request("spec.boundObjectRef: expected an object");
    auto [kind, claim] = bound_object(ctx, req.ns, req.name, spec["boundObjectRef"]);
    spec["boundObjectRef"]["uid"] = claim["uid"];
    k8s[kind] = claim;
    if (kind == "pod") {
      auto pod = lookup(ctx, "pods", req.ns, claim.value("name", ""));
      const std::string node = pod ? pod->value("spec", Json::object()).value("nodeName", "") : "";
      if (!node.empty()) {
        auto node_obj = lookup(ctx, "nodes", "", node);
        k8s["node"] = {{"name", node}};
        if (node_obj) k8s["node"]["uid"] = object::uid_of(*node_obj);
      }
      if (seconds == kKubeletDefaultExpiration) {
        lifetime = kExtendedExpiration;
        k8s["warnafter"] = now + seconds;
      }
    }
  }
  const std::string jti = object::new_uid();
  Json claims = {{"iss", ctx.sa_tokens->issuer()},
                 {"sub", kUserPrefix + req.ns + ":" + req.name},
                 {"aud", audiences},
                 {"iat", now},
                 {"nbf", now},
                 {"exp", now + lifetime},
                 {"jti", jti},
                 {"kubernetes.io", k8s}};
  const std::string token = ctx.sa_tokens->sign(claims);

  Json response = {{"kind", "TokenRequest"},
                   {"apiVersion", "authentication.k8s.io/v1"},
                   {"metadata",
                    {{"name", req.name},
                     {"namespace", req.ns},
                     {"creationTimestamp", object::format_time(object::now())}}},
                   {"spec", spec},
                   {"status",
                    {{"token", token},
                     {"expirationTimestamp",
                      object::format_time(object::Timestamp(std::chrono::seconds(now + seconds)))}}}};
  return json_response(201, response);
}

Json openid_configuration(const ServiceAccountTokens& tokens) {
  return {{"issuer", tokens.issuer()},
          {"jwks_uri", tokens.issuer() + "/openid/v1/jwks"},
          {"response_types_supported", {"id_token"}},
          {"subject_types_supported", {"public"}},
          {"id_token_signing_alg_values_supported", {"RS256"}}};
}

Json openid_key_set(const ServiceAccountTokens& tokens) {
  const auto& key = tokens.key();
  return {{"keys", Json::array({{{"use", "sig"},
                                 {"kty", "RSA"},
                                 {"kid", key.key_id()},
                                 {"alg", "RS256"},
                                 {"n", key.jwk_modulus()},
                                 {"e", key.jwk_exponent()}}})}};
}

}  // namespace k3s::apiserver
