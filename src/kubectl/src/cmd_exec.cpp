// exec and attach: a command in a container, or its main process, with the local
// stdin/stdout/stderr (and terminal) joined to it over the remote command protocol.
#include <unistd.h>

#include <iostream>

#include "commands.h"
#include "http/message.h"
#include "object/meta.h"
#include "pods.h"
#include "streaming/remote_command.h"
#include "streaming/terminal.h"

namespace k3s::kubectl {
namespace {

void add_exec_flags(Flags& flags) {
  flags.add("container", 'c', true);
  flags.add("stdin", 'i', false);
  flags.add("tty", 't', false);
  flags.add("quiet", 'q', false);
  flags.add("filename", 'f', true);
  flags.add("pod-running-timeout", 0, true, "1m0s");
}

const char* const kNoTty = "Unable to use a TTY - input is not a terminal or the right kind of file";

struct StreamRequest {
  std::string ns, pod, container;
  bool in = false, tty = false;
  std::vector<std::string> command;  // exec only
};

// Runs the stream and returns kubectl's exit code: the command's own, 1 for other failures.
int run_stream(Session& session, const std::string& subresource, const StreamRequest& request) {
  std::string query = "?container=" + http::percent_encode(request.container);
  for (const auto& word : request.command) query += "&command=" + http::percent_encode(word);
  if (request.in) query += "&stdin=true";
  query += "&stdout=true";
  if (!request.tty) query += "&stderr=true";
  if (request.tty) query += "&tty=true";
  const std::string path = client::resource_path(client::resources::kPods, request.ns, request.pod, subresource) + query;
  streaming::RemoteCommand stream(stream_upgrader(session, path), {request.in, true, !request.tty, request.tty});
  std::unique_ptr<streaming::RawTerminal> terminal;
  if (request.tty && streaming::is_terminal(STDIN_FILENO))
    terminal = std::make_unique<streaming::RawTerminal>(STDIN_FILENO, [&stream](streaming::TerminalSize size) { stream.resize(size); });
  streaming::RemoteCommandStreams streams;
  streams.stdin_fd = request.in ? STDIN_FILENO : -1;
  streams.out = [](std::string_view data) { std::cout.write(data.data(), static_cast<std::streamsize>(data.size())).flush(); };
  if (!request.tty)
    streams.err = [](std::string_view data) { std::cerr.write(data.data(), static_cast<std::streamsize>(data.size())).flush(); };
  int code = 0;
  try {
    code = stream.run(streams);
  } catch (const streaming::StreamError&) {
    terminal.reset();
    throw;
  }
  terminal.reset();
  if (code != 0) throw ExitError("command terminated with exit code " + std::to_string(code), code);
  return 0;
}

// The pod a stream command acts on, refused when it can no longer run anything.
Json running_pod(Session& session, const std::string& ns, const std::string& target, const char* verb) {
  Json pod = pod_for_target(session, ns, target);
  std::string phase = pod.value("status", Json::object()).value("phase", "");
  if (phase == "Succeeded" || phase == "Failed")
    throw CommandError(std::string("cannot ") + verb + " a container in a completed pod; current phase is " + phase);
  return pod;
}

int run_exec(Session& session) {
  const Flags& f = session.flags();
  const auto& args = f.positional();
  if (args.empty() && !f.given("filename"))
    throw CommandError("pod, type/name or --filename must be specified");
  if (args.size() > 1 && !f.had_dashes())
    throw UsageError("exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead");
  StreamRequest request;
  request.command = f.had_dashes() ? f.after_dashes() : std::vector<std::string>(args.begin() + std::min<std::size_t>(1, args.size()), args.end());
  if (request.command.empty()) throw CommandError("you must specify at least one command for the container");
  request.ns = session.namespace_();
  std::string target = args.empty() ? "" : args[0];
  if (target.empty()) {
    auto manifests = read_manifests(f);
    if (manifests.empty()) throw CommandError("no objects passed to exec");
    target = manifests[0].object.value("kind", "Pod") + "/" + object::name_of(manifests[0].object);
  }
  Json pod = running_pod(session, request.ns, target, "exec into");
  request.pod = object::name_of(pod);
  request.container = container_for(pod, f.str("container"), f.boolean("quiet") ? std::cout : std::cerr);
  request.in = f.boolean("stdin");
  request.tty = f.boolean("tty");
  if (request.tty && (!request.in || !streaming::is_terminal(STDIN_FILENO))) {
    if (!f.boolean("quiet")) std::cerr << kNoTty << "\n";
    request.tty = false;
  }
  return run_stream(session, "exec", request);
}

int run_attach(Session& session) {
  const Flags& f = session.flags();
  const auto& args = f.positional();
  if (args.empty()) throw CommandError("at least 1 argument is required for attach");
  StreamRequest request;
  request.ns = session.namespace_();
  Json pod = running_pod(session, request.ns, args.size() == 2 ? args[0] + "/" + args[1] : args[0], "attach to");
  request.pod = object::name_of(pod);
  const bool quiet = f.boolean("quiet");
  request.container = container_for(pod, f.str("container"), quiet ? std::cout : std::cerr);
  request.in = f.boolean("stdin");
  request.tty = f.boolean("tty");
  if (request.tty) {
    bool container_tty = false;
    for (const auto& c : pod.value("spec", Json::object()).value("containers", Json::array()))
      if (c.value("name", "") == request.container) container_tty = c.value("tty", false);
    if (!container_tty) {
      if (!quiet) std::cerr << "error: Unable to use a TTY - container " << request.container << " did not allocate one\n";
      request.tty = false;
    } else if (!request.in || !streaming::is_terminal(STDIN_FILENO)) {
      if (!quiet) std::cerr << kNoTty << "\n";
      request.tty = false;
    }
  }
  if (request.tty && !quiet) std::cerr << "If you don't see a command prompt, try pressing enter.\n";
  return run_stream(session, "attach", request);
}

}  // namespace

std::vector<CommandDef> exec_commands() {
  return {{"exec", add_exec_flags, run_exec}, {"attach", add_exec_flags, run_attach}};
}

}  // namespace k3s::kubectl
