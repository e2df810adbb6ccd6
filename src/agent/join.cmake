# Joining a cluster (token, CA check, node password, kubelet certificates) and `k3s agent`.
add_library(k3s_agent_join STATIC ${CMAKE_CURRENT_LIST_DIR}/join.cpp)
target_include_directories(k3s_agent_join PUBLIC ${CMAKE_CURRENT_LIST_DIR}/include)
target_link_libraries(k3s_agent_join PRIVATE k3s_client k3s_http k3s_pki k3s_util nlohmann_json::nlohmann_json OpenSSL::Crypto)

# `k3s agent` needs the node runtime (k3s_agent_node).
if(NOT TARGET k3s_agent_node)
  return()
endif()
add_library(k3s_agent_cmd STATIC ${CMAKE_CURRENT_LIST_DIR}/agent.cpp)
target_include_directories(k3s_agent_cmd PUBLIC ${CMAKE_CURRENT_LIST_DIR}/include)
target_link_libraries(k3s_agent_cmd
  PUBLIC k3s_cli
  PRIVATE k3s_agent_join k3s_agent_node k3s_tunnel k3s_client spdlog::spdlog Threads::Threads)
