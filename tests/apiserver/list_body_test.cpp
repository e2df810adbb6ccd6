#include <gtest/gtest.h>

#include "list_body.h"
#include "registry.h"

using namespace k3s;
using namespace k3s::apiserver;

namespace {

std::vector<CachedPtr> configmaps(const ResourceType& type, int count) {
  std::vector<CachedPtr> out;
  for (int i = 0; i < count; ++i) {
    Json cm = {{"apiVersion", "v1"},
               {"kind", "ConfigMap"},
               {"metadata", {{"name", "cm-" + std::to_string(i)}, {"namespace", "ns"}}},
               {"data", {{"k", "v \"quoted\" " + std::to_string(i)}}}};
    out.push_back(WatchCache::make_cached(type, cm, 10 + i));
  }
  return out;
}

}  // namespace

TEST(ListBody, SplicesCachedEncodingsIntoTheListEnvelope) {
  Registry registry;
  register_builtin_types(registry);
  auto type = registry.find("", "v1", "configmaps");
  ASSERT_TRUE(type);
  for (int count : {0, 1, 3}) {
    auto items = configmaps(*type, count);
    Json meta = {{"resourceVersion", "42"}, {"continue", "abc"}};
    auto r = json_list_response("ConfigMapList", "v1", meta, items);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
    const std::string text = r.full_body();
    EXPECT_EQ(r.body_size(), text.size());
    Json parsed = Json::parse(text);
    EXPECT_EQ(parsed["kind"], "ConfigMapList");
    EXPECT_EQ(parsed["apiVersion"], "v1");
    EXPECT_EQ(parsed["metadata"], meta);
    ASSERT_EQ(parsed["items"].size(), static_cast<std::size_t>(count)) << text;
    for (int i = 0; i < count; ++i) EXPECT_EQ(parsed["items"][i], items[i]->object) << i;
    // The pieces are the cache's own bytes, not copies of them.
    if (count > 0) EXPECT_EQ(r.pieces->piece(0).data(), items[0]->encoded.data());
  }
}
