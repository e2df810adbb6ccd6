// systemd's readiness protocol (sd_notify): a datagram such as "READY=1" sent to the unix
// socket named by $NOTIFY_SOCKET, which is how a Type=notify unit tells systemd it is up.
#pragma once

#include <string>

namespace k3s::util {

// Reads $NOTIFY_SOCKET and removes it from the environment, so that children (containerd
// notifies on its own start) cannot tell systemd the unit is ready before it is.
std::string take_notify_socket();

// Sends `state` ("READY=1", "STOPPING=1", "STATUS=...") to `socket` (a path, or "@name" for
// an abstract socket). Returns false when `socket` is empty or the send failed (the caller
// logs; readiness notification is never fatal).
bool sd_notify(const std::string& socket, const std::string& state);

}  // namespace k3s::util
