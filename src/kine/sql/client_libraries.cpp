#include "sql/client_libraries.h"

#include <dlfcn.h>

#include <string>

#include "kine/store.h"

namespace k3s::kine::sql {
namespace {

void* open_library(const char* soname, const char* package) {
  if (void* handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) return handle;
  const char* why = dlerror();
  throw StoreError(Errc::invalid_argument, std::string("this datastore needs ") + soname + " (" +
                                               (why ? why : "not found") + "); install the " + package +
                                               " package");
}

template <class Function>
void bind(void* handle, const char* soname, const char* name, Function& slot) {
  slot = reinterpret_cast<Function>(dlsym(handle, name));
  if (!slot) throw StoreError(Errc::invalid_argument, std::string(soname) + " has no symbol " + name);
}

}  // namespace

#define K3S_BIND(name) bind(handle, soname, #name, lib.name);

const LibPq& libpq() {
  static const LibPq loaded = [] {
    const char* soname = "libpq.so.5";
    void* handle = open_library(soname, "libpq5");
    LibPq lib;
    K3S_LIBPQ_FUNCTIONS(K3S_BIND)
    return lib;
  }();
  return loaded;
}

const LibMariaDb& libmariadb() {
  static const LibMariaDb loaded = [] {
    const char* soname = "libmariadb.so.3";
    void* handle = open_library(soname, "libmariadb3");
    LibMariaDb lib;
    K3S_LIBMARIADB_FUNCTIONS(K3S_BIND)
    return lib;
  }();
  return loaded;
}

#undef K3S_BIND

}  // namespace k3s::kine::sql
