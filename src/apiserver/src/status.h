// metav1.Status errors: every failure the API answers with, carrying kube's reason,
// code and message texts.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace k3s::apiserver {

using Json = nlohmann::json;

class ApiError : public std::runtime_error {
 public:
  ApiError(int code, std::string reason, std::string message, Json details = nullptr)
      : std::runtime_error(message), code_(code), reason_(std::move(reason)), details_(std::move(details)) {}
  int code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const Json& details() const { return details_; }
  Json to_status() const;

 private:
  int code_;
  std::string reason_;
  Json details_;
};

// `group` is "" for the core group; `resource` is the plural resource name.
ApiError not_found(const std::string& group, const std::string& resource, const std::string& name);
ApiError already_exists(const std::string& group, const std::string& resource, const std::string& name);
ApiError conflict(const std::string& group, const std::string& resource, const std::string& name,
                  const std::string& why);
ApiError bad_request(const std::string& message);
ApiError invalid(const std::string& group, const std::string& kind, const std::string& name, Json causes,
                 const std::string& aggregate);
ApiError method_not_supported(const std::string& group, const std::string& resource, const std::string& verb);
ApiError gone(const std::string& message);
ApiError unauthorized();
ApiError forbidden(const std::string& user, const std::string& verb, const std::string& group,
                   const std::string& resource, const std::string& subresource, const std::string& ns,
                   const std::string& name, const std::string& reason = "");
ApiError not_acceptable(const std::string& message);
ApiError unsupported_media_type(const std::string& content_type);
ApiError internal_error(const std::string& message);
ApiError service_unavailable(const std::string& message);
ApiError too_large(const std::string& message);
ApiError timeout_error(const std::string& message);

// "pods" or "deployments.apps": kube's qualified resource spelling in messages.
std::string qualified_resource(const std::string& group, const std::string& resource);

// A Status object for a successful delete without an object to return.
Json success_status(const std::string& group, const std::string& kind, const std::string& name,
                    const std::string& uid);

}  // namespace k3s::apiserver
