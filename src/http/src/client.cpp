#include "http/client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <variant>

#include "http/connection.h"
#include "raw_connection.h"
#include "tls_stream.h"

namespace k3s::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

struct Url {
  bool tls = false;
  std::string host;  // without brackets
  std::string port;
  std::string prefix;  // path prefix without trailing '/'
};

Url parse_url(const std::string& url) {
  Url out;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    out.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    throw ClientError("unsupported URL '" + url + "': expected http:// or https://");
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) out.prefix = rest.substr(slash);
  while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) throw ClientError("malformed URL '" + url + "'");
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') out.port = authority.substr(close + 2);
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) out.port = authority.substr(colon + 1);
  }
  if (out.host.empty()) throw ClientError("malformed URL '" + url + "': no host");
  if (out.port.empty()) out.port = out.tls ? "443" : "80";
  return out;
}

using PlainStream = beast::tcp_stream;
using TlsStream = detail::TlsStream;

// One connection with its own io_context, driven synchronously with per-operation deadlines.
class Transport {
 public:
  Transport(const Url& url, asio::ssl::context* tls, const Dialer& dialer) {
    if (tls) stream_.emplace<TlsStream>(ioc_, *tls);
    connect(url, dialer);
  }

  ~Transport() { close(); }

  asio::io_context& io_context() { return ioc_; }
  std::variant<PlainStream, TlsStream>& stream() { return stream_; }
  // Bytes read past the last parsed message (the start of an upgraded protocol).
  std::string take_buffered() {
    std::string out = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    return out;
  }

  template <class Fn>
  auto with_stream(Fn&& fn) {
    return std::visit([&](auto& s) { return fn(s); }, stream_);
  }

