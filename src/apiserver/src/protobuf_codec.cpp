#include "protobuf_codec.h"
#include "util/base64.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <array>
#include <ctime>
#include <memory>
#include <optional>
#include <string_view>

#include "protobuf_presence.h"
#include "schema/proto_json.h"
#include "status.h"

namespace k3s::apiserver::protobuf {

namespace pb = google::protobuf;

namespace {

constexpr std::string_view kEnvelopeMagic{"k8s\0", 4};
constexpr std::string_view kMetaPackage = "k8s.io.apimachinery.pkg.apis.meta.v1";

// runtime.Unknown's fields, read by name: the Kubernetes types are dynamic messages.
struct Envelope {
  std::string api_version, kind, raw, content_encoding;
};

std::optional<Envelope> parse_envelope(std::string_view bytes) {
  static const pb::Descriptor* const unknown_type =
      schema::descriptor_pool().FindMessageTypeByName("k8s.io.apimachinery.pkg.runtime.Unknown");
  std::unique_ptr<pb::Message> unknown = schema::new_message(unknown_type);
  if (!unknown->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  const pb::Reflection* r = unknown->GetReflection();
  const pb::Message& type_meta = r->GetMessage(*unknown, unknown_type->FindFieldByName("typeMeta"));
  const pb::Descriptor* type_meta_type = type_meta.GetDescriptor();
  const pb::Reflection* tr = type_meta.GetReflection();
  Envelope out;
  out.api_version = tr->GetString(type_meta, type_meta_type->FindFieldByName("apiVersion"));
  out.kind = tr->GetString(type_meta, type_meta_type->FindFieldByName("kind"));
  out.raw = r->GetString(*unknown, unknown_type->FindFieldByName("raw"));
  out.content_encoding = r->GetString(*unknown, unknown_type->FindFieldByName("contentEncoding"));
  return out;
}


// metav1.Time marshals as RFC 3339 in seconds, MicroTime with microseconds; the zero time as null.
Json time_to_json(const pb::Message& m, bool micro) {
  const auto* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  int64_t seconds = r->GetInt64(m, d->FindFieldByName("seconds"));
  int32_t nanos = r->GetInt32(m, d->FindFieldByName("nanos"));
  if (seconds == 0 && nanos == 0) return nullptr;
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (micro) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%06d", nanos / 1000);
    out += frac;
  }
  return out + "Z";
}

Json raw_json(const std::string& raw, const char* what) {
  if (raw.empty()) return nullptr;
  if (raw.rfind(kEnvelopeMagic, 0) == 0) return decode_envelope(raw);
  Json parsed = Json::parse(raw, nullptr, false);
  if (parsed.is_discarded()) throw bad_request(std::string("the ") + what + " in the protobuf body is not valid JSON");
  return parsed;
}

// Messages whose Go counterparts marshal to something other than an object.
bool special_form(const pb::Message& m, Json& out) {
  const auto* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  const std::string& name = d->full_name();
  if (d->file()->package() == kMetaPackage) {
    if (d->name() == "Time") return out = time_to_json(m, false), true;
    if (d->name() == "MicroTime") return out = time_to_json(m, true), true;
    if (d->name() == "FieldsV1") return out = raw_json(r->GetString(m, d->FindFieldByName("Raw")), "managed fields"), true;
  }
  if (name == "k8s.io.apimachinery.pkg.api.resource.Quantity")
    return out = r->GetString(m, d->FindFieldByName("string")), true;
  if (name == "k8s.io.apimachinery.pkg.util.intstr.IntOrString") {
    if (r->GetInt64(m, d->FindFieldByName("type")) == 1) return out = r->GetString(m, d->FindFieldByName("strVal")), true;
    return out = r->GetInt32(m, d->FindFieldByName("intVal")), true;
  }
  if (name == "k8s.io.apimachinery.pkg.runtime.RawExtension")
    return out = raw_json(r->GetString(m, d->FindFieldByName("raw")), "embedded object"), true;
  // Go slice types (type ExtraValue []string) travel as a message with one repeated field.
  if (d->name() == "ExtraValue" || d->name() == "AttestationValue") {
    out = Json::array();
    const auto* items = d->FindFieldByName("items");
    for (int i = 0; i < r->FieldSize(m, items); ++i) out.push_back(r->GetRepeatedString(m, items, i));
    return true;
  }
  return false;
}

bool inlined(const pb::FieldDescriptor* f) { return schema::is_inlined(f); }
std::string json_name(const pb::FieldDescriptor* f) { return schema::json_field_name(f); }

Json scalar(const pb::Message& m, const pb::FieldDescriptor* f, int index) {
  const auto* r = m.GetReflection();
  const bool rep = index >= 0;
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32: return rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
    case pb::FieldDescriptor::CPPTYPE_INT64: return rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f);
    case pb::FieldDescriptor::CPPTYPE_UINT32: return rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f);
    case pb::FieldDescriptor::CPPTYPE_UINT64: return rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f);
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: return rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
    case pb::FieldDescriptor::CPPTYPE_FLOAT: return rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f);
    case pb::FieldDescriptor::CPPTYPE_BOOL: return rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f);
    case pb::FieldDescriptor::CPPTYPE_ENUM: return rep ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f);
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      std::string s = rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
      if (f->type() == pb::FieldDescriptor::TYPE_BYTES) return util::base64_encode(s);  // Go []byte
      return s;
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      return message_to_json(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f));
  }
  return nullptr;
}

