#include "client/client.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <thread>

#include "client/rest_mapper.h"
#include "fake_api_server.h"
#include "http/server.h"

using namespace k3s::client;
using k3s::client::testing::FakeApiServer;
using namespace std::chrono_literals;

namespace {

RestConfig config_for(const FakeApiServer& server) {
  RestConfig config;
  config.server = server.url();
  config.user_agent = "client-tests/1.0";
  config.qps = 0;
  config.timeout = 10s;
  return config;
}

Json config_map(const std::string& ns, const std::string& name, Json data = Json::object()) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}, {"namespace", ns}}}, {"data", data}};
}

}  // namespace

TEST(ResourcePath, Shapes) {
  EXPECT_EQ(resource_path(resources::kPods, "ns", "p", "status"), "/api/v1/namespaces/ns/pods/p/status");
  EXPECT_EQ(resource_path(resources::kPods), "/api/v1/pods");
  EXPECT_EQ(resource_path(resources::kDeployments, "d"), "/apis/apps/v1/namespaces/d/deployments");
  EXPECT_EQ(resource_path(resources::kNamespaces, "ignored", "kube-system"), "/api/v1/namespaces/kube-system");
  EXPECT_EQ(resource_path(resources::kNodes, "", "n1"), "/api/v1/nodes/n1");
  EXPECT_EQ(resource_path({"", "v1", "configmaps"}, "a b", "x:y"), "/api/v1/namespaces/a%20b/configmaps/x%3Ay");
}

TEST(Client, CrudAndErrors) {
  FakeApiServer server;
  Client client(config_for(server));

  Json created = client.create(resources::kConfigMaps, config_map("default", "one", {{"k", "v"}}));
  EXPECT_EQ(created["metadata"]["name"], "one");
  EXPECT_FALSE(created["metadata"]["resourceVersion"].get<std::string>().empty());
  EXPECT_EQ(server.last_header("User-Agent").find("client-tests/1.0") != std::string::npos, true);

  try {
    client.create(resources::kConfigMaps, config_map("default", "one"));
    FAIL() << "expected AlreadyExists";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 409);
    EXPECT_TRUE(e.is_already_exists());
    EXPECT_EQ(e.message(), "configmaps \"one\" already exists");
  }

  Json got = client.get(resources::kConfigMaps, "default", "one");
  EXPECT_EQ(got["data"]["k"], "v");

  // Optimistic concurrency: an update from a stale copy conflicts.
  Json stale = got;
  got["data"]["k"] = "v2";
  Json updated = client.update(resources::kConfigMaps, got);
  EXPECT_EQ(updated["data"]["k"], "v2");
  stale["data"]["k"] = "lost";
  try {
    client.update(resources::kConfigMaps, stale);
    FAIL() << "expected Conflict";
  } catch (const ApiError& e) {
    EXPECT_TRUE(e.is_conflict());
    EXPECT_EQ(e.reason(), reason::kConflict);
  }

  Json patched = client.patch(resources::kConfigMaps, "default", "one", PatchType::merge,
                              Json{{"data", {{"added", "yes"}}}}, PatchOptions{.field_manager = "tests"});
  EXPECT_EQ(patched["data"]["added"], "yes");
  EXPECT_NE(server.last_target().find("fieldManager=tests"), std::string::npos);
  EXPECT_THROW(client.patch(resources::kConfigMaps, "default", "one", PatchType::strategic, Json::object()), ApiError);

  client.remove(resources::kConfigMaps, "default", "one", DeleteOptions{.propagation_policy = "Background"});
  try {
    client.get(resources::kConfigMaps, "default", "one");
    FAIL() << "expected NotFound";
  } catch (const ApiError& e) {
    EXPECT_TRUE(e.is_not_found());
    EXPECT_EQ(e.code(), 404);
    EXPECT_EQ(e.status()["kind"], "Status");
  }
}

TEST(Client, ListWithSelectorsAndPaging) {
  FakeApiServer server;
  Client client(config_for(server));
  for (int i = 0; i < 5; ++i) {
    Json cm = config_map("ns", "cm-" + std::to_string(i));
    cm["metadata"]["labels"]["parity"] = i % 2 ? "odd" : "even";
    client.create(resources::kConfigMaps, cm);
  }
  Json all = client.list(resources::kConfigMaps, "ns");
  EXPECT_EQ(all["items"].size(), 5u);
  Json even = client.list(resources::kConfigMaps, "ns", ListOptions{.label_selector = "parity=even"});
  EXPECT_EQ(even["items"].size(), 3u);
  EXPECT_NE(server.last_target().find("labelSelector=parity%3Deven"), std::string::npos);

  Json page = client.list(resources::kConfigMaps, "ns", ListOptions{.limit = 2});
  EXPECT_EQ(page["items"].size(), 2u);
  std::string next = page["metadata"]["continue"];
  Json rest = client.list(resources::kConfigMaps, "ns", ListOptions{.limit = 10, .continue_token = next});
  EXPECT_EQ(rest["items"].size(), 3u);

  client.delete_collection(resources::kConfigMaps, "ns");
  EXPECT_EQ(client.list(resources::kConfigMaps, "ns")["items"].size(), 0u);
}

