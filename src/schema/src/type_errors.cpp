#include <cstdint>
#include <limits>
#include <optional>

#include "descriptors.h"
#include "schema/proto_json.h"
#include "schema/schema.h"

namespace k3s::schema {

namespace {

using namespace detail;
using FD = pb::FieldDescriptor;

// Go's reflect name of a message's struct: "k8s.io.api.core.v1.Container" -> "v1.Container".
std::string go_struct_type(const pb::Descriptor* d) {
  const std::string& package = d->file()->package();
  auto dot = package.rfind('.');
  return (dot == std::string::npos ? package : package.substr(dot + 1)) + "." + d->name();
}

std::string go_value_type(const FD* f) {
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32:
    case FD::CPPTYPE_ENUM: return "int32";
    case FD::CPPTYPE_UINT32: return "uint32";
    case FD::CPPTYPE_INT64: return "int64";
    case FD::CPPTYPE_UINT64: return "uint64";
    case FD::CPPTYPE_DOUBLE:
    case FD::CPPTYPE_FLOAT: return "float64";
    case FD::CPPTYPE_BOOL: return "bool";
    case FD::CPPTYPE_STRING: return f->type() == FD::TYPE_BYTES ? "[]uint8" : "string";
    case FD::CPPTYPE_MESSAGE:
      if (special_of(f->message_type()) == Special::kStringList) return "[]string";
      return go_struct_type(f->message_type());
  }
  return "interface {}";
}

std::string go_field_type(const FD* f) {
  if (f->is_map()) return "map[string]" + go_value_type(f->message_type()->map_value());
  if (f->is_repeated()) return "[]" + go_value_type(f);
  return go_value_type(f);
}

// The word encoding/json uses for the JSON value it could not place.
std::string json_value_word(const Json& v) {
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "bool";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  if (v.is_number()) return "number";
  return "null";
}

// Go's decoder names the innermost struct and the whole dotted path of keys, without list
// indexes: "Go struct field Container.spec.template.spec.containers.ports".
struct Mismatch {
  std::string value, owner, path, type;
};

class Checker {
 public:
  std::optional<Mismatch> first;

  void message(const pb::Descriptor* d, const Json& value, const std::string& path) {
    if (first || !value.is_object()) return;
    for (const auto& jf : json_fields(d)) {
      if (first) return;
      auto it = value.find(jf.name);
      if (it == value.end() || it->is_null()) continue;
      field(d, jf.field, *it, path.empty() ? jf.name : path + "." + jf.name);
    }
  }

 private:
  void fail(const pb::Descriptor* owner, const std::string& path, const std::string& value, const std::string& type) {
    if (!first) first = Mismatch{value, owner->name(), path, type};
  }

  void field(const pb::Descriptor* owner, const FD* f, const Json& v, const std::string& path) {
    if (f->is_map()) {
      if (!v.is_object()) return fail(owner, path, json_value_word(v), go_field_type(f));
      for (const auto& [key, e] : v.items())
        if (!e.is_null()) single(owner, f->message_type()->map_value(), e, path);
      return;
    }
    if (f->is_repeated()) {
      if (!v.is_array()) return fail(owner, path, json_value_word(v), go_field_type(f));
      for (const auto& e : v)
        if (!e.is_null()) single(owner, f, e, path);
      return;
    }
    single(owner, f, v, path);
  }

  template <class Int>
  void integer(const pb::Descriptor* owner, const FD* f, const Json& v, const std::string& path) {
    if (!v.is_number()) return fail(owner, path, json_value_word(v), go_value_type(f));
    constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<Int>::max());
    constexpr auto min = static_cast<std::int64_t>(std::numeric_limits<Int>::min());
    bool fits = false;
    if (v.is_number_unsigned()) {
      fits = v.get<std::uint64_t>() <= max;
    } else if (v.is_number_integer()) {
      const auto x = v.get<std::int64_t>();
      fits = x >= 0 ? static_cast<std::uint64_t>(x) <= max : x >= min;
    }
    if (!fits) fail(owner, path, "number " + v.dump(), go_value_type(f));
  }

  void single(const pb::Descriptor* owner, const FD* f, const Json& v, const std::string& path) {
    switch (f->cpp_type()) {
      case FD::CPPTYPE_INT32:
      case FD::CPPTYPE_ENUM: return integer<std::int32_t>(owner, f, v, path);
      case FD::CPPTYPE_UINT32: return integer<std::uint32_t>(owner, f, v, path);
      case FD::CPPTYPE_INT64: return integer<std::int64_t>(owner, f, v, path);
      case FD::CPPTYPE_UINT64: return integer<std::uint64_t>(owner, f, v, path);
      case FD::CPPTYPE_DOUBLE:
      case FD::CPPTYPE_FLOAT:
        if (!v.is_number()) fail(owner, path, json_value_word(v), go_value_type(f));
        return;
      case FD::CPPTYPE_BOOL:
        if (!v.is_boolean()) fail(owner, path, json_value_word(v), go_value_type(f));
        return;
      case FD::CPPTYPE_STRING:
        if (!v.is_string()) fail(owner, path, json_value_word(v), go_value_type(f));
        return;
      case FD::CPPTYPE_MESSAGE: break;
    }
    const pb::Descriptor* m = f->message_type();
    switch (special_of(m)) {
      case Special::kRawExtension:
      case Special::kFieldsV1: return;
      case Special::kQuantity:
        if (!v.is_string() && !v.is_number()) fail(owner, path, json_value_word(v), "resource.Quantity");
        return;
      case Special::kIntOrString:
        if (!v.is_string() && !v.is_number_integer()) fail(owner, path, json_value_word(v), "intstr.IntOrString");
        return;
      case Special::kTime:
      case Special::kMicroTime:
      case Special::kDuration:
        if (!v.is_string()) fail(owner, path, json_value_word(v), go_struct_type(m));
        return;
      case Special::kStringList:
        if (!v.is_array()) return fail(owner, path, json_value_word(v), "[]string");
        for (const auto& e : v)
          if (!e.is_string() && !e.is_null()) return fail(owner, path, json_value_word(e), "string");
        return;
      case Special::kNone: break;
    }
    if (!v.is_object()) return fail(owner, path, json_value_word(v), go_struct_type(m));
    message(m, v, path);
  }
};

}  // namespace

std::optional<std::string> type_error(const Kind& kind, const Json& object) {
  const pb::Descriptor* d = kind_message(kind.group, kind.version, kind.kind);
  if (d == nullptr || !object.is_object()) return std::nullopt;
  Checker checker;
  checker.message(d, object, "");
  if (!checker.first) return std::nullopt;
  const auto& m = *checker.first;
  return "json: cannot unmarshal " + m.value + " into Go struct field " + m.owner + "." + m.path + " of type " + m.type;
}

}  // namespace k3s::schema
