# Links every library but glibc statically into the project's executables: OpenSSL, zlib,
# SQLite and yaml-cpp from Debian's .a archives, spdlog and fmt compiled by the project
# (cmake/spdlog), libstdc++ and libgcc by the compiler driver. With gRPC already static
# (static_grpc.cmake), `k3s` then loads only libc and libm, and the loader no longer spends
# most of a `k3s kubectl` start relocating ~9,000 symbol references into the shared
# libraries. glibc stays shared for NSS (getaddrinfo, getpwnam) and dlopen.
#
# libpq and libmariadb, opened at run time (src/kine/sql/client_libraries.cpp), bring their
# own shared libssl/libcrypto; the static OpenSSL copy is not exported from the executable
# (no -rdynamic), so each library keeps binding to its own copy and no OpenSSL object crosses
# between them.

# Before the find_package calls (here and in gRPC's config, which finds both again).
macro(k3s_static_deps_prefer_archives)
  set(OPENSSL_USE_STATIC_LIBS TRUE)
  set(ZLIB_USE_STATIC_LIBS TRUE)
  add_link_options(-static-libstdc++ -static-libgcc)
endmacro()

# After the find_package calls: the imported targets that still name a shared object.
function(k3s_static_deps_use_archives)
  k3s_use_static_archive(yaml-cpp)
  k3s_use_static_archive(PkgConfig::SQLITE3)
endfunction()
