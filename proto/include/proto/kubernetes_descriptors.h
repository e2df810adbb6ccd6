// The Kubernetes API schema (proto/k8s/) as a serialized google.protobuf.FileDescriptorSet,
// files in dependency order. It is not compiled to C++ classes: src/schema builds a
// DescriptorPool from it and messages are dynamic (proto/CMakeLists.txt says why).
#pragma once

#include <string_view>

namespace k3s::proto {

std::string_view kubernetes_descriptor_set();

}  // namespace k3s::proto
