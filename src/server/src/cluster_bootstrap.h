// Servers sharing an external datastore share the cluster's secrets through it (k3s's
// "bootstrap data"): the server, client and request-header CAs and the service-account key,
// sealed with the server token's password under /bootstrap/cluster. The first server
// publishes them; every later one restores them before issuing its own leaf certificates,
// so one kubeconfig, one token and every service-account token work against any server.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

#include "kine/store.h"

namespace k3s::server {

// Writes the shared files into tls_dir when the datastore holds them. Returns "absent" when
// it holds none, "unchanged" when the local files already were the cluster's, "replaced"
// when local files were overwritten (leaf certificates signed by the old CAs must go).
// Throws std::runtime_error when the data cannot be opened with `password` (another
// cluster's token).
enum class RestoreResult { absent, unchanged, replaced };
RestoreResult restore_cluster_secrets(kine::Store& store, const std::string& tls_dir, const std::string& password);

// Stores the shared files of tls_dir unless another server stored its own first; returns
// false when it did (the caller restores theirs).
bool publish_cluster_secrets(kine::Store& store, const std::string& tls_dir, const std::string& password);

// The names of the shared files (server-ca.crt, …, service.key).
bool is_shared_file(const std::string& name);

// Thrown when the bootstrap data cannot be opened with the given password.
class WrongTokenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `k3s token rotate`: seals the bootstrap data under new_password in place of old_password
// (a server restarted with the new token then opens it). Throws WrongTokenError when
// old_password does not open it, std::runtime_error when there is none or it changed meanwhile.
void reseal_cluster_secrets(kine::Store& store, const std::string& old_password, const std::string& new_password);

// `k3s certificate rotate-ca`: the stored files, and storing some of them anew (the rest
// kept); servers take them over at their next start.
std::map<std::string, std::string> read_cluster_secrets(kine::Store& store, const std::string& password);
void update_cluster_secrets(kine::Store& store, const std::string& password,
                            const std::map<std::string, std::string>& files);

// Removes every file of tls_dir but the shared ones (the leaf certificates to re-issue).
void remove_leaf_certificates(const std::string& tls_dir);

}  // namespace k3s::server
