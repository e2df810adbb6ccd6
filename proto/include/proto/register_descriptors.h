// Generated protobuf files register their descriptors on first use (proto/CMakeLists.txt
// removes the start-up registration to keep short commands fast). A server, agent or kine
// process registers the files it uses once, before it starts threads, so that no registration
// can race a name lookup in the generated pool later.
#pragma once

#include <initializer_list>
#include <string_view>

namespace k3s::proto {

// Every compiled .proto file (the server and kine: etcd, CRI, gRPC health). The Kubernetes API
// schema is not among them: it has a pool of its own (src/schema, proto/CMakeLists.txt).
void register_all_descriptors();

// Only the files under these folders of proto/ (e.g. {"cri", "grpc"}) and their imports: a
// process that never touches the others need not parse and index them.
void register_descriptors_under(std::initializer_list<std::string_view> folders);

}  // namespace k3s::proto
