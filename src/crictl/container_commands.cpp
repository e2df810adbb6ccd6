#include <unistd.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <iostream>
#include <thread>

#include "args.h"
#include "commands.h"
#include "cri/log.h"
#include "http/client.h"
#include "output.h"
#include "streaming/remote_command.h"
#include "streaming/terminal.h"

namespace k3s::crictl {
namespace {

std::string label(const google::protobuf::Map<std::string, std::string>& labels, const std::string& key) {
  auto it = labels.find(key);
  return it == labels.end() ? "" : it->second;
}

void require_ids(const Args& ids, const char* command) {
  if (ids.empty()) {
    throw UsageError(std::string("ID cannot be empty (usage: crictl ") + command + " CONTAINER-ID [CONTAINER-ID...])");
  }
}

std::string image_column(const cri::v1::Container& c, bool no_trunc) {
  const std::string& image = c.image().image();
  if (!no_trunc && image.rfind("sha256:", 0) == 0) return truncate_id(image);
  return image;
}

}  // namespace

int cmd_ps(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"all", 'a', false},
                           {"quiet", 'q', false},
                           {"output", 'o', true},
                           {"pod", 'p', true},
                           {"name", 0, true},
                           {"id", 0, true},
                           {"state", 0, true},
                           {"label", 0, true},
                           {"image", 0, true},
                           {"latest", 'l', false},
                           {"last", 'n', true},
                           {"no-trunc", 0, false},
                           {"verbose", 'v', false}});
  cri::v1::ContainerFilter filter;
  if (parsed.has("id")) filter.set_id(parsed.value("id"));
  if (parsed.has("pod")) filter.set_pod_sandbox_id(parsed.value("pod"));
  if (parsed.has("state")) {
    auto state = parsed.value("state");
    std::transform(state.begin(), state.end(), state.begin(), ::tolower);
    cri::v1::ContainerState value;
    if (state == "created") value = cri::v1::CONTAINER_CREATED;
    else if (state == "running") value = cri::v1::CONTAINER_RUNNING;
    else if (state == "exited") value = cri::v1::CONTAINER_EXITED;
    else if (state == "unknown") value = cri::v1::CONTAINER_UNKNOWN;
    else throw UsageError("--state should be one of created, running, exited, unknown");
    filter.mutable_state()->set_state(value);
  } else if (!parsed.has("all") && !parsed.has("latest") && !parsed.has("last")) {
    filter.mutable_state()->set_state(cri::v1::CONTAINER_RUNNING);
  }
  if (parsed.has("label")) {
    auto kv = parsed.value("label");
    auto eq = kv.find('=');
    if (eq == std::string::npos) throw UsageError("--label should be key=value");
    (*filter.mutable_label_selector())[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  auto containers = client.list_containers(filter);
  auto name = parsed.value("name");
  auto image = parsed.value("image");
  std::erase_if(containers, [&](const cri::v1::Container& c) {
    return (!name.empty() && c.metadata().name().find(name) == std::string::npos) ||
           (!image.empty() && c.image().image().find(image) == std::string::npos &&
            c.image_ref().find(image) == std::string::npos);
  });
  std::sort(containers.begin(), containers.end(),
            [](const auto& a, const auto& b) { return a.created_at() > b.created_at(); });
  long long last = parsed.has("latest") ? 1 : parsed.int_value("last", 0);
  if (last > 0 && containers.size() > static_cast<size_t>(last)) containers.resize(static_cast<size_t>(last));

  auto format = parsed.value("output", "table");
  if (format == "json") {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& c : containers) items.push_back(to_json(c));
    std::cout << nlohmann::json{{"containers", items}}.dump(2) << "\n";
    return 0;
  }
  if (format != "table") throw UsageError("unsupported output format \"" + format + "\" (json, table)");
  bool no_trunc = parsed.has("no-trunc");
  if (parsed.has("quiet")) {
    for (const auto& c : containers) std::cout << listed_id(c.id(), no_trunc) << "\n";
    return 0;
  }
  Table table({"CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID", "POD"});
  for (const auto& c : containers) {
    table.add({listed_id(c.id(), no_trunc), image_column(c, no_trunc), human_age(c.created_at()),
               container_state_name(c.state()), c.metadata().name(), std::to_string(c.metadata().attempt()),
               listed_id(c.pod_sandbox_id(), no_trunc),
               label(c.labels(), "io.kubernetes.pod.name")});
  }
  table.print(std::cout);
  return 0;
}

