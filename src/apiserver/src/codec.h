// Request bodies in (JSON or YAML, with strict duplicate-field detection) and the
// response form a client asked for in its Accept header.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace k3s::schema {
struct Kind;
}

namespace k3s::apiserver {

using Json = nlohmann::json;

// Parses a JSON or YAML request body into an object; 400 BadRequest when malformed.
// Duplicate keys are reported in `duplicates` (JSON paths) for fieldValidation.
Json decode_body(const std::string& body, const std::string& content_type, std::vector<std::string>& duplicates);

// decode_body for a body that must be an object of `kind`: TypeMeta strings and every known
// field's JSON type are checked as kube-apiserver's typed decoding checks them (400 naming the
// field and its Go type). Unknown fields are left for the fieldValidation check.
Json decode_typed_body(const std::string& body, const std::string& content_type, const schema::Kind& kind,
                       std::vector<std::string>& duplicates);

enum class OutputForm { object, table, partial_metadata };
struct Negotiated {
  OutputForm form = OutputForm::object;
  bool yaml = false;
};
// Picks what the Accept header lists first among what the server can produce; 406 when nothing fits.
Negotiated negotiate(const std::string& accept);

}  // namespace k3s::apiserver
