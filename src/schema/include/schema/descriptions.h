// Checks of the description files (src/schema/descriptions/*.txt) against the schema, so a
// key that names no type or field fails a test instead of silently documenting nothing.
//
// Format, one entry per line (continuation lines start with whitespace):
//   # comment
//   @package k8s.io.api.apps.v1          protobuf package of the keys that follow
//   DeploymentSpec: text                 the type's description
//   DeploymentSpec.replicas: text        a field, by its JSON name
//   *.apiVersion: text                   generic entries: apiVersion, kind, metadata of kinds
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace k3s::schema {

// Problems of one description file ("<file>:<line>: ..."): malformed lines, duplicate keys,
// keys naming no message of the package or no JSON field of the message.
std::vector<std::string> check_description_file(std::string_view file, std::string_view text);

// The problems of every embedded file, and the number of entries they hold.
struct DescriptionReport {
  std::vector<std::string> problems;
  std::size_t types = 0;
  std::size_t fields = 0;
};
DescriptionReport check_embedded_descriptions();

}  // namespace k3s::schema
