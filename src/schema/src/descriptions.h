// Internal: the project's own field documentation, compiled in from src/schema/descriptions.
#pragma once

#include <google/protobuf/descriptor.h>

#include <string>
#include <string_view>
#include <vector>

namespace k3s::schema::detail {

struct DescriptionFile {
  std::string_view name;
  std::string_view text;
};

// The descriptions/*.txt files as the build embedded them (generated descriptions_data.cpp).
const std::vector<DescriptionFile>& embedded_description_files();

// The description of a message, "" when it has none.
const std::string& type_description(const google::protobuf::Descriptor* d);

// The description of a JSON field of `owner`: the owner's own entry, else the entry of the
// (inlined) message that declares it, else the generic entry for apiVersion/kind/metadata.
const std::string& field_description(const google::protobuf::Descriptor* owner, const std::string& json_name,
                                     const google::protobuf::FieldDescriptor* field);

// For apiVersion/kind, which no message declares.
const std::string& type_meta_description(const std::string& json_name);

}  // namespace k3s::schema::detail
