#include "http/server.h"

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

#include "body_pieces.h"
#include "raw_connection.h"
#include "tls_peer.h"
#include "tls_stream.h"

namespace k3s::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// Producers stop being fed once this much output is waiting for a slow client.
constexpr std::size_t kMaxQueuedStreamBytes = 64 * 1024 * 1024;

// A few TLS records per write; small enough that malloc reuses it instead of mapping fresh
// pages (page faults, not copying, were the cost of one body-sized string per large list).
constexpr std::size_t kPieceBufferBytes = 64 * 1024;

Response plain_error(int status, const std::string& message) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", "text/plain; charset=utf-8");
  r.body = message + "\n";
  return r;
}

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void close_from_server() = 0;
};

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  asio::io_context ioc{options.io_threads};
  std::optional<asio::ssl::context> tls;
  tcp::acceptor acceptor{ioc};
  asio::thread_pool workers{static_cast<std::size_t>(options.worker_threads)};
  std::vector<std::thread> io_threads;
  std::mutex sessions_mu;
  std::list<std::weak_ptr<SessionBase>> sessions;
  std::atomic<bool> stopping{false};
  int bound_port = 0;
  std::weak_ptr<Impl> weak_self;  // upgraded connections keep the io_context alive

  Impl(ServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)) {}

  Response error_response(int status, const std::string& message) {
    if (options.error_responder) {
      try {
        return options.error_responder(status, message);
      } catch (...) {
      }
    }
    return plain_error(status, message);
  }

  void track(const std::shared_ptr<SessionBase>& s) {
    std::lock_guard lock(sessions_mu);
    std::erase_if(sessions, [](const auto& w) { return w.expired(); });
    sessions.push_back(s);
  }

  void accept();
};

namespace {

template <class Stream>
class Session;

// The producer-facing side of one streamed response.
template <class Stream>
class ChunkWriter : public StreamWriter {
 public:
  explicit ChunkWriter(std::weak_ptr<Session<Stream>> session) : session_(std::move(session)) {}

  bool write(std::string chunk) override {
    if (chunk.empty()) return !closed();
    std::shared_ptr<Session<Stream>> s;
    {
      std::lock_guard lock(mu_);
      if (closed_ || finishing_) return false;
      if (queued_bytes_ + chunk.size() > kMaxQueuedStreamBytes) {
        s = session_.lock();
      } else {
        queued_bytes_ += chunk.size();
        pending_.push_back(std::move(chunk));
        s = session_.lock();
        if (!s) return false;
        if (!write_scheduled_) {
          write_scheduled_ = true;
          asio::post(s->executor(), [s] { s->flush_stream(); });
        }
        return true;
      }
    }
    // The client stopped reading: give up on it rather than buffering without bound.
    if (s) s->abort_stream();
    return false;
  }

  void finish() override {
    std::shared_ptr<Session<Stream>> s;
    {
      std::lock_guard lock(mu_);
      if (closed_ || finishing_) return;
      finishing_ = true;
      s = session_.lock();
      if (s && !write_scheduled_) {
        write_scheduled_ = true;
        asio::post(s->executor(), [s] { s->flush_stream(); });
      }
    }
  }

  bool closed() const override {
    std::lock_guard lock(mu_);
    return closed_ || finishing_;
  }

  void on_close(std::function<void()> callback) override {
    {
      std::lock_guard lock(mu_);
      if (!closed_) {
        callbacks_.push_back(std::move(callback));
        return;
      }
    }
    callback();
  }

  // Session side ----------------------------------------------------------
  // Takes what is queued; `finish` reports whether the producer ended the stream.
  std::deque<std::string> take(bool& finish) {
    std::lock_guard lock(mu_);
    std::deque<std::string> out;
    out.swap(pending_);
    queued_bytes_ = 0;
    finish = finishing_;
    write_scheduled_ = false;
    return out;
  }

  bool claim_flush() {
    std::lock_guard lock(mu_);
    if (pending_.empty() && !finishing_) return false;
    write_scheduled_ = true;
    return true;
  }

