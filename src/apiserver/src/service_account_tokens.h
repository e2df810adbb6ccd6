// Service-account tokens: JWTs signed (RS256) with the server's service-account key.
// Bound tokens come from the TokenRequest API (serviceaccounts/token) and carry the pod,
// secret or node they are bound to; legacy tokens are the ones the token controller writes
// into kubernetes.io/service-account-token Secrets. Both are accepted as bearer tokens while
// the service account (and the bound object) still exist with the uid the token names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "apiserver/apiserver.h"
#include "pki/pki.h"

namespace k3s::apiserver {

struct ApiContext;
struct ResourceRequest;

class ServiceAccountTokens {
 public:
  ServiceAccountTokens(pki::SigningKey key, std::string issuer, std::vector<std::string> api_audiences);

  const std::string& issuer() const { return issuer_; }
  const std::vector<std::string>& api_audiences() const { return api_audiences_; }
  const pki::SigningKey& key() const { return key_; }

  // header.claims.signature, compact serialisation.
  std::string sign(const nlohmann::json& claims) const;

  // nullopt when the token is not a JWT this server issued (another authenticator may know
  // it); throws ApiError 401 for one of ours that is expired, forged, for another audience,
  // or whose service account or bound object is gone.
  std::optional<UserInfo> authenticate(ApiContext& ctx, std::string_view token) const;

 private:
  pki::SigningKey key_;
  std::string issuer_;
  std::vector<std::string> api_audiences_;
};

// POST .../namespaces/{ns}/serviceaccounts/{name}/token.
http::Response handle_token_request(ApiContext& ctx, ResourceRequest& req);

// The OpenID discovery document and the key set (JWKS) that let other parties verify
// service-account tokens: /.well-known/openid-configuration and /openid/v1/jwks.
nlohmann::json openid_configuration(const ServiceAccountTokens& tokens);
nlohmann::json openid_key_set(const ServiceAccountTokens& tokens);

}  // namespace k3s::apiserver