  beast::tcp_stream& lowest() {
    return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); }, stream_);
  }

  // Runs the pending async operation to completion; the tcp_stream deadline bounds it.
  void run() {
    ioc_.restart();
    ioc_.run();
  }

  void write(bhttp::request<bhttp::string_body>& req, std::chrono::steady_clock::time_point deadline) {
    beast::error_code result;
    lowest().expires_at(deadline);
    with_stream([&](auto& s) {
      bhttp::async_write(s, req, [&](beast::error_code ec, std::size_t) { result = ec; });
      return 0;
    });
    run();
    if (result) throw ClientError("sending request: " + result.message());
  }

  template <class Parser>
  beast::error_code read_header(Parser& parser, std::optional<std::chrono::steady_clock::time_point> deadline) {
    beast::error_code result;
    if (deadline)
      lowest().expires_at(*deadline);
    else
      lowest().expires_never();
    with_stream([&](auto& s) {
      bhttp::async_read_header(s, buffer_, parser, [&](beast::error_code ec, std::size_t) { result = ec; });
      return 0;
    });
    run();
    return result;
  }

  template <class Parser>
  beast::error_code read_all(Parser& parser, std::chrono::steady_clock::time_point deadline) {
    beast::error_code result;
    lowest().expires_at(deadline);
    with_stream([&](auto& s) {
      bhttp::async_read(s, buffer_, parser, [&](beast::error_code ec, std::size_t) { result = ec; });
      return 0;
    });
    run();
    return result;
  }

  template <class Parser>
  beast::error_code read_some(Parser& parser) {
    beast::error_code result;
    lowest().expires_never();
    with_stream([&](auto& s) {
      bhttp::async_read_some(s, buffer_, parser, [&](beast::error_code ec, std::size_t) { result = ec; });
      return 0;
    });
    run();
    return result;
  }

  // Thread-safe: aborts whatever operation is running.
  void interrupt() {
    asio::post(ioc_, [this] {
      beast::error_code ec;
      lowest().socket().cancel(ec);
      lowest().socket().close(ec);
    });
  }

  void close() {
    beast::error_code ec;
    lowest().socket().close(ec);
  }

 private:
  // A dialed connection is bridged through a socket pair so that Asio (and TLS) run on a
  // real descriptor while the bytes travel however the dialer carries them.
  void connect_through(const Url& url, const Dialer& dialer) {
    std::shared_ptr<Connection> dialed;
    try {
      dialed = dialer(url.host, url.port);
    } catch (const std::exception& e) {
      throw ClientError("cannot connect to " + url.host + ":" + url.port + ": " + e.what());
    }
    if (!dialed) throw ClientError("cannot connect to " + url.host + ":" + url.port);
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
      throw ClientError(std::string("socketpair: ") + std::strerror(errno));
    std::shared_ptr<Connection> near_end = adopt_socket(fds[1]);
    std::thread([near_end, dialed] { splice(*near_end, *dialed); }).detach();
    beast::error_code ec;
    lowest().socket().assign(tcp::v4(), fds[0], ec);
    if (ec) {
      ::close(fds[0]);
      near_end->close();
      throw ClientError("cannot use the dialed connection: " + ec.message());
    }
  }

  void connect(const Url& url, const Dialer& dialer) {
    if (dialer) {
      connect_through(url, dialer);
    } else {
      connect_tcp(url);
    }
    handshake(url);
  }

  void connect_tcp(const Url& url) {
    tcp::resolver resolver(ioc_);
    beast::error_code ec;
    auto endpoints = resolver.resolve(url.host, url.port, ec);
    if (ec) throw ClientError("cannot resolve " + url.host + ": " + ec.message());
    beast::error_code result;
    lowest().expires_after(std::chrono::seconds(30));
    lowest().async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { result = e; });
    run();
    if (result) throw ClientError("cannot connect to " + url.host + ":" + url.port + ": " + result.message());
  }

  void handshake(const Url& url) {
    beast::error_code result;
    if (auto* tls = std::get_if<TlsStream>(&stream_)) {
      SSL* ssl = tls->native_handle();
      beast::error_code addr_ec;
      asio::ip::make_address(url.host, addr_ec);
      if (addr_ec) SSL_set_tlsext_host_name(ssl, url.host.c_str());
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      if (!addr_ec)
        X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str());
      else
        X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), 0);
      lowest().expires_after(std::chrono::seconds(30));
      tls->async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e) { result = e; });
      run();
      if (result) throw ClientError("TLS handshake with " + url.host + ":" + url.port + " failed: " + result.message());
    }
  }

  asio::io_context ioc_{1};
  std::variant<PlainStream, TlsStream> stream_{std::in_place_type<PlainStream>, ioc_};
  beast::flat_buffer buffer_;
};

bhttp::request<bhttp::string_body> build_request(const Url& url, const std::string& method,
                                                 const std::string& path, const Headers& headers,
                                                 const std::string& body) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(url.prefix + path);
  req.version(11);
  bool ipv6 = url.host.find(':') != std::string::npos;
  req.set(bhttp::field::host, (ipv6 ? "[" + url.host + "]" : url.host) + ":" + url.port);
  req.set(bhttp::field::user_agent, "k3s-cpp");
  // A caller's User-Agent replaces the default; other headers may repeat.
  for (const auto& [name, value] : headers.fields()) {
    if (iequals(name, "User-Agent"))
      req.set(bhttp::field::user_agent, value);
    else
      req.insert(name, value);
  }
  req.body() = body;
  req.keep_alive(true);
  req.prepare_payload();
  return req;
}

template <class Message>
Headers copy_headers(const Message& msg) {
  Headers out;
  for (const auto& f : msg) out.add(std::string(f.name_string()), std::string(f.value()));
  return out;
}

class StreamImpl : public ResponseStream {
 public:
  StreamImpl(std::unique_ptr<Transport> conn, std::unique_ptr<bhttp::response_parser<bhttp::string_body>> parser)
      : conn_(std::move(conn)), parser_(std::move(parser)) {
    status_ = static_cast<int>(parser_->get().result_int());
    headers_ = copy_headers(parser_->get());
  }

