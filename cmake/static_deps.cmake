# Links the libraries statically into the project's executables: zlib, SQLite and yaml-cpp
# from Debian's .a archives, spdlog and fmt compiled by the project
# (cmake/spdlog), libstdc++ and libgcc by the compiler driver. With gRPC already static
# (static_grpc.cmake), `k3s` then loads only glibc, and the loader no longer spends
# most of a `k3s kubectl` start relocating ~9,000 symbol references into the shared
# libraries. glibc stays shared for NSS (getaddrinfo, getpwnam) and dlopen.
#
# OpenSSL is static too (K3S_STATIC_OPENSSL, on by default): the shared libssl/libcrypto cost
# the loader ~4,200 symbol and ~19,000 relative relocations and ~150 page faults at every
# start (Debian builds libcrypto with BIND_NOW), most of a `k3s kubectl version --client`.
# Static, they add ~4 MB to the stripped binary, which fits under the 25 MB target since the
# Kubernetes schema is no longer compiled to C++ (proto/CMakeLists.txt) and the bundled
# kubectl is built for size (src/kubectl/CMakeLists.txt). Turn it off to follow the system's
# OpenSSL updates without a rebuild. libpq and libmariadb, opened at run time
# (src/kine/sql/client_libraries.cpp), load the shared libssl/libcrypto themselves; a static
# copy is not exported from the executable (no -rdynamic), so the two copies stay apart and
# no OpenSSL object crosses.
option(K3S_STATIC_OPENSSL "Link OpenSSL statically (off: use the system's shared libssl/libcrypto)" ON)

# Before the find_package calls (here and in gRPC's config, which finds both again).
macro(k3s_static_deps_prefer_archives)
  set(OPENSSL_USE_STATIC_LIBS ${K3S_STATIC_OPENSSL})
  # FindOpenSSL caches the libraries it found: forget them when they are of the other kind, so
  # a build directory follows a change of the option.
  foreach(var OPENSSL_SSL_LIBRARY OPENSSL_CRYPTO_LIBRARY)
    if(DEFINED CACHE{${var}})
      if((K3S_STATIC_OPENSSL AND NOT $CACHE{${var}} MATCHES "\\.a$") OR
         (NOT K3S_STATIC_OPENSSL AND $CACHE{${var}} MATCHES "\\.a$"))
        unset(${var} CACHE)
      endif()
    endif()
  endforeach()
  set(ZLIB_USE_STATIC_LIBS TRUE)
  add_link_options(-static-libstdc++ -static-libgcc)
endmacro()

# After the find_package calls: the imported targets that still name a shared object.
function(k3s_static_deps_use_archives)
  k3s_use_static_archive(yaml-cpp)
  k3s_use_static_archive(PkgConfig::SQLITE3)
endfunction()
