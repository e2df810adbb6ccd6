// The grpc probe against a real gRPC server on loopback that implements grpc.health.v1.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>

#include "grpc/health/v1/health.grpc.pb.h"
#include "probes.h"

namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

class ScriptedHealth final : public grpc::health::v1::Health::Service {
 public:
  std::atomic<int> status{HealthCheckResponse::SERVING};
  std::string last_service;
  grpc::Status Check(grpc::ServerContext*, const HealthCheckRequest* request, HealthCheckResponse* response) override {
    last_service = request->service();
    response->set_status(static_cast<HealthCheckResponse::ServingStatus>(status.load()));
    return grpc::Status::OK;
  }
};

class GrpcProbe : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&health_);
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_);
    ASSERT_GT(port_, 0);
  }
  void TearDown() override { server_->Shutdown(); }

  k3s::kubelet::ProbeResult probe(int port, const std::string& service = "") {
    nlohmann::json handler{{"grpc", {{"port", port}}}, {"timeoutSeconds", 2}};
    if (!service.empty()) handler["grpc"]["service"] = service;
    // A grpc probe never talks to the runtime; the client just has to exist.
    k3s::cri::Client runtime("unix:///nonexistent/k3s-probe-test.sock");
    return k3s::kubelet::run_probe(runtime, "", "127.0.0.1", nlohmann::json::object(), handler);
  }

  ScriptedHealth health_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(GrpcProbe, ServingPasses) {
  auto result = probe(port_, "my.service");
  EXPECT_TRUE(result.success) << result.message;
  EXPECT_EQ(health_.last_service, "my.service");
}

TEST_F(GrpcProbe, NotServingFailsWithTheStatusName) {
  health_.status = HealthCheckResponse::NOT_SERVING;
  auto result = probe(port_);
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.message, "service unhealthy (responded with \"NOT_SERVING\")");
}

TEST_F(GrpcProbe, NothingListeningFails) {
  server_->Shutdown();
  auto result = probe(port_);
  EXPECT_FALSE(result.success);
  EXPECT_NE(result.message.find("failed to connect"), std::string::npos) << result.message;
}

}  // namespace