  int status() const override { return status_; }
  const Headers& headers() const override { return headers_; }

  std::optional<std::string> read() override {
    std::lock_guard lock(read_mu_);
    for (;;) {
      auto& body = parser_->get().body();
      if (!body.empty()) {
        std::string out;
        out.swap(body);
        return out;
      }
      if (cancelled_ || done_ || parser_->is_done()) return std::nullopt;
      auto ec = conn_->read_some(*parser_);
      if (ec == bhttp::error::need_buffer) continue;
      if (ec) done_ = true;
    }
  }

  void cancel() override {
    cancelled_ = true;
    conn_->interrupt();
  }

 private:
  std::unique_ptr<Transport> conn_;
  std::unique_ptr<bhttp::response_parser<bhttp::string_body>> parser_;
  int status_ = 0;
  Headers headers_;
  std::mutex read_mu_;
  std::atomic<bool> cancelled_{false};
  bool done_ = false;
};

}  // namespace

struct Client::Impl {
  Url url;
  ClientOptions options;
  std::optional<asio::ssl::context> tls;
  std::mutex pool_mu;
  std::vector<std::unique_ptr<Transport>> idle;

  std::unique_ptr<Transport> connect() { return std::make_unique<Transport>(url, tls ? &*tls : nullptr, options.dialer); }

  std::unique_ptr<Transport> take_idle() {
    std::lock_guard lock(pool_mu);
    if (idle.empty()) return nullptr;
    auto c = std::move(idle.back());
    idle.pop_back();
    return c;
  }

  void give_back(std::unique_ptr<Transport> c) {
    std::lock_guard lock(pool_mu);
    if (idle.size() < 16) idle.push_back(std::move(c));
  }
};

static void configure_client_tls(asio::ssl::context& ctx, const ClientOptions& o) {
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  // Long-lived watch connections sit idle: their record buffers are freed between uses.
  SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  try {
    if (o.insecure_skip_verify) {
      ctx.set_verify_mode(asio::ssl::verify_none);
    } else {
      if (!o.ca_file.empty())
        ctx.load_verify_file(o.ca_file);
      else if (!o.ca_pem.empty())
        ctx.add_certificate_authority(asio::buffer(o.ca_pem));
      else
        ctx.set_default_verify_paths();
      ctx.set_verify_mode(asio::ssl::verify_peer);
    }
    if (!o.cert_file.empty()) {
      ctx.use_certificate_chain_file(o.cert_file);
      ctx.use_private_key_file(o.key_file.empty() ? o.cert_file : o.key_file, asio::ssl::context::pem);
    } else if (!o.cert_pem.empty()) {
      ctx.use_certificate_chain(asio::buffer(o.cert_pem));
      ctx.use_private_key(asio::buffer(o.key_pem), asio::ssl::context::pem);
    }
  } catch (const std::exception& e) {
    throw ClientError(std::string("cannot load client TLS material: ") + e.what());
  }
}

Client::Client(std::string base_url, ClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->url = parse_url(base_url);
  impl_->options = std::move(options);
  if (impl_->url.tls) {
    impl_->tls.emplace(asio::ssl::context::tls_client);
    configure_client_tls(*impl_->tls, impl_->options);
  }
}

Client::~Client() = default;

ClientResponse Client::request(const std::string& method, const std::string& path_and_query,
                               const Headers& headers, const std::string& body) {
  auto req = build_request(impl_->url, method, path_and_query, headers, body);
  // A pooled connection may have been closed by the server while idle: retry once on a new one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto conn = attempt == 0 ? impl_->take_idle() : nullptr;
    const bool reused = conn != nullptr;
    if (!conn) conn = impl_->connect();
    auto deadline = std::chrono::steady_clock::now() + impl_->options.timeout;
    try {
      conn->write(req, deadline);
    } catch (const ClientError&) {
      if (reused) continue;
      throw;
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    auto ec = conn->read_all(parser, deadline);
    if (ec) {
      if (reused && !parser.got_some()) continue;
      if (ec == beast::error::timeout) throw ClientError(method + " " + path_and_query + ": timed out");
      throw ClientError(method + " " + path_and_query + ": reading response: " + ec.message());
    }
    auto msg = parser.release();
    ClientResponse out;
    out.status = static_cast<int>(msg.result_int());
    out.headers = copy_headers(msg);
    out.body = std::move(msg.body());
    if (msg.keep_alive()) impl_->give_back(std::move(conn));
    return out;
  }
  throw ClientError(method + " " + path_and_query + ": connection closed by server");
}

