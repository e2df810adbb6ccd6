#include "controller.h"

namespace k3s::controllers {

void register_apps_controllers(std::vector<ControllerDescriptor>& out) {
  (void)out;  // the apps controllers append themselves here
}

}  // namespace k3s::controllers
