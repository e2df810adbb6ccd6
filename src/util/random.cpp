#include "util/random.h"

#include <memory>

namespace k3s::util {

std::mt19937_64& thread_random_engine() {
  thread_local std::unique_ptr<std::mt19937_64> engine;
  if (!engine) {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(), device(), device(), device(), device()};
    engine = std::make_unique<std::mt19937_64>(seed);
  }
  return *engine;
}

}  // namespace k3s::util