std::unique_ptr<ResponseStream> Client::stream(const std::string& method, const std::string& path_and_query,
                                               const Headers& headers, const std::string& body) {
  auto req = build_request(impl_->url, method, path_and_query, headers, body);
  auto conn = impl_->connect();
  auto deadline = std::chrono::steady_clock::now() + impl_->options.timeout;
  conn->write(req, deadline);
  auto parser = std::make_unique<bhttp::response_parser<bhttp::string_body>>();
  parser->body_limit(std::numeric_limits<std::uint64_t>::max());
  auto ec = conn->read_header(*parser, deadline);
  if (ec) throw ClientError(method + " " + path_and_query + ": reading response header: " + ec.message());
  return std::make_unique<StreamImpl>(std::move(conn), std::move(parser));
}

}  // namespace k3s::http

namespace k3s::http {

namespace {

// Keeps an upgraded transport's io_context running on a thread of its own so that one
// reader and one writer can block on the connection at the same time.
struct UpgradedTransport {
  std::unique_ptr<Transport> transport;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::thread runner;

  explicit UpgradedTransport(std::unique_ptr<Transport> t)
      : transport(std::move(t)), work(asio::make_work_guard(transport->io_context())) {
    transport->io_context().restart();
    runner = std::thread([io = &transport->io_context()] { io->run(); });
  }

  ~UpgradedTransport() {
    work.reset();
    transport->io_context().stop();
    if (!runner.joinable()) return;
    if (runner.get_id() == std::this_thread::get_id()) {
      // Released by a handler on the runner itself: the io_context cannot be destroyed
      // inside its own run(), so a helper thread finishes the job.
      std::thread([t = std::move(transport), r = std::move(runner)]() mutable {
        r.join();
        t.reset();
      }).detach();
      return;
    }
    runner.join();
  }
};

}  // namespace

UpgradeResponse Client::upgrade(const std::string& method, const std::string& path_and_query,
                                const Headers& headers, const std::string& body) {
  auto req = build_request(impl_->url, method, path_and_query, headers, body);
  auto transport = impl_->connect();
  auto deadline = std::chrono::steady_clock::now() + impl_->options.timeout;
  transport->write(req, deadline);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(16 * 1024 * 1024);
  auto ec = transport->read_header(parser, deadline);
  if (ec) throw ClientError(method + " " + path_and_query + ": reading response header: " + ec.message());
  UpgradeResponse out;
  out.status = static_cast<int>(parser.get().result_int());
  out.headers = copy_headers(parser.get());
  if (out.status != 101) {
    if (!parser.is_done()) {
      ec = transport->read_all(parser, deadline);
      if (ec && ec != bhttp::error::end_of_stream && ec != asio::error::eof)
        throw ClientError(method + " " + path_and_query + ": reading response: " + ec.message());
    }
    out.body = std::move(parser.get().body());
    return out;
  }
  std::string leftover = transport->take_buffered();
  transport->lowest().expires_never();
  auto owner = std::make_shared<UpgradedTransport>(std::move(transport));
  auto state = std::make_shared<detail::RawState>();
  std::visit(
      [&](auto& stream) {
        using Stream = std::decay_t<decltype(stream)>;
        out.connection = std::make_unique<detail::RawConnection<Stream>>(owner, stream, std::move(leftover), state);
      },
      owner->transport->stream());
  return out;
}

}  // namespace k3s::http