  void mark_closed() {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      closed_ = true;
      pending_.clear();
      callbacks.swap(callbacks_);
    }
    for (auto& cb : callbacks) {
      try {
        cb();
      } catch (...) {
      }
    }
  }

 private:
  std::weak_ptr<Session<Stream>> session_;
  mutable std::mutex mu_;
  std::deque<std::string> pending_;
  std::size_t queued_bytes_ = 0;
  bool write_scheduled_ = false;
  bool finishing_ = false;
  bool closed_ = false;
  std::vector<std::function<void()>> callbacks_;
};

template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Server::Impl& server, Stream stream, std::string remote)
      : server_(server), stream_(std::move(stream)), timer_(stream_.get_executor()), remote_(std::move(remote)) {}

  auto executor() { return stream_.get_executor(); }

  void start() {
    auto self = this->shared_from_this();
    asio::dispatch(executor(), [self] {
      if constexpr (kTls) {
        beast::get_lowest_layer(self->stream_).expires_after(self->server_.options.read_timeout);
        self->stream_.async_handshake(asio::ssl::stream_base::server,
                                      [self](beast::error_code ec) { self->on_handshake(ec); });
      } else {
        self->read_request(true);
      }
    });
  }

  void close_from_server() override {
    auto self = this->shared_from_this();
    if (writer_) writer_->mark_closed();
    // Set here, not only in close_socket: the io threads may stop before that runs.
    upgraded_->mark_closed();
    asio::post(executor(), [self] { self->close_socket(); });
  }

  void flush_stream() {
    if (!writer_ || closed_ || writing_) return;
    bool finish = false;
    auto chunks = writer_->take(finish);
    if (chunks.empty() && !finish) return;
    writing_ = true;
    out_chunks_ = std::move(chunks);
    finish_after_write_ = finish;
    write_next_chunk();
  }

  void abort_stream() {
    auto self = this->shared_from_this();
    asio::post(executor(), [self] { self->close_socket(); });
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  void on_handshake(beast::error_code ec) {
    if (ec) return close_socket();
    if constexpr (kTls) peer_ = detail::verified_peer(stream_.native_handle());
    read_request(true);
  }

  void read_request(bool first) {
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    beast::get_lowest_layer(stream_).expires_after(first ? server_.options.read_timeout
                                                         : server_.options.idle_timeout);
    auto self = this->shared_from_this();
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return send_response(server_.error_response(413, "the request body is larger than the limit of " +
                                                           std::to_string(server_.options.max_body_bytes) +
                                                           " bytes"),
                           false);
    }
    if (ec == bhttp::error::header_limit) {
      return send_response(server_.error_response(431, "the request headers are too large"), false);
    }
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::ssl::error::stream_truncated) {
      return close_socket();
    }
    if (ec) {
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
        return send_response(server_.error_response(400, "malformed HTTP request: " + ec.message()), false);
      }
      return close_socket();
    }
    beast::get_lowest_layer(stream_).expires_never();
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();

    auto req = std::make_shared<Request>();
    req->method = std::string(msg.method_string());
    req->target = std::string(msg.target());
    split_target(req->target, req->path, req->query);
    for (const auto& field : msg) req->headers.add(std::string(field.name_string()), std::string(field.value()));
    req->body = std::move(msg.body());
    req->peer = peer_;
    req->remote_address = remote_;
    req->tls = kTls;

    const std::uint64_t seq = ++request_seq_;
    answered_ = false;
    auto self = this->shared_from_this();
    timer_.expires_after(server_.options.request_timeout);
    timer_.async_wait([self, seq](beast::error_code tec) {
      if (tec || seq != self->request_seq_ || self->answered_) return;
      // The handler keeps running, but the client gets its answer now and the late response is dropped.
      self->answered_ = true;
      self->send_response(self->server_.error_response(504, "the request did not complete within the allowed time"),
                          false);
    });
    asio::post(server_.workers, [self, req, seq] {
      Response response;
      try {
        response = self->server_.handler(*req);
      } catch (const std::exception& e) {
        response = self->server_.error_response(500, std::string("internal error: ") + e.what());
      } catch (...) {
        response = self->server_.error_response(500, "internal error");
      }
      asio::post(self->executor(), [self, seq, response = std::move(response)]() mutable {
        if (seq != self->request_seq_ || self->answered_ || self->closed_) return;
        self->answered_ = true;
        self->timer_.cancel();
        if (response.upgrade)
          self->start_upgrade(std::move(response));
        else if (response.stream)
          self->start_stream(std::move(response));
        else
          self->send_response(std::move(response), self->keep_alive_);
      });
    });
  }

  void fill_headers(bhttp::fields& fields, const Headers& headers) {
    for (const auto& [name, value] : headers.fields()) fields.insert(name, value);
  }

  void send_response(Response response, bool keep_alive) {
    if (closed_) return;
    if (response.pieces) return send_pieces(std::move(response), keep_alive);
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->result(static_cast<unsigned>(response.status));
    res->version(11);
    fill_headers(res->base(), response.headers);
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(server_.options.request_timeout);
    auto self = this->shared_from_this();
    bhttp::async_write(stream_, *res, [self, res, keep_alive](beast::error_code ec, std::size_t) {
      if (ec) return self->close_socket();
      if (keep_alive)
        self->read_request(false);
      else
        self->shutdown();
    });
  }

  // The head, then the body copied piece by piece through one small buffer: each fill is
  // one write (a few TLS records), never a record per piece nor one body-sized allocation.
  void send_pieces(Response response, bool keep_alive) {
    auto head = std::make_shared<bhttp::response<bhttp::empty_body>>();
    head->result(static_cast<unsigned>(response.status));
    head->version(11);
    fill_headers(head->base(), response.headers);
    head->content_length(response.body_size());
    head->keep_alive(keep_alive);
    auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*head);
    auto reader = std::make_shared<detail::PieceReader>(std::move(response.body), std::move(response.pieces));
    auto buffer = std::make_shared<std::vector<char>>(kPieceBufferBytes);
    beast::get_lowest_layer(stream_).expires_after(server_.options.request_timeout);
    auto self = this->shared_from_this();
    bhttp::async_write_header(stream_, *serializer,
                              [self, head, serializer, reader, buffer, keep_alive](beast::error_code ec, std::size_t) {
                                if (ec) return self->close_socket();
                                self->write_pieces(std::move(reader), std::move(buffer), keep_alive);
                              });
  }

  void write_pieces(std::shared_ptr<detail::PieceReader> reader, std::shared_ptr<std::vector<char>> buffer, bool keep_alive) {
    const std::size_t n = reader->read(buffer->data(), buffer->size());
    if (n == 0) return keep_alive ? read_request(false) : shutdown();
    auto self = this->shared_from_this();
    asio::async_write(stream_, asio::buffer(buffer->data(), n),
                      [self, reader, buffer, keep_alive](beast::error_code ec, std::size_t) mutable {
                        if (ec) return self->close_socket();
                        self->write_pieces(std::move(reader), std::move(buffer), keep_alive);
                      });
  }

  void start_stream(Response response) {
    auto header = std::make_shared<bhttp::response<bhttp::empty_body>>();
    header->result(static_cast<unsigned>(response.status));
    header->version(11);
    fill_headers(header->base(), response.headers);
    header->chunked(true);
    // A stream ends the connection: the disconnect probe below owns the read side.
    header->keep_alive(false);
    auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*header);
    beast::get_lowest_layer(stream_).expires_never();
    writer_ = std::make_shared<ChunkWriter<Stream>>(this->weak_from_this());
    writing_ = true;
    auto self = this->shared_from_this();
    bhttp::async_write_header(stream_, *serializer,
                              [self, header, serializer, start = std::move(response.stream)](beast::error_code ec,
                                                                                             std::size_t) {
                                self->writing_ = false;
                                if (ec) return self->close_socket();
                                self->probe_disconnect();
                                auto writer = self->writer_;
                                asio::post(self->server_.workers, [writer, start] {
                                  try {
                                    start(writer);
                                  } catch (...) {
                                    writer->finish();
                                  }
                                });
                                self->flush_stream();
                              });
  }

  // Writes the 101 head, then gives the raw stream to the handler's upgrade callback on a
  // thread of its own; bytes already read past the request head go with it.
  void start_upgrade(Response response) {
    auto header = std::make_shared<bhttp::response<bhttp::empty_body>>();
    header->result(static_cast<unsigned>(response.status));
    header->version(11);
    fill_headers(header->base(), response.headers);
    beast::get_lowest_layer(stream_).expires_after(server_.options.request_timeout);
    writing_ = true;
    auto self = this->shared_from_this();
    bhttp::async_write(stream_, *header,
                       [self, header, run = std::move(response.upgrade)](beast::error_code ec, std::size_t) {
                         self->writing_ = false;
                         if (ec) return self->close_socket();
                         beast::get_lowest_layer(self->stream_).expires_never();
                         auto server = self->server_.weak_self.lock();
                         if (!server) return self->close_socket();
                         std::string leftover = beast::buffers_to_string(self->buffer_.data());
                         self->buffer_.consume(self->buffer_.size());
                         auto owner = std::make_shared<std::pair<std::shared_ptr<Server::Impl>, std::shared_ptr<Session>>>(
                             server, self);
                         auto connection = std::make_unique<detail::RawConnection<Stream>>(
                             owner, self->stream_, std::move(leftover), self->upgraded_);
                         std::thread([run, connection = std::move(connection)]() mutable {
                           try {
                             run(std::move(connection));
                           } catch (...) {
                           }
                         }).detach();
                       });
  }

  // Clients send nothing while a stream runs; a completed read means they went away.
  void probe_disconnect() {
    auto self = this->shared_from_this();
    stream_.async_read_some(asio::buffer(probe_buffer_), [self](beast::error_code ec, std::size_t) {
      if (ec) return self->close_socket();
      self->probe_disconnect();
    });
  }

  void write_next_chunk() {
    auto self = this->shared_from_this();
    if (out_chunks_.empty()) {
      if (finish_after_write_) {
        asio::async_write(stream_, bhttp::make_chunk_last(), [self](beast::error_code, std::size_t) {
          self->writing_ = false;
          if (self->writer_) self->writer_->mark_closed();
          self->shutdown();
        });
        return;
      }
      writing_ = false;
      if (writer_ && writer_->claim_flush()) {
        asio::post(executor(), [self] {
          self->flush_stream();
        });
      }
      return;
    }
    auto chunk = std::make_shared<std::string>(std::move(out_chunks_.front()));
    out_chunks_.pop_front();
    asio::async_write(stream_, bhttp::make_chunk(asio::buffer(*chunk)),
                      [self, chunk](beast::error_code ec, std::size_t) {
                        if (ec) {
                          self->writing_ = false;
                          return self->close_socket();
                        }
                        self->write_next_chunk();
                      });
  }

  void shutdown() {
    if (closed_) return;
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      auto self = this->shared_from_this();
      stream_.async_shutdown([self](beast::error_code) { self->close_socket(); });
    } else {
      beast::error_code ec;
      beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ec);
      close_socket();
    }
  }

  void close_socket() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    if (writer_) writer_->mark_closed();
    upgraded_->mark_closed();
    beast::get_lowest_layer(stream_).close();
  }

  Server::Impl& server_;
  Stream stream_;
  asio::steady_timer timer_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  PeerCertificate peer_;
  bool keep_alive_ = true;
  std::uint64_t request_seq_ = 0;
  bool answered_ = false;
  bool closed_ = false;
  bool writing_ = false;
  bool finish_after_write_ = false;
  std::deque<std::string> out_chunks_;
  std::shared_ptr<ChunkWriter<Stream>> writer_;
  std::shared_ptr<detail::RawState> upgraded_ = std::make_shared<detail::RawState>();
  std::array<char, 512> probe_buffer_{};
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping) return;
    if (!ec) {
      std::string remote;
      beast::error_code rec;
      auto ep = socket.remote_endpoint(rec);
      if (!rec) remote = ep.address().to_string() + ":" + std::to_string(ep.port());
      if (tls) {
        auto s = std::make_shared<Session<detail::TlsStream>>(
            *this, detail::TlsStream(beast::tcp_stream(std::move(socket)), *tls), remote);
        track(s);
        s->start();
      } else {
        auto s = std::make_shared<Session<beast::tcp_stream>>(*this, beast::tcp_stream(std::move(socket)), remote);
        track(s);
        s->start();
      }
    }
    accept();
  });
}

