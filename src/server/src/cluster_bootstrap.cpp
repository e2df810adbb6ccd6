#include "cluster_bootstrap.h"

#include <filesystem>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "pki/pki.h"

namespace k3s::server {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* kKey = "/bootstrap/cluster";
const char* const kSharedFiles[] = {"server-ca.crt", "server-ca.key",         "client-ca.crt",        "client-ca.key",
                                    "request-header-ca.crt", "request-header-ca.key", "service.key"};

bool is_shared(const std::string& name) {
  for (const char* f : kSharedFiles)
    if (name == f) return true;
  return false;
}

bool is_key_file(const std::string& name) { return name.size() > 4 && name.compare(name.size() - 4, 4, ".key") == 0; }

}  // namespace

RestoreResult restore_cluster_secrets(kine::Store& store, const std::string& tls_dir, const std::string& password) {
  auto found = store.range({.key = kKey});
  if (found.kvs.empty()) return RestoreResult::absent;
  if (password.empty())
    throw std::runtime_error("the datastore already holds a cluster: start this server with that cluster's --token");
  Json files;
  try {
    files = Json::parse(pki::open_with_password(password, found.kvs.front().value));
  } catch (const pki::PkiError&) {
    throw std::runtime_error(
        "the datastore's bootstrap data cannot be opened with this --token: it belongs to a cluster with another token");
  } catch (const Json::exception& e) {
    throw std::runtime_error(std::string("the datastore's bootstrap data is corrupt: ") + e.what());
  }
  bool replaced = false;
  for (const char* name : kSharedFiles) {
    if (!files.contains(name) || !files[name].is_string()) continue;
    const std::string path = (fs::path(tls_dir) / name).string();
    const std::string content = files[name].get<std::string>();
    std::error_code ec;
    if (fs::exists(path, ec) && pki::read_file(path) == content) continue;
    if (fs::exists(path, ec)) replaced = true;
    pki::write_file_atomic(path, content, is_key_file(name) ? 0600 : 0644);
  }
  spdlog::info("Cluster CAs and service-account key restored from the datastore");
  return replaced ? RestoreResult::replaced : RestoreResult::unchanged;
}

bool publish_cluster_secrets(kine::Store& store, const std::string& tls_dir, const std::string& password) {
  Json files = Json::object();
  for (const char* name : kSharedFiles) files[name] = pki::read_file((fs::path(tls_dir) / name).string());
  kine::TxnRequest txn;
  txn.compare.push_back({.key = kKey, .target = kine::Compare::Target::create_revision,
                         .result = kine::Compare::Result::equal, .number = 0});
  txn.success.emplace_back(kine::PutRequest{.key = kKey, .value = pki::seal_with_password(password, files.dump())});
  const bool stored = store.txn(txn).succeeded;
  if (stored) spdlog::info("Cluster CAs and service-account key stored in the datastore for other servers");
  return stored;
}

void remove_leaf_certificates(const std::string& tls_dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(tls_dir, ec))
    if (entry.is_regular_file() && !is_shared(entry.path().filename().string())) fs::remove(entry.path(), ec);
}

}  // namespace k3s::server
