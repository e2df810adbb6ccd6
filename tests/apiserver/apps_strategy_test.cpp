// DaemonSet updateStrategy defaults and the rolling update budget validation.
#include "apps_strategy.h"

#include <gtest/gtest.h>

#include "status.h"

using k3s::apiserver::ApiError;
using k3s::apiserver::prepare_daemon_set_write;
using k3s::apiserver::ResourceType;
using Json = nlohmann::json;

namespace {
ResourceType daemon_sets() {
  ResourceType t;
  t.group = "apps";
  t.version = "v1";
  t.resource = "daemonsets";
  t.kind = "DaemonSet";
  return t;
}
Json ds(Json rolling_update) {
  return {{"metadata", {{"name", "agent"}}},
          {"spec", {{"updateStrategy", {{"type", "RollingUpdate"}, {"rollingUpdate", rolling_update}}}}}};
}
std::string error_of(Json object) {
  try {
    prepare_daemon_set_write(daemon_sets(), object);
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 422);
    return e.what();
  }
  return "";
}
}  // namespace

TEST(DaemonSetStrategy, FieldDefaults) {
  Json o = {{"metadata", {{"name", "agent"}}}, {"spec", Json::object()}};
  prepare_daemon_set_write(daemon_sets(), o);
  EXPECT_EQ(o["spec"]["updateStrategy"],
            Json({{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxUnavailable", 1}, {"maxSurge", 0}}}}));
  // Only what is missing is filled in.
  o = ds({{"maxSurge", 2}, {"maxUnavailable", 0}});
  prepare_daemon_set_write(daemon_sets(), o);
  EXPECT_EQ(o["spec"]["updateStrategy"]["rollingUpdate"], Json({{"maxSurge", 2}, {"maxUnavailable", 0}}));
  // OnDelete gets no rolling update parameters.
  o = {{"metadata", {{"name", "agent"}}}, {"spec", {{"updateStrategy", {{"type", "OnDelete"}}}}}};
  prepare_daemon_set_write(daemon_sets(), o);
  EXPECT_FALSE(o["spec"]["updateStrategy"].contains("rollingUpdate"));
}

TEST(DaemonSetStrategy, ExactlyOneOfSurgeAndUnavailable) {
  EXPECT_EQ(error_of(ds({{"maxSurge", 1}})),
            "DaemonSet.apps \"agent\" is invalid: spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not "
            "be set when maxUnavailable is non-zero");
  EXPECT_EQ(error_of(ds({{"maxSurge", "0%"}, {"maxUnavailable", 0}})),
            "DaemonSet.apps \"agent\" is invalid: spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: "
            "cannot be 0 when maxSurge is 0");
  EXPECT_EQ(error_of(ds({{"maxSurge", "25%"}, {"maxUnavailable", 0}})), "");
  EXPECT_EQ(error_of(ds({{"maxUnavailable", "100%"}})), "");
}

TEST(DaemonSetStrategy, IntOrPercentShape) {
  EXPECT_NE(error_of(ds({{"maxSurge", "150%"}, {"maxUnavailable", 0}})).find("must not be greater than 100%"),
            std::string::npos);
  EXPECT_NE(error_of(ds({{"maxUnavailable", -1}})).find("must be greater than or equal to 0"), std::string::npos);
  EXPECT_NE(error_of(ds({{"maxUnavailable", "one"}})).find("a valid percent string"), std::string::npos);
}
