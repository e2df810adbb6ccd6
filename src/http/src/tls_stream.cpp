#include "tls_stream.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace k3s::http::detail {

namespace {

// OpenSSL's view of a connection's buffers: reads take what the socket delivered (or ask to
// be retried), writes always succeed into the outgoing buffer.
struct BioAccess {
  std::string* in;
  std::size_t* in_pos;
  bool* eof;
  std::string* out;
};

int bio_write(BIO* bio, const char* data, int len) {
  auto* access = static_cast<BioAccess*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (len <= 0) return 0;
  access->out->append(data, static_cast<std::size_t>(len));
  return len;
}

int bio_read(BIO* bio, char* data, int len) {
  auto* access = static_cast<BioAccess*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  std::string& in = *access->in;
  std::size_t& pos = *access->in_pos;
  if (pos < in.size()) {
    std::size_t n = std::min(in.size() - pos, static_cast<std::size_t>(std::max(len, 0)));
    std::memcpy(data, in.data() + pos, n);
    pos += n;
    if (pos == in.size()) {
      // Drained: an idle connection keeps no receive buffer.
      pos = 0;
      if (in.capacity() > 4096)
        std::string().swap(in);
      else
        in.clear();
    }
    return static_cast<int>(n);
  }
  if (*access->eof) return 0;
  BIO_set_retry_read(bio);
  return -1;
}

long bio_ctrl(BIO* bio, int cmd, long, void*) {
  auto* access = static_cast<BioAccess*>(BIO_get_data(bio));
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_PENDING:
      return access ? static_cast<long>(access->in->size() - *access->in_pos) : 0;
    case BIO_CTRL_WPENDING:
      return access ? static_cast<long>(access->out->size()) : 0;
    case BIO_CTRL_EOF:
      return access && *access->eof && *access->in_pos >= access->in->size();
    default:
      return 0;
  }
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* bio_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "k3s tls buffers");
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    return m;
  }();
  return method;
}

}  // namespace

TlsStream::Core::Core(next_layer_type&& n, boost::asio::ssl::context& ctx) : next(std::move(n)) {
  ssl = SSL_new(ctx.native_handle());
  if (!ssl) throw boost::system::system_error(static_cast<int>(ERR_get_error()), boost::asio::error::get_ssl_category());
  BIO* bio = BIO_new(bio_method());
  auto* access = new BioAccess{&in, &in_pos, &eof, &out};
  BIO_set_data(bio, access);
  SSL_set_bio(ssl, bio, bio);
}

TlsStream::Core::~Core() {
  BIO* bio = SSL_get_rbio(ssl);
  delete static_cast<BioAccess*>(BIO_get_data(bio));
  SSL_free(ssl);
}

void TlsStream::Core::take_received(std::size_t n) {
  in.append(small.data(), n);
  // A full small read means more is probably waiting: take it now, without waiting, in
  // record-sized steps.
  if (n < small.size()) return;
  const int fd = next.socket().native_handle();
  constexpr std::size_t kStep = 16 * 1024 + 512;
  while (in.size() - in_pos < 256 * 1024) {
    const std::size_t old = in.size();
    in.resize(old + kStep);
    ssize_t got = ::recv(fd, in.data() + old, kStep, MSG_DONTWAIT);
    in.resize(old + static_cast<std::size_t>(std::max<ssize_t>(got, 0)));
    if (got == 0) eof = true;
    if (got < static_cast<ssize_t>(kStep)) break;
  }
}

void TlsStream::Core::sent() {
  send_in_flight = false;
  if (sending.capacity() > 1024)
    std::string().swap(sending);
  else
    sending.clear();
}

TlsStream::TlsStream(next_layer_type&& next, boost::asio::ssl::context& ctx)
    : core_(std::make_shared<Core>(std::move(next), ctx)) {}

TlsStream::~TlsStream() = default;

TlsStream::Outcome TlsStream::attempt(Core& core, Kind kind, boost::asio::mutable_buffer buffer) {
  namespace asio = boost::asio;
  ERR_clear_error();
  int r = 0;
  switch (kind) {
    case Kind::handshake:
      r = SSL_do_handshake(core.ssl);
      if (r == 1) return {Step::done, {}, 0};
      break;
    case Kind::read:
      if (buffer.size() == 0) return {Step::done, {}, 0};
      r = SSL_read(core.ssl, buffer.data(), static_cast<int>(std::min<std::size_t>(buffer.size(), INT_MAX)));
      if (r > 0) return {Step::done, {}, static_cast<std::size_t>(r)};
      break;
    case Kind::write:
      if (buffer.size() == 0) return {Step::done, {}, 0};
      r = SSL_write(core.ssl, buffer.data(), static_cast<int>(std::min<std::size_t>(buffer.size(), INT_MAX)));
      // OpenSSL copied the bytes into records: a gathered buffer is no longer needed.
      if (core.gather.capacity() > 1024)
        std::string().swap(core.gather);
      else
        core.gather.clear();
      if (r > 0) return {Step::done, {}, static_cast<std::size_t>(r)};
      break;
    case Kind::shutdown:
      // Sends close_notify; the peer's is not awaited (the socket is closed next).
      SSL_shutdown(core.ssl);
      ERR_clear_error();
      return {Step::done, {}, 0};
  }
  const int err = SSL_get_error(core.ssl, r);
  if (err == SSL_ERROR_WANT_READ && !core.eof) return {Step::need_input, {}, 0};
  if (err == SSL_ERROR_ZERO_RETURN) return {Step::done, asio::error::eof, 0};
  const unsigned long code = ERR_get_error();
  // The peer closed the TCP connection without close_notify.
  if (core.eof || code == 0) return {Step::done, asio::ssl::error::stream_truncated, 0};
  return {Step::done, error_code(static_cast<int>(code), asio::error::get_ssl_category()), 0};
}

}  // namespace k3s::http::detail
