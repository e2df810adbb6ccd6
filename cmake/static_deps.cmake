# Links the libraries statically into the project's executables: zlib, SQLite and yaml-cpp
# from Debian's .a archives, spdlog and fmt compiled by the project
# (cmake/spdlog), libstdc++ and libgcc by the compiler driver. With gRPC already static
# (static_grpc.cmake), `k3s` then loads only glibc and OpenSSL, and the loader no longer spends
# most of a `k3s kubectl` start relocating ~9,000 symbol references into the shared
# libraries. glibc stays shared for NSS (getaddrinfo, getpwnam) and dlopen.
#
# OpenSSL stays shared unless K3S_STATIC_OPENSSL is on. Static, it takes the stripped binary
# from ~23 MB to ~27 MB, over the 25 MB target, and `k3s kubectl version --client` from
# ~9-10 ms to ~5-6 ms (the shared libssl/libcrypto cost the loader ~4,200 symbol and ~19,000
# relative relocations and ~150 page faults). libpq and libmariadb, opened at run time (src/kine/sql/client_libraries.cpp),
# load the shared libssl/libcrypto themselves; a static copy is not exported from the
# executable (no -rdynamic), so the two copies stay apart and no OpenSSL object crosses.
option(K3S_STATIC_OPENSSL "Link OpenSSL statically too (binary over 25 MB, see static_deps.cmake)" OFF)

# Before the find_package calls (here and in gRPC's config, which finds both again).
macro(k3s_static_deps_prefer_archives)
  set(OPENSSL_USE_STATIC_LIBS ${K3S_STATIC_OPENSSL})
  set(ZLIB_USE_STATIC_LIBS TRUE)
  add_link_options(-static-libstdc++ -static-libgcc)
endmacro()

# After the find_package calls: the imported targets that still name a shared object.
function(k3s_static_deps_use_archives)
  k3s_use_static_archive(yaml-cpp)
  k3s_use_static_archive(PkgConfig::SQLITE3)
endfunction()
