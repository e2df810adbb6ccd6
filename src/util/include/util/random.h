// Per-thread random numbers for jitter, temporary names and identifiers (not for keys).
#pragma once

#include <random>

namespace k3s::util {

// This thread's generator, seeded from std::random_device on first use. It lives on the heap:
// a `thread_local std::mt19937_64` is 2.5 KiB of static TLS that every thread of the process
// carries (and glibc clears at thread start) whether or not it ever draws a number, and a
// server runs well over a hundred threads.
std::mt19937_64& thread_random_engine();

}  // namespace k3s::util
