#include "client/events.h"

#include <gtest/gtest.h>

#include "fake_api_server.h"

using namespace k3s::client;
using k3s::client::testing::FakeApiServer;

TEST(EventRecorder, CreatesThenAggregatesRepeats) {
  FakeApiServer server;
  RestConfig config;
  config.server = server.url();
  config.qps = 0;
  Client client(config);
  Json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "web-1"}, {"namespace", "apps"}, {"uid", "uid-1"}, {"resourceVersion", "5"}}}};
  Json node = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "n1"}, {"uid", "uid-n"}}}};
  {
    EventRecorder recorder(client, "test-controller", "host-1");
    recorder.event(pod, kEventTypeNormal, "Scheduled", "assigned apps/web-1 to n1");
    recorder.event(pod, kEventTypeNormal, "Scheduled", "assigned apps/web-1 to n1");
    recorder.event(pod, kEventTypeNormal, "Scheduled", "assigned apps/web-1 to n1");
    recorder.event(pod, kEventTypeWarning, "BackOff", "back-off restarting");
    recorder.event(node, kEventTypeNormal, "NodeReady", "ready");
    recorder.flush();
  }
  Json events = client.list(resources::kEvents, "apps");
  ASSERT_EQ(events["items"].size(), 2u);
  for (const auto& e : events["items"]) {
    EXPECT_EQ(e["involvedObject"]["name"], "web-1");
    EXPECT_EQ(e["involvedObject"]["uid"], "uid-1");
    EXPECT_EQ(e["involvedObject"]["kind"], "Pod");
    EXPECT_EQ(e["source"]["component"], "test-controller");
    EXPECT_EQ(e["source"]["host"], "host-1");
    EXPECT_EQ(e["metadata"]["name"].get<std::string>().rfind("web-1.", 0), 0u);
    if (e["reason"] == "Scheduled") {
      EXPECT_EQ(e["count"], 3);
      EXPECT_EQ(e["type"], "Normal");
      EXPECT_FALSE(e["lastTimestamp"].get<std::string>().empty());
    } else {
      EXPECT_EQ(e["reason"], "BackOff");
      EXPECT_EQ(e["type"], "Warning");
      EXPECT_EQ(e["count"], 1);
    }
  }
  // Cluster-scoped objects get their events in "default".
  Json node_events = client.list(resources::kEvents, "default");
  ASSERT_EQ(node_events["items"].size(), 1u);
  EXPECT_EQ(node_events["items"][0]["involvedObject"]["name"], "n1");
}

TEST(EventRecorder, RecreatesAnExpiredEvent) {
  FakeApiServer server;
  RestConfig config;
  config.server = server.url();
  Client client(config);
  Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "p"}, {"namespace", "n"}}}};
  EventRecorder recorder(client, "c");
  recorder.event(pod, kEventTypeNormal, "R", "m");
  recorder.flush();
  Json events = client.list(resources::kEvents, "n");
  ASSERT_EQ(events["items"].size(), 1u);
  server.delete_object("events", "n", events["items"][0]["metadata"]["name"]);
  recorder.event(pod, kEventTypeNormal, "R", "m");
  recorder.flush();
  events = client.list(resources::kEvents, "n");
  ASSERT_EQ(events["items"].size(), 1u);
  EXPECT_EQ(events["items"][0]["count"], 1);
}

TEST(EventRecorder, NeverThrowsWhenServerIsDown) {
  int port;
  {
    FakeApiServer server;
    port = server.port();
  }
  RestConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(port);
  Client client(config);
  EventRecorder recorder(client, "c");
  recorder.event({{"kind", "Pod"}, {"metadata", {{"name", "p"}}}}, kEventTypeNormal, "R", "m");
  recorder.flush();
  SUCCEED();
}
