// Errors of the API client: ApiError carries the metav1 Status the server answered with
// (callers switch on reason()); TransportError is a request that got no HTTP answer.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace k3s::client {

// metav1.StatusReason values callers compare against.
namespace reason {
inline constexpr const char* kNotFound = "NotFound";
inline constexpr const char* kAlreadyExists = "AlreadyExists";
inline constexpr const char* kConflict = "Conflict";
inline constexpr const char* kInvalid = "Invalid";
inline constexpr const char* kGone = "Gone";
inline constexpr const char* kExpired = "Expired";
inline constexpr const char* kForbidden = "Forbidden";
inline constexpr const char* kUnauthorized = "Unauthorized";
inline constexpr const char* kBadRequest = "BadRequest";
inline constexpr const char* kMethodNotAllowed = "MethodNotAllowed";
inline constexpr const char* kTooManyRequests = "TooManyRequests";
inline constexpr const char* kTimeout = "Timeout";
inline constexpr const char* kServerTimeout = "ServerTimeout";
inline constexpr const char* kInternalError = "InternalError";
inline constexpr const char* kServiceUnavailable = "ServiceUnavailable";
inline constexpr const char* kUnsupportedMediaType = "UnsupportedMediaType";
inline constexpr const char* kNotAcceptable = "NotAcceptable";
inline constexpr const char* kRequestEntityTooLarge = "RequestEntityTooLarge";
}  // namespace reason

class ApiError : public std::runtime_error {
 public:
  // `status` is a metav1 Status object (kind: Status).
  explicit ApiError(nlohmann::json status);

  int code() const { return code_; }
  const std::string& reason() const { return reason_; }
  std::string message() const { return what(); }
  const nlohmann::json& status() const { return status_; }
  const nlohmann::json& details() const;  // {} when absent

  bool is_not_found() const { return reason_ == reason::kNotFound; }
  bool is_already_exists() const { return reason_ == reason::kAlreadyExists; }
  bool is_conflict() const { return reason_ == reason::kConflict; }
  bool is_invalid() const { return reason_ == reason::kInvalid; }
  // 410: the requested resourceVersion is no longer available (watch/list must restart).
  bool is_gone() const { return code_ == 410 || reason_ == reason::kGone || reason_ == reason::kExpired; }
  bool is_forbidden() const { return reason_ == reason::kForbidden; }
  bool is_unauthorized() const { return reason_ == reason::kUnauthorized; }
  bool is_too_many_requests() const { return code_ == 429; }

 private:
  nlohmann::json status_;
  int code_ = 0;
  std::string reason_;
};

// A Status for a response that was not a Status (e.g. a proxy's plain-text 503), worded as
// client-go words it ("the server could not find the requested resource", ...).
nlohmann::json status_for_response(int code, const std::string& body);
// The reason kube uses for an HTTP status code ("" when none).
std::string reason_for_code(int code);

// The request failed before an HTTP answer (connection refused, TLS, timeout).
class TransportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace k3s::client