int cmd_inspect(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"output", 'o', true}, {"quiet", 'q', false}});
  require_ids(parsed.positional(), "inspect");
  for (const auto& id : parsed.positional()) {
    auto status = client.container_status(id, !parsed.has("quiet"));
    print_inspection(std::cout, status.status(), status.info());
  }
  return 0;
}

int cmd_logs(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"follow", 'f', false}, {"tail", 0, true}, {"timestamps", 't', false},
                           {"previous", 'p', false}, {"since", 0, true}, {"limit-bytes", 0, true}});
  if (parsed.positional().size() != 1) throw UsageError("usage: crictl logs [-f] [--tail N] CONTAINER-ID");
  const std::string id = parsed.positional().front();
  long long tail = parsed.int_value("tail", -1);
  bool timestamps = parsed.has("timestamps");
  auto status = client.container_status(id).status();
  std::string path = status.log_path();
  if (path.empty()) throw std::runtime_error("container " + id + " has no log path");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("failed to open log file " + path);

  auto emit = [&](const cri::LogRecord& r) {
    auto& out = r.stream == "stderr" ? std::cerr : std::cout;
    if (timestamps) out << r.timestamp << " ";
    out << r.content;
    if (!r.partial) out << "\n";
    out.flush();
  };
  std::deque<cri::LogRecord> recent;
  std::string line;
  std::streampos consumed = 0;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // an incomplete last line: the runtime is still writing it
    consumed = in.tellg();
    auto record = cri::parse_log_line(line);
    if (!record) continue;
    if (tail < 0) {
      emit(*record);
    } else {
      recent.push_back(*record);
      if (recent.size() > static_cast<size_t>(tail)) recent.pop_front();
    }
  }
  for (const auto& r : recent) emit(r);
  if (!parsed.has("follow")) return 0;

  // Follow until the container stops running; the runtime keeps appending whole lines.
  std::string pending;
  int polls = 0;
  while (true) {
    in.clear();
    in.seekg(consumed);
    std::string chunk;
    char buf[8192];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) chunk.append(buf, static_cast<size_t>(in.gcount()));
    consumed += static_cast<std::streamoff>(chunk.size());
    pending += chunk;
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      if (auto record = cri::parse_log_line(pending.substr(0, nl))) emit(*record);
      pending.erase(0, nl + 1);
    }
    if (chunk.empty() && ++polls % 10 == 0) {
      try {
        if (client.container_status(id).status().state() != cri::v1::CONTAINER_RUNNING) return 0;
      } catch (const cri::Error& e) {
        if (e.not_found()) return 0;
        throw;
      }
    }
    if (chunk.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Joins the local stdin/stdout/stderr (and terminal) to a runtime streaming URL
// (http://host:port/exec/<token>); returns the command's exit code.
int run_stream(const std::string& url, bool in, bool tty) {
  auto scheme_end = url.find("://");
  auto path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (scheme_end == std::string::npos || path_start == std::string::npos)
    throw std::runtime_error("the runtime returned a malformed streaming URL: " + url);
  http::Client http(url.substr(0, path_start));
  const std::string path = url.substr(path_start);
  streaming::RemoteCommand stream([&](const http::Headers& headers) { return http.upgrade("GET", path, headers); },
                                  {in, true, !tty, tty});
  std::unique_ptr<streaming::RawTerminal> terminal;
  if (tty && streaming::is_terminal(STDIN_FILENO))
    terminal = std::make_unique<streaming::RawTerminal>(STDIN_FILENO, [&](streaming::TerminalSize size) { stream.resize(size); });
  streaming::RemoteCommandStreams streams;
  streams.stdin_fd = in ? STDIN_FILENO : -1;
  streams.out = [](std::string_view d) { std::cout.write(d.data(), static_cast<std::streamsize>(d.size())).flush(); };
  if (!tty) streams.err = [](std::string_view d) { std::cerr.write(d.data(), static_cast<std::streamsize>(d.size())).flush(); };
  int code = stream.run(streams);
  terminal.reset();
  return code;
}

int cmd_attach(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"stdin", 'i', false}, {"tty", 't', false}});
  if (parsed.positional().size() != 1) throw UsageError("usage: crictl attach [-i] [-t] CONTAINER-ID");
  cri::v1::AttachRequest request;
  request.set_container_id(parsed.positional().front());
  request.set_tty(parsed.has("tty"));
  request.set_stdin(parsed.has("stdin"));
  request.set_stdout(true);
  request.set_stderr(!parsed.has("tty"));
  return run_stream(client.attach_url(request), parsed.has("stdin"), parsed.has("tty"));
}

