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

struct Stored {
  Json files;
  int64_t mod_revision = 0;
};

// The bootstrap data as stored, opened with `password`; mod_revision 0 when there is none.
Stored open_stored(kine::Store& store, const std::string& password) {
  auto found = store.range({.key = kKey});
  if (found.kvs.empty()) return {};
  Stored stored;
  stored.mod_revision = found.kvs.front().mod_revision;
  try {
    stored.files = Json::parse(pki::open_with_password(password, found.kvs.front().value));
  } catch (const pki::PkiError&) {
    throw WrongTokenError("the datastore's bootstrap data cannot be opened with this token");
  } catch (const Json::exception& e) {
    throw std::runtime_error(std::string("the datastore's bootstrap data is corrupt: ") + e.what());
  }
  return stored;
}

// Replaces the stored data unless another writer changed it since it was read.
void replace_stored(kine::Store& store, int64_t mod_revision, const std::string& password, const Json& files) {
  kine::TxnRequest txn;
  txn.compare.push_back({.key = kKey, .target = kine::Compare::Target::mod_revision,
                         .result = kine::Compare::Result::equal, .number = mod_revision});
  txn.success.emplace_back(kine::PutRequest{.key = kKey, .value = pki::seal_with_password(password, files.dump())});
  if (!store.txn(txn).succeeded)
    throw std::runtime_error("the bootstrap data changed while it was being updated; try again");
}

}  // namespace

bool is_shared_file(const std::string& name) {
  for (const char* f : kSharedFiles)
    if (name == f) return true;
  return false;
}

namespace {

bool is_key_file(const std::string& name) { return name.size() > 4 && name.compare(name.size() - 4, 4, ".key") == 0; }

}  // namespace

RestoreResult restore_cluster_secrets(kine::Store& store, const std::string& tls_dir, const std::string& password) {
  auto found = store.range({.key = kKey});
  if (found.kvs.empty()) return RestoreResult::absent;
  if (password.empty())
    throw std::runtime_error("the datastore already holds a cluster: start this server with that cluster's --token");
  Json files;
  try {
    files = open_stored(store, password).files;
  } catch (const WrongTokenError&) {
    throw std::runtime_error(
        "the datastore's bootstrap data cannot be opened with this --token: it belongs to a cluster with another "
        "token (or the token was rotated: start with the new one)");
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

void reseal_cluster_secrets(kine::Store& store, const std::string& old_password, const std::string& new_password) {
  Stored stored = open_stored(store, old_password);
  if (stored.mod_revision == 0) throw std::runtime_error("the datastore holds no bootstrap data to re-seal");
  replace_stored(store, stored.mod_revision, new_password, stored.files);
  spdlog::info("Bootstrap data re-sealed with the new server token");
}

std::map<std::string, std::string> read_cluster_secrets(kine::Store& store, const std::string& password) {
  std::map<std::string, std::string> out;
  const Stored stored = open_stored(store, password);
  for (const auto& [name, content] : stored.files.items())
    if (content.is_string()) out[name] = content.get<std::string>();
  return out;
}

void update_cluster_secrets(kine::Store& store, const std::string& password,
                            const std::map<std::string, std::string>& files) {
  Stored stored = open_stored(store, password);
  if (stored.mod_revision == 0) throw std::runtime_error("the datastore holds no bootstrap data to update");
  for (const auto& [name, content] : files) {
    if (!is_shared_file(name)) throw std::runtime_error(name + " is not one of the cluster's CA files");
    stored.files[name] = content;
  }
  replace_stored(store, stored.mod_revision, password, stored.files);
  spdlog::info("Cluster CA files updated in the datastore; servers use them from their next start");
}

void remove_leaf_certificates(const std::string& tls_dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(tls_dir, ec))
    if (entry.is_regular_file() && !is_shared_file(entry.path().filename().string())) fs::remove(entry.path(), ec);
}

}  // namespace k3s::server
