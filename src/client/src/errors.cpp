#include "client/errors.h"

namespace k3s::client {
namespace {

std::string message_of(const nlohmann::json& status) {
  if (status.is_object()) {
    auto it = status.find("message");
    if (it != status.end() && it->is_string() && !it->get<std::string>().empty()) return it->get<std::string>();
    auto reason = status.find("reason");
    if (reason != status.end() && reason->is_string()) return reason->get<std::string>();
  }
  return "unknown error";
}

}  // namespace

ApiError::ApiError(nlohmann::json status) : std::runtime_error(message_of(status)), status_(std::move(status)) {
  if (status_.is_object()) {
    if (auto it = status_.find("code"); it != status_.end() && it->is_number_integer()) code_ = it->get<int>();
    if (auto it = status_.find("reason"); it != status_.end() && it->is_string()) reason_ = it->get<std::string>();
  }
  if (reason_.empty()) reason_ = reason_for_code(code_);
}

const nlohmann::json& ApiError::details() const {
  static const nlohmann::json empty = nlohmann::json::object();
  if (!status_.is_object()) return empty;
  auto it = status_.find("details");
  return it != status_.end() && it->is_object() ? *it : empty;
}

std::string reason_for_code(int code) {
  switch (code) {
    case 400: return reason::kBadRequest;
    case 401: return reason::kUnauthorized;
    case 403: return reason::kForbidden;
    case 404: return reason::kNotFound;
    case 405: return reason::kMethodNotAllowed;
    case 406: return reason::kNotAcceptable;
    case 409: return reason::kConflict;
    case 410: return reason::kGone;
    case 413: return reason::kRequestEntityTooLarge;
    case 415: return reason::kUnsupportedMediaType;
    case 422: return reason::kInvalid;
    case 429: return reason::kTooManyRequests;
    case 500: return reason::kInternalError;
    case 503: return reason::kServiceUnavailable;
    case 504: return reason::kTimeout;
    default: return code >= 500 ? reason::kInternalError : "";
  }
}

nlohmann::json status_for_response(int code, const std::string& body) {
  // A body that already is a Status is taken as is.
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.value("kind", "") == "Status") {
    if (!parsed.contains("code")) parsed["code"] = code;
    return parsed;
  }
  std::string message;
  switch (code) {
    case 400: message = "the server rejected our request for an unknown reason"; break;
    case 401: message = "the server has asked for the client to provide credentials"; break;
    case 403: message = "the server does not allow access to the requested resource"; break;
    case 404: message = "the server could not find the requested resource"; break;
    case 405: message = "the server does not allow this method on the requested resource"; break;
    case 406: message = "the server was unable to respond with a content type that the client supports"; break;
    case 409: message = "the server reported a conflict"; break;
    case 410: message = "the requested resource is no longer available"; break;
    case 413: message = "the server has rejected the request because the request entity is too large"; break;
    case 415: message = "the server was unable to respond with a content type that the client supports"; break;
    case 422: message = "the server rejected our request due to an error in our request"; break;
    case 429: message = "the server has received too many requests and has asked us to try again later"; break;
    case 503: message = "the server is currently unable to handle the request"; break;
    case 504:
      message = "the server was unable to return a response in the time allotted, but may still be processing the request";
      break;
    default: {
      std::string trimmed = body.substr(0, 256);
      while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r')) trimmed.pop_back();
      message = "an error on the server (\"" + (trimmed.empty() ? std::string("unknown") : trimmed) +
                "\") has prevented the request from succeeding";
    }
  }
  return {{"kind", "Status"},     {"apiVersion", "v1"},  {"metadata", nlohmann::json::object()},
          {"status", "Failure"},  {"message", message},  {"reason", reason_for_code(code)},
          {"code", code}};
}

}  // namespace k3s::client