TEST(Client, WatchStreamsEventsAndStops) {
  FakeApiServer server;
  Client client(config_for(server));
  Json list = client.list(resources::kConfigMaps, "w");
  auto watch = client.watch(resources::kConfigMaps, "w",
                            ListOptions{.resource_version = list["metadata"]["resourceVersion"]});
  client.create(resources::kConfigMaps, config_map("w", "a"));
  client.patch(resources::kConfigMaps, "w", "a", PatchType::merge, Json{{"data", {{"x", "1"}}}});
  client.remove(resources::kConfigMaps, "w", "a");

  std::vector<WatchEvent::Type> types;
  for (int i = 0; i < 3; ++i) {
    auto event = watch->next();
    ASSERT_TRUE(event);
    types.push_back(event->type);
    EXPECT_EQ(event->object["metadata"]["name"], "a");
  }
  EXPECT_EQ(types, (std::vector<WatchEvent::Type>{WatchEvent::Type::added, WatchEvent::Type::modified,
                                                   WatchEvent::Type::deleted}));

  // stop() from another thread unblocks next().
  auto blocked = std::async(std::launch::async, [&] { return watch->next(); });
  std::this_thread::sleep_for(50ms);
  watch->stop();
  ASSERT_EQ(blocked.wait_for(30s), std::future_status::ready);
  EXPECT_FALSE(blocked.get().has_value());
}

TEST(Client, WatchErrorEventCarriesStatus) {
  FakeApiServer server;
  Client client(config_for(server));
  client.create(resources::kConfigMaps, config_map("w", "a"));
  server.compact();
  auto watch = client.watch(resources::kConfigMaps, "w", ListOptions{.resource_version = "1"});
  auto event = watch->next();
  ASSERT_TRUE(event);
  EXPECT_EQ(event->type, WatchEvent::Type::error);
  ApiError error(event->object);
  EXPECT_TRUE(error.is_gone());
  EXPECT_FALSE(watch->next().has_value());
}

// Frames split across chunks in odd places, and several frames in one chunk.
TEST(Client, WatchDecodesFramesAcrossChunks) {
  k3s::http::ServerOptions options;
  options.bind_address = "127.0.0.1";
  k3s::http::Server server(options, [](k3s::http::Request&) {
    k3s::http::Response r;
    r.stream = [](std::shared_ptr<k3s::http::StreamWriter> w) {
      std::string a = R"({"type":"ADDED","object":{"metadata":{"name":"x}{\"y"}}})";
      std::string b = R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}})";
      std::string all = a + "\n" + b + "\n" + a;
      for (std::size_t i = 0; i < all.size(); i += 5) w->write(all.substr(i, 5));
      w->write("\n{\"type\":\"WHAT\"}\n");
      w->finish();
    };
    return r;
  });
  RestConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(server.port());
  Client client(config);
  auto watch = client.watch(resources::kConfigMaps, "");
  auto first = watch->next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->object["metadata"]["name"], "x}{\"y");
  auto second = watch->next();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->type, WatchEvent::Type::bookmark);
  auto third = watch->next();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->type, WatchEvent::Type::added);
  auto bad = watch->next();
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->type, WatchEvent::Type::error);
  EXPECT_FALSE(watch->next());
}

TEST(Client, NonStatusErrorBodiesBecomeStatuses) {
  k3s::http::ServerOptions options;
  options.bind_address = "127.0.0.1";
  k3s::http::Server server(options, [](k3s::http::Request& request) {
    k3s::http::Response r;
    r.status = request.path == "/missing" ? 404 : 500;
    r.body = "plain text failure";
    return r;
  });
  RestConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(server.port());
  Client client(config);
  try {
    client.request_json("GET", "/missing");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_TRUE(e.is_not_found());
    EXPECT_EQ(e.message(), "the server could not find the requested resource");
  }
  try {
    client.request_json("GET", "/boom");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 500);
    EXPECT_EQ(e.reason(), reason::kInternalError);
    EXPECT_EQ(e.message(), "an error on the server (\"plain text failure\") has prevented the request from succeeding");
  }
  auto raw = client.raw("GET", "/missing");
  EXPECT_EQ(raw.status, 404);
  EXPECT_EQ(raw.body, "plain text failure");
}

// Warning headers reach the hook with their quoted-string unescaped; other codes do not.
TEST(Client, WarningHeadersReachTheHook) {
  k3s::http::ServerOptions options;
  options.bind_address = "127.0.0.1";
  k3s::http::Server server(options, [](k3s::http::Request&) {
    k3s::http::Response r;
    r.body = "{}";
    r.headers.add("Warning", R"(299 - "unknown field \"spec.x\"")");
    r.headers.add("Warning", R"(299 - "second")");
    r.headers.add("Warning", R"(199 - "miscellaneous")");
    return r;
  });
  RestConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(server.port());
  std::vector<std::string> seen;
  config.on_warning = [&seen](const std::string& text) { seen.push_back(text); };
  Client client(config);
  client.request_json("GET", "/anything");
  EXPECT_EQ(seen, (std::vector<std::string>{"unknown field \"spec.x\"", "second"}));
}