static void configure_tls(asio::ssl::context& ctx, const ServerOptions& options) {
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                  asio::ssl::context::single_dh_use);
  try {
    ctx.use_certificate_chain_file(options.cert_file);
    ctx.use_private_key_file(options.key_file.empty() ? options.cert_file : options.key_file,
                             asio::ssl::context::pem);
  } catch (const std::exception& e) {
    throw HttpError("cannot load TLS certificate " + options.cert_file + " / key " + options.key_file + ": " +
                    e.what());
  }
  // Most connections are idle watches: let OpenSSL free a connection's record buffers
  // (about 34 KiB) between reads and writes instead of holding them for its lifetime.
  SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  static const unsigned char kSessionContext[] = "k3s-http";
  SSL_CTX_set_session_id_context(ctx.native_handle(), kSessionContext, sizeof(kSessionContext) - 1);
  if (!options.client_ca_file.empty()) {
    try {
      ctx.load_verify_file(options.client_ca_file);
    } catch (const std::exception& e) {
      throw HttpError("cannot load client CA " + options.client_ca_file + ": " + e.what());
    }
    // Advertise the acceptable CAs so clients pick the matching certificate to send.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.client_ca_file.c_str());
    if (names) SSL_CTX_set_client_CA_list(ctx.native_handle(), names);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    ctx.set_verify_callback([](bool, asio::ssl::verify_context&) { return true; });
  }
}

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(handler))) {
  auto& im = *impl_;
  im.weak_self = impl_;
  if (!im.options.cert_file.empty()) {
    im.tls.emplace(asio::ssl::context::tls_server);
    configure_tls(*im.tls, im.options);
  }
  beast::error_code ec;
  auto address = asio::ip::make_address(im.options.bind_address, ec);
  if (ec) throw HttpError("invalid bind address '" + im.options.bind_address + "'");
  tcp::endpoint endpoint(address, static_cast<unsigned short>(im.options.port));
  im.acceptor.open(endpoint.protocol(), ec);
  if (!ec) im.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) im.acceptor.bind(endpoint, ec);
  if (!ec) im.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw HttpError("cannot listen on " + im.options.bind_address + ":" + std::to_string(im.options.port) + ": " +
                    ec.message());
  }
  im.bound_port = im.acceptor.local_endpoint().port();
  im.accept();
  for (int i = 0; i < std::max(1, im.options.io_threads); ++i) {
    im.io_threads.emplace_back([this] { impl_->ioc.run(); });
  }
}

Server::~Server() { stop(); }

int Server::port() const { return impl_->bound_port; }

void Server::stop() {
  auto& im = *impl_;
  if (im.stopping.exchange(true)) return;
  asio::post(im.ioc, [&im] {
    beast::error_code ec;
    im.acceptor.close(ec);
  });
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(im.sessions_mu);
    for (auto& w : im.sessions)
      if (auto s = w.lock()) live.push_back(s);
    im.sessions.clear();
  }
  for (auto& s : live) s->close_from_server();
  live.clear();
  im.workers.join();
  im.ioc.stop();
  for (auto& t : im.io_threads)
    if (t.joinable()) t.join();
  // The socket closes posted by close_from_server may not have run before the io threads
  // stopped; left queued, an upgraded connection's peer would wait for EOF until the Server
  // is destroyed. Run what is ready here (each round only finishes aborted operations).
  im.ioc.restart();
  for (int round = 0; round < 100 && im.ioc.poll() > 0; ++round) {
  }
}

}  // namespace k3s::http
