# spdlog and fmt compiled once, into static libraries of the project, from the headers of
# Debian's libspdlog-dev and libfmt-dev (which ship only the shared objects). Linking the two
# .so files cost every start of `k3s` their loading and symbol relocation.
#
# The targets keep the names and compile definitions of Debian's imported ones, so every
# target of the project compiles spdlog and fmt the same way (compiled mode, external fmt):
# SPDLOG_SHARED_LIB and FMT_SHARED only add visibility("default") on ELF, which is already
# the default, and keeping them leaves every object file (and its ccache entry) unchanged.
find_package(Threads REQUIRED)
find_path(K3S_SPDLOG_INCLUDE_DIR spdlog/spdlog-inl.h REQUIRED)
find_path(K3S_FMT_INCLUDE_DIR fmt/format-inl.h REQUIRED)

add_library(k3s_fmt STATIC ${CMAKE_CURRENT_LIST_DIR}/fmt.cpp)
target_include_directories(k3s_fmt SYSTEM PUBLIC ${K3S_FMT_INCLUDE_DIR})
target_compile_definitions(k3s_fmt PUBLIC FMT_SHARED)

add_library(k3s_spdlog STATIC ${CMAKE_CURRENT_LIST_DIR}/spdlog.cpp)
target_include_directories(k3s_spdlog SYSTEM PUBLIC ${K3S_SPDLOG_INCLUDE_DIR})
target_compile_definitions(k3s_spdlog PUBLIC SPDLOG_SHARED_LIB SPDLOG_COMPILED_LIB SPDLOG_FMT_EXTERNAL)
target_link_libraries(k3s_spdlog PUBLIC k3s_fmt Threads::Threads)

add_library(fmt::fmt ALIAS k3s_fmt)
add_library(spdlog::spdlog ALIAS k3s_spdlog)
