#include "controller.h"

namespace k3s::controllers {

void register_core_controllers(std::vector<ControllerDescriptor>& out) {
  (void)out;  // the core controllers append themselves here
}

}  // namespace k3s::controllers
