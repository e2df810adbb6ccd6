#include <set>

#include "object/validation.h"

namespace k3s::object {

std::string_view field_error_reason(FieldErrorType type) {
  switch (type) {
    case FieldErrorType::not_found: return "FieldValueNotFound";
    case FieldErrorType::required: return "FieldValueRequired";
    case FieldErrorType::duplicate: return "FieldValueDuplicate";
    case FieldErrorType::invalid: return "FieldValueInvalid";
    case FieldErrorType::not_supported: return "FieldValueNotSupported";
    case FieldErrorType::forbidden: return "FieldValueForbidden";
    case FieldErrorType::too_long: return "FieldValueTooLong";
    case FieldErrorType::too_many: return "FieldValueTooMany";
    case FieldErrorType::internal: return "InternalError";
    case FieldErrorType::type_invalid: return "FieldValueTypeInvalid";
  }
  return "FieldValueInvalid";
}

std::string_view field_error_title(FieldErrorType type) {
  switch (type) {
    case FieldErrorType::not_found: return "Not found";
    case FieldErrorType::required: return "Required value";
    case FieldErrorType::duplicate: return "Duplicate value";
    case FieldErrorType::invalid: return "Invalid value";
    case FieldErrorType::not_supported: return "Unsupported value";
    case FieldErrorType::forbidden: return "Forbidden";
    case FieldErrorType::too_long: return "Too long";
    case FieldErrorType::too_many: return "Too many";
    case FieldErrorType::internal: return "Internal error";
    case FieldErrorType::type_invalid: return "Invalid value";
  }
  return "Invalid value";
}

std::string go_quote(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string FieldError::body() const {
  std::string s;
  switch (type) {
    case FieldErrorType::required:
    case FieldErrorType::forbidden:
    case FieldErrorType::too_long:
    case FieldErrorType::internal:
      s = field_error_title(type);
      break;
    default:
      s = field_error_title(type);
      if (bad_value.is_string()) {
        s += ": " + go_quote(bad_value.get_ref<const std::string&>());
      } else {
        s += ": " + bad_value.dump();
      }
  }
  if (!detail.empty()) s += ": " + detail;
  return s;
}

std::string FieldError::message() const { return (field.empty() ? std::string("<nil>") : field) + ": " + body(); }

Json FieldError::to_cause() const {
  Json cause{{"reason", field_error_reason(type)}, {"message", body()}};
  if (!field.empty()) cause["field"] = field;
  return cause;
}

void FieldErrors::append(const FieldErrors& other) {
  errors_.insert(errors_.end(), other.errors_.begin(), other.errors_.end());
}

void FieldErrors::invalid(const FieldPath& path, Json value, std::string detail) {
  add({FieldErrorType::invalid, path.str(), std::move(value), std::move(detail)});
}

void FieldErrors::required(const FieldPath& path, std::string detail) {
  add({FieldErrorType::required, path.str(), "", std::move(detail)});
}

void FieldErrors::duplicate(const FieldPath& path, Json value) {
  add({FieldErrorType::duplicate, path.str(), std::move(value), {}});
}

void FieldErrors::not_found(const FieldPath& path, Json value) {
  add({FieldErrorType::not_found, path.str(), std::move(value), {}});
}

void FieldErrors::not_supported(const FieldPath& path, Json value, const std::vector<std::string>& supported) {
  std::string detail;
  if (!supported.empty()) {
    detail = "supported values: ";
    for (std::size_t i = 0; i < supported.size(); ++i) {
      if (i > 0) detail += ", ";
      detail += go_quote(supported[i]);
    }
  }
  add({FieldErrorType::not_supported, path.str(), std::move(value), std::move(detail)});
}

void FieldErrors::forbidden(const FieldPath& path, std::string detail) {
  add({FieldErrorType::forbidden, path.str(), "", std::move(detail)});
}

void FieldErrors::too_long(const FieldPath& path, std::size_t max_length) {
  add({FieldErrorType::too_long, path.str(), "<value omitted>",
       "may not be more than " + std::to_string(max_length) + (max_length == 1 ? " byte" : " bytes")});
}

void FieldErrors::too_many(const FieldPath& path, std::int64_t actual, std::int64_t max) {
  add({FieldErrorType::too_many, path.str(), actual,
       "must have at most " + std::to_string(max) + (max == 1 ? " item" : " items")});
}

void FieldErrors::internal(const FieldPath& path, std::string detail) {
  add({FieldErrorType::internal, path.str(), nullptr, std::move(detail)});
}

void FieldErrors::invalid_each(const FieldPath& path, const Json& value, const std::vector<std::string>& messages) {
  for (auto& msg : messages) invalid(path, value, msg);
}

std::string FieldErrors::aggregate_message() const {
  if (errors_.empty()) return {};
  if (errors_.size() == 1) return errors_.front().message();
  std::set<std::string> seen;
  std::string joined;
  for (auto& e : errors_) {
    std::string msg = e.message();
    if (!seen.insert(msg).second) continue;
    if (seen.size() > 1) joined += ", ";
    joined += msg;
  }
  return seen.size() == 1 ? joined : "[" + joined + "]";
}

Json FieldErrors::causes() const {
  Json out = Json::array();
  for (auto& e : errors_) out.push_back(e.to_cause());
  return out;
}

Json FieldErrors::to_invalid_status(std::string_view group, std::string_view kind, std::string_view name) const {
  std::string qualified(kind);
  if (!group.empty()) qualified += "." + std::string(group);
  std::string message = qualified + " " + go_quote(name) + " is invalid";
  if (!errors_.empty()) message += ": " + aggregate_message();
  Json details = {{"name", name}, {"kind", kind}, {"causes", causes()}};
  if (!group.empty()) details["group"] = group;
  return Json{{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", Json::object()},
              {"status", "Failure"}, {"message", message}, {"reason", "Invalid"},
              {"details", details},  {"code", 422}};
}

}  // namespace k3s::object
