// Generated protobuf files register their descriptors on first use (proto/CMakeLists.txt
// removes the start-up registration to keep short commands fast). A server, agent or kine
// process calls this once, before it starts threads, so that no registration can race a
// name lookup in the generated pool later.
#pragma once

namespace k3s::proto {

void register_all_descriptors();

}  // namespace k3s::proto
