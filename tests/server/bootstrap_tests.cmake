# Tests of the server bootstrap state (certificates, tokens, kubeconfig).
add_executable(server_bootstrap_tests
  ${CMAKE_CURRENT_LIST_DIR}/serving_sans_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/server_certs_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tokens_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kubeconfig_test.cpp)
target_link_libraries(server_bootstrap_tests PRIVATE k3s_server_bootstrap OpenSSL::SSL GTest::gtest_main)
target_include_directories(server_bootstrap_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../pki)
target_compile_definitions(server_bootstrap_tests PRIVATE
  K3S_TEST_KUBECTL="/usr/lib/google-cloud-sdk/bin/kubectl.1.33")
gtest_discover_tests(server_bootstrap_tests)

# The cluster's bootstrap data in a real (sqlite) kine store, and the rotation endpoints.
add_executable(server_cluster_secrets_tests ${CMAKE_CURRENT_LIST_DIR}/cluster_secrets_test.cpp)
target_include_directories(server_cluster_secrets_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../pki)
target_link_libraries(server_cluster_secrets_tests PRIVATE
  k3s_server_cluster k3s_pki nlohmann_json::nlohmann_json GTest::gtest_main)
gtest_discover_tests(server_cluster_secrets_tests)
