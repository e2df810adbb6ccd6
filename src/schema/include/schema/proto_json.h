// How the protobuf form of the built-in types maps onto their JSON form: the facts both the
// protobuf request decoder and the schema need, kept in one place.
#pragma once

#include <memory>
#include <string>

namespace google::protobuf {
class Descriptor;
class DescriptorPool;
class FieldDescriptor;
class Message;
}  // namespace google::protobuf

namespace k3s::schema {

// The pool of the Kubernetes schema (proto/k8s/), built from the embedded descriptor set at
// first use. These types have no generated classes (proto/CMakeLists.txt): look them up here
// and make their messages with new_message.
const google::protobuf::DescriptorPool& descriptor_pool();

// An empty dynamic message of a type from descriptor_pool(), read and written by reflection.
std::unique_ptr<google::protobuf::Message> new_message(const google::protobuf::Descriptor* type);

// The Go json tag of a field whose generated proto name differs ("aPIGroup" -> "apiGroup").
std::string json_field_name(const google::protobuf::FieldDescriptor* field);

// Embedded Go structs (json:",inline") whose fields JSON flattens into the parent.
bool is_inlined(const google::protobuf::FieldDescriptor* field);

// The compiled message of a kind, or nullptr. `group` is "" for core; meta.k8s.io kinds
// resolve to apimachinery's meta/v1 package.
const google::protobuf::Descriptor* kind_message(const std::string& group, const std::string& version,
                                                 const std::string& kind);

}  // namespace k3s::schema
