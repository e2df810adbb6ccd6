#include "kubelet_server.h"

#include <charconv>
#include <fstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "cri/log.h"
#include "kubelet_metrics.h"
#include "metrics/metrics.h"
#include "http/client.h"
#include "object/meta.h"
#include "pod_spec.h"
#include "util/strings.h"

namespace k3s::kubelet {
namespace {

using Json = nlohmann::json;

http::Response text(int status, const std::string& body) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "text/plain; charset=utf-8");
  r.body = body;
  return r;
}

http::Response json_response(const Json& body) {
  http::Response r;
  r.headers.set("Content-Type", "application/json");
  r.body = body.dump();
  return r;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string::size_type start = 0;
  while (start < path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

struct LogOptions {
  bool follow = false, timestamps = false, previous = false;
  int64_t tail_lines = -1, limit_bytes = -1;
  std::optional<object::Timestamp> since;
};

// Filters CRI log records into the plain text kubectl expects.
class LogFormatter {
 public:
  explicit LogFormatter(const LogOptions& options) : options_(options) {}
  // Appends the output for one record; false once limitBytes is reached.
  bool add(const cri::LogRecord& record, std::string& out) {
    if (options_.since) {
      auto t = object::parse_time(record.timestamp);
      if (t && *t < *options_.since) return true;
    }
    std::string line;
    if (options_.timestamps && !continuing_) line += record.timestamp + " ";
    line += record.content;
    if (!record.partial) line += "\n";
    continuing_ = record.partial;
    if (options_.limit_bytes >= 0) {
      const int64_t room = options_.limit_bytes - written_;
      if (room <= 0) return false;
      if (static_cast<int64_t>(line.size()) > room) line.resize(static_cast<std::size_t>(room));
    }
    written_ += static_cast<int64_t>(line.size());
    out += line;
    return options_.limit_bytes < 0 || written_ < options_.limit_bytes;
  }

 private:
  LogOptions options_;
  bool continuing_ = false;
  int64_t written_ = 0;
};

void pump(http::Connection& from, http::Connection& to) {
  while (true) {
    std::string data = from.read_some();
    if (data.empty() || !to.write(data)) break;
  }
}

}  // namespace

KubeletServer::KubeletServer(KubeletApiSources sources) : sources_(std::move(sources)) {}

KubeletServer::~KubeletServer() { stop(); }

void KubeletServer::start() {
  http::ServerOptions options;
  options.bind_address = sources_.config.bind_address;
  options.port = sources_.config.port;
  options.cert_file = sources_.config.serving_cert;
  options.key_file = sources_.config.serving_key;
  options.client_ca_file = sources_.config.client_ca_file;
  options.request_timeout = std::chrono::seconds(120);
  options.worker_threads = 4;
  options.io_threads = 1;
  try {
    server_ = std::make_unique<http::Server>(options, [this](http::Request& r) { return handle(r); });
  } catch (const std::exception& e) {
    throw std::runtime_error("kubelet: cannot serve on " + options.bind_address + ":" + std::to_string(options.port) +
                             ": " + e.what());
  }
  spdlog::info("kubelet: serving the kubelet API on {}:{}", options.bind_address, server_->port());
}

void KubeletServer::stop() {
  if (server_) server_->stop();
  server_.reset();
}

int KubeletServer::port() const { return server_ ? server_->port() : 0; }

std::optional<Json> KubeletServer::find_pod(const std::string& ns, const std::string& name) {
  for (auto& pod : sources_.pods())
    if (object::namespace_of(pod) == ns && object::name_of(pod) == name) return pod;
  return std::nullopt;
}

http::Response KubeletServer::handle(http::Request& request) {
  if (!request.peer.verified) return text(401, "Unauthorized");
  auto parts = split_path(request.path);
  if (parts.empty()) return text(404, "404 page not found");
  if (parts[0] == "healthz") return text(200, "ok");
  if (parts[0] == "pods" && parts.size() == 1) {
    Json items = Json::array();
    for (auto& pod : sources_.pods()) items.push_back(pod);
    return json_response({{"kind", "PodList"}, {"apiVersion", "v1"}, {"metadata", Json::object()}, {"items", items}});
  }
  if (parts[0] == "containerLogs") return container_logs(request, parts);
  if (parts[0] == "exec" || parts[0] == "attach" || parts[0] == "portForward") return stream_request(request, parts);
  if (parts[0] == "stats" && parts.size() == 2 && parts[1] == "summary") return stats_summary();
  if (parts[0] == "metrics" && parts.size() <= 2) {
    http::Response r;
    r.status = 200;
    r.headers.set("Content-Type", metrics::kTextContentType);
    if (parts.size() == 1) r.body = kubelet_metrics_text(sources_.pods());
    else if (parts[1] == "resource") r.body = resource_metrics_text(sources_.runtime);
    else return text(404, "404 page not found");
    return r;
  }
  return text(404, "404 page not found");
}

http::Response KubeletServer::container_logs(const http::Request& request, const std::vector<std::string>& parts) {
  if (parts.size() != 4) return text(400, "expected /containerLogs/{namespace}/{pod}/{container}");
  LogOptions options;
  try {
    for (const auto& [key, value] : http::parse_query(request.query)) {
      if (key == "follow") options.follow = value == "true" || value == "1";
      else if (key == "timestamps") options.timestamps = value == "true" || value == "1";
      else if (key == "previous") options.previous = value == "true" || value == "1";
      else if (key == "tailLines") options.tail_lines = std::stoll(value);
      else if (key == "limitBytes") options.limit_bytes = std::stoll(value);
      else if (key == "sinceSeconds") options.since = object::now() - std::chrono::seconds(std::stoll(value));
      else if (key == "sinceTime") options.since = object::parse_time(value);
    }
  } catch (const std::exception&) {
    return text(400, "invalid log options in query \"" + request.query + "\"");
  }
  const std::string& ns = parts[1];
  const std::string& pod_name = parts[2];
  const std::string& container = parts[3];
  auto pod = find_pod(ns, pod_name);
  if (!pod) return text(404, "pod " + ns + "/" + pod_name + " not found");
  v1::ContainerFilter filter;
  (*filter.mutable_label_selector())[kPodUidLabel] = object::uid_of(*pod);
  (*filter.mutable_label_selector())[kContainerNameLabel] = container;
  std::vector<v1::Container> instances;
  try {
    instances = sources_.runtime.list_containers(filter);
  } catch (const std::exception& e) {
    return text(500, e.what());
  }
  std::sort(instances.begin(), instances.end(),
            [](const auto& a, const auto& b) { return a.metadata().attempt() > b.metadata().attempt(); });
  const std::size_t index = options.previous ? 1 : 0;
  if (instances.size() <= index) {
    if (options.previous)
      return text(400, "previous terminated container \"" + container + "\" in pod \"" + pod_name + "\" not found");
    return text(400, "container \"" + container + "\" in pod \"" + pod_name + "\" is waiting to start: ContainerCreating");
  }
  const std::string container_id = instances[index].id();
  std::string log_path;
  try {
    log_path = sources_.runtime.container_status(container_id).status().log_path();
  } catch (const std::exception& e) {
    return text(500, e.what());
  }
  std::ifstream in(log_path);
  if (!in) return text(404, "log file for container \"" + container + "\" not found");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  std::streampos offset = in.eof() ? std::streampos(-1) : in.tellg();
  in.clear();
  in.seekg(0, std::ios::end);
  offset = in.tellg();
  std::size_t first = 0;
  if (options.tail_lines >= 0 && lines.size() > static_cast<std::size_t>(options.tail_lines))
    first = lines.size() - static_cast<std::size_t>(options.tail_lines);
  auto formatter = std::make_shared<LogFormatter>(options);
  std::string body;
  bool more = true;
  for (std::size_t i = first; i < lines.size() && more; ++i)
    if (auto record = cri::parse_log_line(lines[i])) more = formatter->add(*record, body);
  http::Response response;
  response.headers.set("Content-Type", "text/plain");
  if (!options.follow || !more) {
    response.body = std::move(body);
    return response;
  }
  cri::Client& runtime = sources_.runtime;
  response.stream = [body, log_path, offset, formatter, container_id, &runtime](std::shared_ptr<http::StreamWriter> writer) {
    std::thread([=, &runtime] {
      if (!body.empty() && !writer->write(body)) return;
      std::ifstream follow(log_path);
      follow.seekg(offset);
      std::string partial;
      int idle_checks = 0;
      while (!writer->closed()) {
        std::string chunk;
        std::string line_text;
        bool got = false;
        while (std::getline(follow, line_text)) {
          if (follow.eof()) {  // no newline yet: keep it for the next read
            partial += line_text;
            break;
          }
          got = true;
          if (auto record = cri::parse_log_line(partial + line_text))
            if (!formatter->add(*record, chunk)) {
              writer->write(chunk);
              writer->finish();
              return;
            }
          partial.clear();
        }
        follow.clear();
        if (!chunk.empty() && !writer->write(chunk)) return;
        if (!got && ++idle_checks % 10 == 0) {
          // The container has exited and everything it wrote is sent: the stream ends.
          try {
            if (runtime.container_status(container_id).status().state() != v1::CONTAINER_RUNNING) break;
          } catch (const std::exception&) {
            break;
          }
        }
        if (!got) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      writer->finish();
    }).detach();
  };
  return response;
}

http::Response KubeletServer::stream_request(http::Request& request, const std::vector<std::string>& parts) {
  const bool port_forward = parts[0] == "portForward";
  if ((port_forward && parts.size() < 3) || (!port_forward && parts.size() < 4))
    return text(400, "expected /" + parts[0] + "/{namespace}/{pod}" + (port_forward ? "" : "/{container}"));
  auto pod = find_pod(parts[1], parts[2]);
  if (!pod) return text(404, "pod " + parts[1] + "/" + parts[2] + " not found");
  const std::string uid = object::uid_of(*pod);
  std::string url;
  try {
    if (port_forward) {
      v1::PodSandboxFilter filter;
      (*filter.mutable_label_selector())[kPodUidLabel] = uid;
      std::string sandbox;
      for (const auto& s : sources_.runtime.list_pod_sandbox(filter))
        if (s.state() == v1::SANDBOX_READY) sandbox = s.id();
      if (sandbox.empty()) return text(404, "pod " + parts[2] + " has no running sandbox");
      // Websocket clients name their ports in the query, and the runtime's stream serves
      // exactly the ports of the CRI request (SPDY clients name theirs per stream instead).
      std::vector<std::int32_t> ports;
      for (const auto& [key, value] : http::parse_query(request.query)) {
        if (key != "port") continue;
        for (const auto& piece : util::split(value, ',')) {
          int port = 0;
          auto [end, ec] = std::from_chars(piece.data(), piece.data() + piece.size(), port);
          if (ec != std::errc() || end != piece.data() + piece.size() || port < 1 || port > 65535)
            return text(400, "invalid port " + piece);
          ports.push_back(port);
        }
      }
      url = sources_.runtime.port_forward_url(sandbox, ports);
    } else {
      v1::ContainerFilter filter;
      (*filter.mutable_label_selector())[kPodUidLabel] = uid;
      (*filter.mutable_label_selector())[kContainerNameLabel] = parts[3];
      std::string container_id;
      for (const auto& c : sources_.runtime.list_containers(filter))
        if (c.state() == v1::CONTAINER_RUNNING) container_id = c.id();
      if (container_id.empty())
        return text(400, "container " + parts[3] + " is not running in pod " + parts[2]);
      bool tty = false, in = false, out = false, err = false;
      std::vector<std::string> command;
      for (const auto& [key, value] : http::parse_query(request.query)) {
        const bool on = value == "1" || value == "true";
        if (key == "command") command.push_back(value);
        else if (key == "tty") tty = on;
        else if (key == "input" || key == "stdin") in = on;
        else if (key == "output" || key == "stdout") out = on;
        else if (key == "error" || key == "stderr") err = on;
      }
      if (parts[0] == "exec") {
        if (command.empty()) return text(400, "you must specify at least one command for the container");
        v1::ExecRequest exec;
        exec.set_container_id(container_id);
        for (const auto& c : command) exec.add_cmd(c);
        exec.set_tty(tty);
        exec.set_stdin(in);
        exec.set_stdout(out);
        exec.set_stderr(err && !tty);
        url = sources_.runtime.exec_url(exec);
      } else {
        v1::AttachRequest attach;
        attach.set_container_id(container_id);
        attach.set_tty(tty);
        attach.set_stdin(in);
        attach.set_stdout(out);
        attach.set_stderr(err && !tty);
        url = sources_.runtime.attach_url(attach);
      }
    }
  } catch (const std::exception& e) {
    return text(500, e.what());
  }
  // url: http://host:port/path — relay the client's upgrade to containerd's streaming server.
  auto scheme_end = url.find("://");
  auto path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (scheme_end == std::string::npos || path_start == std::string::npos) return text(500, "bad streaming URL " + url);
  http::Headers headers;
  for (const auto& [name, value] : request.headers.fields()) {
    if (http::iequals(name, "Host") || http::iequals(name, "Authorization") || http::iequals(name, "Content-Length")) continue;
    headers.add(name, value);
  }
  auto runtime_client = std::make_shared<http::Client>(url.substr(0, path_start));
  http::UpgradeResponse upstream;
  try {
    upstream = runtime_client->upgrade(request.method, url.substr(path_start), headers, request.body);
  } catch (const std::exception& e) {
    return text(502, std::string("error dialing the container runtime's streaming server: ") + e.what());
  }
  http::Response response;
  response.status = upstream.status;
  response.headers = upstream.headers;
  if (upstream.status != 101 || !upstream.connection) {
    response.body = upstream.body;
    return response;
  }
  std::shared_ptr<http::Connection> backend(std::move(upstream.connection));
  response.upgrade = [backend, runtime_client](std::unique_ptr<http::Connection> client_connection) {
    std::shared_ptr<http::Connection> front(std::move(client_connection));
    std::thread downstream([backend, front] {
      pump(*backend, *front);
      front->close();
    });
    pump(*front, *backend);
    backend->close();
    downstream.join();
  };
  return response;
}

http::Response KubeletServer::stats_summary() {
  Json pods = Json::array();
  try {
    std::map<std::string, Json> by_sandbox;
    for (const auto& stats : sources_.runtime.list_pod_sandbox_stats()) {
      const auto& attributes = stats.attributes();
      Json pod{{"podRef",
                {{"name", attributes.metadata().name()},
                 {"namespace", attributes.metadata().namespace_()},
                 {"uid", attributes.metadata().uid()}}}};
      if (stats.has_linux()) {
        const auto& linux = stats.linux();
        if (linux.has_cpu())
          pod["cpu"] = {{"usageCoreNanoSeconds", linux.cpu().usage_core_nano_seconds().value()},
                        {"usageNanoCores", linux.cpu().usage_nano_cores().value()}};
        if (linux.has_memory())
          pod["memory"] = {{"workingSetBytes", linux.memory().working_set_bytes().value()},
                           {"usageBytes", linux.memory().usage_bytes().value()}};
      }
      pods.push_back(pod);
    }
  } catch (const cri::Error& e) {
    if (!e.unimplemented()) return text(500, e.what());
  } catch (const std::exception& e) {
    return text(500, e.what());
  }
  Json node{{"nodeName", sources_.config.node_name}, {"startTime", object::format_time(object::now())}};
  return json_response({{"node", node}, {"pods", pods}});
}

}  // namespace k3s::kubelet