// Go's omitempty for a plain (non-pointer) value: zero numbers, false and "" are left out.
bool is_zero(const Json& v) {
  return (v.is_string() && v.get_ref<const std::string&>().empty()) || (v.is_boolean() && !v.get<bool>()) ||
         (v.is_number() && v == 0);
}

Json map_to_json(const pb::Message& m, const pb::FieldDescriptor* f) {
  const auto* r = m.GetReflection();
  Json out = Json::object();
  for (int i = 0; i < r->FieldSize(m, f); ++i) {
    const pb::Message& entry = r->GetRepeatedMessage(m, f, i);
    const auto* key_field = entry.GetDescriptor()->map_key();
    const auto* value_field = entry.GetDescriptor()->map_value();
    Json key = scalar(entry, key_field, -1);
    Json value = scalar(entry, value_field, -1);
    out[key.is_string() ? key.get<std::string>() : key.dump()] = std::move(value);
  }
  return out;
}

void fields_into(const pb::Message& m, Json& out) {
  const auto* r = m.GetReflection();
  const auto& pointers = pointer_scalar_fields();
  std::vector<const pb::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const auto* f : fields) {
    if (f->is_map()) {
      Json map = map_to_json(m, f);
      if (!map.empty()) out[json_name(f)] = std::move(map);
    } else if (f->is_repeated()) {
      Json items = Json::array();
      for (int i = 0; i < r->FieldSize(m, f); ++i) items.push_back(scalar(m, f, i));
      if (!items.empty()) out[json_name(f)] = std::move(items);
    } else if (inlined(f)) {
      fields_into(r->GetMessage(m, f), out);
    } else {
      Json value = scalar(m, f, -1);
      if (value.is_null()) continue;
      if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE && is_zero(value) &&
          !pointers.count(f->full_name()))
        continue;
      out[json_name(f)] = std::move(value);
    }
  }
}

}  // namespace

Json message_to_json(const pb::Message& message) {
  Json special;
  if (special_form(message, special)) return special;
  Json out = Json::object();
  fields_into(message, out);
  return out;
}

std::string message_name_for(const std::string& api_version, const std::string& kind) {
  auto slash = api_version.find('/');
  std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  std::string version = slash == std::string::npos ? api_version : api_version.substr(slash + 1);
  if (group == "meta.k8s.io") return std::string(kMetaPackage) + "." + kind;
  std::string package;
  if (group.empty())
    package = "core";
  else if (group == "rbac.authorization.k8s.io")
    package = "rbac";
  else
    package = group.substr(0, group.find('.'));
  return "k8s.io.api." + package + "." + version + "." + kind;
}

Json decode_envelope(const std::string& body) {
  if (body.rfind(kEnvelopeMagic, 0) != 0)
    throw bad_request("the protobuf body does not start with the Kubernetes envelope prefix \"k8s\\x00\"");
  std::optional<Envelope> envelope = parse_envelope(std::string_view(body).substr(kEnvelopeMagic.size()));
  if (!envelope) throw bad_request("the protobuf envelope (runtime.Unknown) could not be decoded");
  if (!envelope->content_encoding.empty())
    throw ApiError(415, "UnsupportedMediaType",
                   "the protobuf content encoding \"" + envelope->content_encoding + "\" is not supported");
  const std::string& api_version = envelope->api_version;
  const std::string& kind = envelope->kind;
  if (kind.empty()) throw bad_request("the protobuf envelope carries no kind");
  // Some clients send meta types such as DeleteOptions under the addressed group's version.
  const pb::DescriptorPool* pool = &schema::descriptor_pool();
  const pb::Descriptor* type = pool->FindMessageTypeByName(message_name_for(api_version, kind));
  bool meta_fallback = false;
  if (type == nullptr) {
    type = pool->FindMessageTypeByName(std::string(kMetaPackage) + "." + kind);
    meta_fallback = type != nullptr;
  }
  if (type == nullptr)
    throw ApiError(415, "UnsupportedMediaType",
                   "the server cannot decode " + api_version + ", Kind=" + kind +
                       " from application/vnd.kubernetes.protobuf; send it as application/json or application/yaml");
  std::unique_ptr<pb::Message> message = schema::new_message(type);
  if (!message->ParseFromString(envelope->raw))
    throw bad_request("the protobuf body of " + api_version + ", Kind=" + kind + " could not be decoded");
  Json out = message_to_json(*message);
  Json object = Json::object();
  object["kind"] = kind;
  object["apiVersion"] = api_version;
  (void)meta_fallback;
  object.update(out);
  // proto2 strings are not checked for UTF-8; Go's JSON encoding writes invalid bytes as
  // U+FFFD, and so must we before the object reaches storage or a response (nlohmann's dump
  // throws on them: a 500).
  return Json::parse(object.dump(-1, ' ', false, Json::error_handler_t::replace));
}

}  // namespace k3s::apiserver::protobuf
