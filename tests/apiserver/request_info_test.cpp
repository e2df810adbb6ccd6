#include <gtest/gtest.h>

#include "request_info.h"

using k3s::apiserver::parse_request_info;

TEST(RequestInfo, NamespacedCollectionAndItem) {
  auto list = parse_request_info("GET", "/api/v1/namespaces/default/pods", false);
  EXPECT_TRUE(list.is_resource_request);
  EXPECT_EQ(list.verb, "list");
  EXPECT_EQ(list.ns, "default");
  EXPECT_EQ(list.resource, "pods");
  auto get = parse_request_info("GET", "/apis/apps/v1/namespaces/x/deployments/web", false);
  EXPECT_EQ(get.verb, "get");
  EXPECT_EQ(get.group, "apps");
  EXPECT_EQ(get.version, "v1");
  EXPECT_EQ(get.name, "web");
  auto status = parse_request_info("PUT", "/apis/apps/v1/namespaces/x/deployments/web/status", false);
  EXPECT_EQ(status.verb, "update");
  EXPECT_EQ(status.subresource, "status");
}

TEST(RequestInfo, NamespaceObjectItselfAndItsSubresources) {
  auto ns = parse_request_info("DELETE", "/api/v1/namespaces/foo", false);
  EXPECT_EQ(ns.resource, "namespaces");
  EXPECT_EQ(ns.name, "foo");
  EXPECT_EQ(ns.ns, "");
  EXPECT_EQ(ns.verb, "delete");
  auto fin = parse_request_info("PUT", "/api/v1/namespaces/foo/finalize", false);
  EXPECT_EQ(fin.resource, "namespaces");
  EXPECT_EQ(fin.name, "foo");
  EXPECT_EQ(fin.subresource, "finalize");
  auto all = parse_request_info("GET", "/api/v1/namespaces", false);
  EXPECT_EQ(all.verb, "list");
  EXPECT_EQ(all.resource, "namespaces");
}

TEST(RequestInfo, WatchAndCollectionVerbs) {
  EXPECT_EQ(parse_request_info("GET", "/api/v1/configmaps", true).verb, "watch");
  EXPECT_EQ(parse_request_info("GET", "/api/v1/watch/namespaces/a/configmaps", false).verb, "watch");
  EXPECT_EQ(parse_request_info("DELETE", "/api/v1/namespaces/a/configmaps", false).verb, "deletecollection");
  EXPECT_EQ(parse_request_info("POST", "/api/v1/namespaces/a/configmaps", false).verb, "create");
  EXPECT_EQ(parse_request_info("PATCH", "/api/v1/namespaces/a/configmaps/b", false).verb, "patch");
}

TEST(RequestInfo, DiscoveryAndOtherPathsAreNotResourceRequests) {
  EXPECT_FALSE(parse_request_info("GET", "/api", false).is_resource_request);
  EXPECT_FALSE(parse_request_info("GET", "/api/v1", false).is_resource_request);
  EXPECT_FALSE(parse_request_info("GET", "/apis/apps", false).is_resource_request);
  EXPECT_FALSE(parse_request_info("GET", "/apis/apps/v1", false).is_resource_request);
  EXPECT_FALSE(parse_request_info("GET", "/version", false).is_resource_request);
}
