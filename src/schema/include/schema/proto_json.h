// How the protobuf form of the built-in types maps onto their JSON form: the facts both the
// protobuf request decoder and the schema need, kept in one place.
#pragma once

#include <string>

namespace google::protobuf {
class Descriptor;
class DescriptorPool;
class FieldDescriptor;
}  // namespace google::protobuf

namespace k3s::schema {

// The generated descriptor pool with every Kubernetes schema file registered. The generated
// files register on first use, not at start-up (proto/CMakeLists.txt), so a lookup by name
// must go through here.
const google::protobuf::DescriptorPool& descriptor_pool();

// The Go json tag of a field whose generated proto name differs ("aPIGroup" -> "apiGroup").
std::string json_field_name(const google::protobuf::FieldDescriptor* field);

// Embedded Go structs (json:",inline") whose fields JSON flattens into the parent.
bool is_inlined(const google::protobuf::FieldDescriptor* field);

// The compiled message of a kind, or nullptr. `group` is "" for core; meta.k8s.io kinds
// resolve to apimachinery's meta/v1 package. Every schema file is linked in by this call.
const google::protobuf::Descriptor* kind_message(const std::string& group, const std::string& version,
                                                 const std::string& kind);

}  // namespace k3s::schema
