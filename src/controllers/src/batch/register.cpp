#include "controller.h"

namespace k3s::controllers {

void register_batch_controllers(std::vector<ControllerDescriptor>& out) {
  (void)out;  // the batch controllers append themselves here
}

}  // namespace k3s::controllers
