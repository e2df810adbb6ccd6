// Kubernetes protobuf request bodies ("application/vnd.kubernetes.protobuf"): the "k8s\0"
// envelope around runtime.Unknown, whose raw bytes are the typed message, converted into
// the JSON object model the rest of the server works on (Kubernetes JSON rules, not proto3 JSON).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace google::protobuf {
class Message;
}

namespace k3s::apiserver::protobuf {

using Json = nlohmann::json;

inline constexpr std::string_view kMediaType = "application/vnd.kubernetes.protobuf";

// Decodes an enveloped body into an object carrying apiVersion and kind from the envelope.
// 400 when the bytes are not a valid envelope/message, 415 when the type has no protobuf mapping.
Json decode_envelope(const std::string& body);

// Converts one parsed message the way Kubernetes would marshal the equivalent Go value to JSON.
Json message_to_json(const google::protobuf::Message& message);

// The fully qualified message name Kubernetes uses for a group version kind, e.g.
// ("apps/v1", "Deployment") -> "k8s.io.api.apps.v1.Deployment".
std::string message_name_for(const std::string& api_version, const std::string& kind);

}  // namespace k3s::apiserver::protobuf