TEST(Client, ConnectionRefusedIsTransportError) {
  int port;
  {
    FakeApiServer server;
    port = server.port();
  }
  RestConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(port);
  config.timeout = 5s;
  Client client(config);
  EXPECT_THROW(client.get(resources::kConfigMaps, "d", "x"), TransportError);
  EXPECT_THROW(client.watch(resources::kConfigMaps, "d"), TransportError);
}

TEST(Client, AuthenticationHeaders) {
  FakeApiServer server;
  RestConfig config = config_for(server);
  config.bearer_token = "secret-token";
  Client bearer(config);
  bearer.raw("GET", "/version");
  EXPECT_EQ(server.last_header("Authorization"), "Bearer secret-token");

  RestConfig basic_config = config_for(server);
  basic_config.username = "admin";
  basic_config.password = "pw";
  Client basic(basic_config);
  basic.raw("GET", "/version");
  EXPECT_EQ(server.last_header("Authorization"), "Basic " + base64_encode("admin:pw"));
}

TEST(Client, RateLimitSpacesRequests) {
  FakeApiServer server;
  RestConfig config = config_for(server);
  config.qps = 20;
  config.burst = 1;
  Client client(config);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) client.raw("GET", "/version");
  // 5 requests with burst 1 at 20/s need at least 4 * 50 ms: a lower bound, never an upper one.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 190ms);
}

TEST(TokenBucket, BurstThenRefusal) {
  TokenBucket bucket(1, 3);
  EXPECT_TRUE(bucket.try_accept());
  EXPECT_TRUE(bucket.try_accept());
  EXPECT_TRUE(bucket.try_accept());
  EXPECT_FALSE(bucket.try_accept());
  TokenBucket unlimited(0, 1);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(unlimited.try_accept());
}

TEST(RESTMapper, ResolvesNamesShortNamesKindsAndGroups) {
  FakeApiServer server;
  Client client(config_for(server));
  auto& mapper = client.mapper();
  EXPECT_EQ(mapper.resource_for("pods").gvr, resources::kPods);
  EXPECT_EQ(mapper.resource_for("pod").gvr, resources::kPods);
  EXPECT_EQ(mapper.resource_for("po").gvr, resources::kPods);
  EXPECT_EQ(mapper.resource_for("Pod").gvr, resources::kPods);
  EXPECT_EQ(mapper.resource_for("cm").kind, "ConfigMap");
  auto deploy = mapper.resource_for("deploy");
  EXPECT_EQ(deploy.gvr, resources::kDeployments);
  EXPECT_TRUE(deploy.namespaced);
  EXPECT_EQ(deploy.subresources, std::vector<std::string>{"scale"});
  EXPECT_EQ(mapper.resource_for("deployments.apps").gvr, resources::kDeployments);
  EXPECT_EQ(mapper.resource_for("deployments.v1.apps").gvr, resources::kDeployments);
  EXPECT_FALSE(mapper.resource_for("namespaces").namespaced);
  EXPECT_EQ(mapper.resource_for("pods").subresources, std::vector<std::string>{"status"});
  EXPECT_EQ(mapper.resource_for_kind("coordination.k8s.io/v1", "Lease").gvr, resources::kLeases);
  EXPECT_EQ(mapper.resource_for_kind("v1", "ConfigMap").gvr, resources::kConfigMaps);
  try {
    mapper.resource_for("foos");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_TRUE(e.is_not_found());
    EXPECT_EQ(e.message(), "the server doesn't have a resource type \"foos\"");
  }
  try {
    mapper.resource_for_kind("example.com/v1", "Foo");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.message(), "no matches for kind \"Foo\" in version \"example.com/v1\"");
  }
  auto versions = mapper.api_versions();
  EXPECT_EQ(versions, (std::vector<std::string>{"apps/v1", "coordination.k8s.io/v1", "v1"}));
}

TEST(RESTMapper, DiskCacheServesDiscoveryWhileFresh) {
  char pattern[] = "/tmp/client-discovery-XXXXXX";
  const std::string dir = mkdtemp(pattern);
  FakeApiServer server;
  {
    Client client(config_for(server));
    client.mapper().set_cache(dir, std::chrono::hours(1));
    EXPECT_EQ(client.mapper().resource_for("deploy").gvr, resources::kDeployments);
  }
  const std::string url = server.url();
  server.stop();  // discovery must now come from the cache alone
  RestConfig config;
  config.server = url;
  config.timeout = 5s;
  Client offline(config);
  offline.mapper().set_cache(dir, std::chrono::hours(1));
  EXPECT_EQ(offline.mapper().resource_for("cm").gvr, resources::kConfigMaps);
  EXPECT_EQ(offline.mapper().api_versions().size(), 3u);

  Client stale(config);
  stale.mapper().set_cache(dir, std::chrono::seconds(0));  // expired: asks the (stopped) server
  EXPECT_THROW(stale.mapper().resource_for("cm"), TransportError);
  std::filesystem::remove_all(dir);
}
