# Server bootstrap state (certificates, tokens, kubeconfig) as its own library, so the server
# component and its tests link it without the rest of the server.
add_library(k3s_server_bootstrap STATIC
  ${CMAKE_CURRENT_LIST_DIR}/bootstrap_certs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bootstrap_tokens.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bootstrap_kubeconfig.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bootstrap_node_certs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/serving_sans.cpp)
target_include_directories(k3s_server_bootstrap PUBLIC
  ${CMAKE_CURRENT_LIST_DIR}
  ${CMAKE_CURRENT_LIST_DIR}/include
  ${CMAKE_CURRENT_LIST_DIR}/../cli/include)
target_link_libraries(k3s_server_bootstrap PUBLIC k3s_pki yaml-cpp OpenSSL::Crypto spdlog::spdlog PRIVATE k3s_client k3s_util)
