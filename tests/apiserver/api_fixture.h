// An API server over a real SQLite kine store with a service-account key, called without
// the network: as the admin (client certificate) or with a bearer token.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "apiserver/apiserver.h"
#include "kine/store.h"
#include "pki/pki.h"

namespace k3s::testing {

class ApiServerFixture : public ::testing::Test {
 protected:
  using Json = nlohmann::json;

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("k3s-api-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    pki::ensure_rsa_key((dir_ / "service.key").string());
    kine::StoreConfig config;
    config.default_sqlite_path = (dir_ / "state.db").string();
    config.compact_interval_seconds = 0;
    store_ = kine::open_store(config);
    apiserver::Options options;
    options.store = store_.get();
    options.service_account_key_file = (dir_ / "service.key").string();
    options.api_audiences = {options.service_account_issuer, "k3s"};
    api_ = std::make_unique<apiserver::ApiServer>(options);
  }
  void TearDown() override {
    api_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  http::Response call(const std::string& method, const std::string& path, const Json& body = nullptr,
                      const std::string& token = "") {
    http::Request req;
    req.method = method;
    req.target = path;
    const auto q = path.find('?');
    req.path = path.substr(0, q);
    if (q != std::string::npos) req.query = path.substr(q + 1);
    if (!body.is_null()) {
      req.body = body.dump();
      req.headers.set("Content-Type", "application/json");
    }
    if (token.empty())
      req.peer = {true, "system:admin", {"system:masters"}};
    else
      req.headers.set("Authorization", "Bearer " + token);
    return api_->handle(req);
  }
  static Json json(const http::Response& r) { return Json::parse(r.full_body()); }

  // Admission and token checks read the watch caches, which follow the datastore a moment
  // behind; a list without resourceVersion returns once the collection's cache has caught up.
  void await_cache(const std::string& collection_path) {
    ASSERT_EQ(call("GET", collection_path).status, 200) << collection_path;
  }

  std::filesystem::path dir_;
  std::unique_ptr<kine::Store> store_;
  std::unique_ptr<apiserver::ApiServer> api_;
};

}  // namespace k3s::testing
