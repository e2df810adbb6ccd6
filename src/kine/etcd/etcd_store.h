// Pass-through Store over a real etcd cluster (--datastore-endpoint http(s)://host:2379,...).
#pragma once

#include <memory>

#include "kine/store.h"

namespace k3s::kine {

std::unique_ptr<Store> open_etcd_store(const StoreConfig& config);

}  // namespace k3s::kine
