// node.k8s.io/v1 Table printers: RuntimeClass.
#include "tables_internal.h"

namespace k3s::apiserver::tables {

void add_node_printers(PrinterMap& map) {
  map["node.k8s.io/RuntimeClass"] = {{name_column(), {"Handler", "string", "", "The CRI handler the class maps to.", 0}, age_column()},
                                     [](const Json& o, const std::string& age, object::Timestamp) {
                                       return Row{object::name_of(o), str_or(o, "/handler", ""), age};
                                     }};
}

}  // namespace k3s::apiserver::tables
