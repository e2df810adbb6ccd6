#include <iostream>

#include "args.h"
#include "commands.h"
#include "output.h"

namespace k3s::crictl {

int cmd_version(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"output", 'o', true}});
  auto version = client.version();
  auto format = parsed.value("output");
  if (format == "json") {
    std::cout << to_json(version).dump(2) << "\n";
    return 0;
  }
  if (!format.empty() && format != "table") throw UsageError("unsupported output format \"" + format + "\"");
  std::cout << "Version:  " << version.version() << "\n"
            << "RuntimeName:  " << version.runtime_name() << "\n"
            << "RuntimeVersion:  " << version.runtime_version() << "\n"
            << "RuntimeApiVersion:  " << version.runtime_api_version() << "\n";
  return 0;
}

int cmd_info(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"output", 'o', true}, {"quiet", 'q', false}});
  auto status = client.status(!parsed.has("quiet"));
  nlohmann::json out = info_json(status.info());
  out["status"] = to_json(status.status());
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace k3s::crictl