int cmd_exec(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args,
                    {{"interactive", 'i', false}, {"tty", 't', false}, {"sync", 's', false}, {"timeout", 0, true}},
                    true);
  if (parsed.positional().size() < 2) throw UsageError("usage: crictl exec [-i] [-t] CONTAINER-ID COMMAND [ARG...]");
  std::string id = parsed.positional().front();
  Args cmd(parsed.positional().begin() + 1, parsed.positional().end());
  if (parsed.has("interactive") || parsed.has("tty")) {
    cri::v1::ExecRequest request;
    request.set_container_id(id);
    for (const auto& c : cmd) request.add_cmd(c);
    request.set_tty(parsed.has("tty"));
    request.set_stdin(parsed.has("interactive"));
    request.set_stdout(true);
    request.set_stderr(!parsed.has("tty"));
    return run_stream(client.exec_url(request), parsed.has("interactive"), parsed.has("tty"));
  }
  auto response = client.exec_sync(id, cmd, parsed.int_value("timeout", 0));
  std::cout << response.stdout() << std::flush;
  std::cerr << response.stderr() << std::flush;
  return response.exit_code();
}

int cmd_stop(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"timeout", 't', true}});
  require_ids(parsed.positional(), "stop");
  auto grace = parsed.int_value("timeout", 0);
  for (const auto& id : parsed.positional()) {
    client.stop_container(id, grace);
    std::cout << id << "\n";
  }
  return 0;
}

int cmd_rm(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"force", 'f', false}, {"all", 'a', false}});
  Args ids = parsed.positional();
  if (parsed.has("all")) {
    for (const auto& c : client.list_containers()) ids.push_back(c.id());
  } else {
    require_ids(ids, "rm");
  }
  int rc = 0;
  for (const auto& id : ids) {
    auto status = client.container_status(id).status();
    if (status.state() == cri::v1::CONTAINER_RUNNING) {
      if (!parsed.has("force")) {
        std::cerr << "container " << id << " is running, please stop it first (or use --force)\n";
        rc = 1;
        continue;
      }
      client.stop_container(id, 0);
    }
    client.remove_container(id);
    std::cout << id << "\n";
  }
  return rc;
}

int cmd_stats(cri::Client& client, const Args& args) {
  ParsedArgs parsed(args, {{"all", 'a', false}, {"output", 'o', true}, {"id", 0, true}, {"pod", 'p', true},
                           {"label", 0, true}});
  cri::v1::ContainerStatsFilter filter;
  if (parsed.has("id")) filter.set_id(parsed.value("id"));
  if (!parsed.positional().empty()) filter.set_id(parsed.positional().front());
  if (parsed.has("pod")) filter.set_pod_sandbox_id(parsed.value("pod"));
  auto stats = client.list_container_stats(filter);
  if (parsed.value("output") == "json") {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& s : stats) items.push_back(to_json(s));
    std::cout << nlohmann::json{{"stats", items}}.dump(2) << "\n";
    return 0;
  }
  Table table({"CONTAINER", "NAME", "CPU %", "MEM", "DISK", "INODES"});
  for (const auto& s : stats) {
    char cpu[32];
    snprintf(cpu, sizeof cpu, "%.2f", static_cast<double>(s.cpu().usage_nano_cores().value()) / 1e7);
    table.add({truncate_id(s.attributes().id()), s.attributes().metadata().name(), cpu,
               human_size(static_cast<double>(s.memory().working_set_bytes().value())),
               human_size(static_cast<double>(s.writable_layer().used_bytes().value())),
               std::to_string(s.writable_layer().inodes_used().value())});
  }
  table.print(std::cout);
  return 0;
}

}  // namespace k3s::crictl
