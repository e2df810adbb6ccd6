// The crictl subcommands. Each gets the words after its name and returns an exit code;
// CRI failures propagate as cri::Error, bad usage as UsageError.
#pragma once

#include <string>
#include <vector>

#include "cri/cri.h"

namespace k3s::crictl {

using Args = std::vector<std::string>;

int cmd_version(cri::Client& client, const Args& args);
int cmd_info(cri::Client& client, const Args& args);

int cmd_ps(cri::Client& client, const Args& args);
int cmd_inspect(cri::Client& client, const Args& args);
int cmd_logs(cri::Client& client, const Args& args);
int cmd_exec(cri::Client& client, const Args& args);
int cmd_attach(cri::Client& client, const Args& args);
int cmd_stop(cri::Client& client, const Args& args);
int cmd_rm(cri::Client& client, const Args& args);
int cmd_stats(cri::Client& client, const Args& args);

int cmd_pods(cri::Client& client, const Args& args);
int cmd_inspectp(cri::Client& client, const Args& args);
int cmd_stopp(cri::Client& client, const Args& args);
int cmd_rmp(cri::Client& client, const Args& args);
int cmd_statsp(cri::Client& client, const Args& args);

int cmd_images(cri::Client& client, const Args& args);
int cmd_inspecti(cri::Client& client, const Args& args);
int cmd_pull(cri::Client& client, const Args& args);
int cmd_rmi(cri::Client& client, const Args& args);

}  // namespace k3s::crictl
