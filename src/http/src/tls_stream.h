// TLS over a beast::tcp_stream for the server and the client, in place of
// beast::ssl_stream. Asio's SSL stream gives every connection four fixed 17 KiB buffers (a
// BIO pair and two staging vectors) for its whole life; an API server keeps dozens of
// loopback watch connections from its own controllers (each end of each one is a stream in
// this process), so those buffers were about 10 MiB of an idle server's heap. Here OpenSSL
// reads and writes through a BIO over buffers that exist only while bytes pass through; an
// idle connection holds its SSL object and a 512-byte read buffer.
//
// Semantics follow asio::ssl::stream where the callers depend on them: one read and one
// write may be outstanding at a time, all operations run on the tcp_stream's executor and
// its deadline (expires_at/after) bounds them, a close_notify from the peer reads as
// asio::error::eof and a bare TCP close as asio::ssl::error::stream_truncated. Shutdown sends
// close_notify and does not wait for the peer's (the callers close the socket next).
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>

namespace k3s::http::detail {

class TlsStream {
 public:
  using next_layer_type = boost::beast::tcp_stream;
  using executor_type = next_layer_type::executor_type;
  using error_code = boost::system::error_code;

  TlsStream(next_layer_type&& next, boost::asio::ssl::context& ctx);
  TlsStream(boost::asio::io_context& ioc, boost::asio::ssl::context& ctx)
      : TlsStream(next_layer_type(ioc), ctx) {}
  TlsStream(TlsStream&&) noexcept = default;
  TlsStream& operator=(TlsStream&&) noexcept = default;
  ~TlsStream();

  executor_type get_executor() { return core_->next.get_executor(); }
  next_layer_type& next_layer() { return core_->next; }
  SSL* native_handle() { return core_->ssl; }

  template <class Handler>
  auto async_handshake(boost::asio::ssl::stream_base::handshake_type type, Handler&& handler) {
    if (type == boost::asio::ssl::stream_base::client)
      SSL_set_connect_state(core_->ssl);
    else
      SSL_set_accept_state(core_->ssl);
    return start<void(error_code)>(Kind::handshake, boost::asio::mutable_buffer(), std::forward<Handler>(handler));
  }

  template <class Handler>
  auto async_shutdown(Handler&& handler) {
    return start<void(error_code)>(Kind::shutdown, boost::asio::mutable_buffer(), std::forward<Handler>(handler));
  }

  template <class MutableBuffers, class Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    boost::asio::mutable_buffer first;
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it)
      if (boost::asio::mutable_buffer b(*it); b.size() > 0) {
        first = b;
        break;
      }
    return start<void(error_code, std::size_t)>(Kind::read, first, std::forward<Handler>(handler));
  }

  // Writes up to kMaxWriteChunk bytes of the sequence; several small buffers (an HTTP head
  // and its body) are gathered into one record rather than one record each.
  template <class ConstBuffers, class Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    boost::asio::const_buffer first;
    std::size_t total = 0, count = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::const_buffer b(*it);
      if (b.size() == 0) continue;
      if (count++ == 0) first = b;
      total += b.size();
    }
    if (count > 1 && first.size() < kMaxWriteChunk) {
      std::string& gather = core_->gather;
      gather.clear();
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           it != boost::asio::buffer_sequence_end(buffers) && gather.size() < kMaxWriteChunk; ++it) {
        boost::asio::const_buffer b(*it);
        std::size_t take = std::min(b.size(), kMaxWriteChunk - gather.size());
        gather.append(static_cast<const char*>(b.data()), take);
      }
      first = boost::asio::buffer(gather);
    }
    if (first.size() > kMaxWriteChunk) first = boost::asio::buffer(first.data(), kMaxWriteChunk);
    return start<void(error_code, std::size_t)>(
        Kind::write, boost::asio::mutable_buffer(const_cast<void*>(first.data()), first.size()),
        std::forward<Handler>(handler));
  }

 private:
  static constexpr std::size_t kMaxWriteChunk = 64 * 1024;
  enum class Kind { handshake, read, write, shutdown };

  struct Core {
    next_layer_type next;
    SSL* ssl = nullptr;
    // Ciphertext received and not yet consumed by OpenSSL; released once drained.
    std::string in;
    std::size_t in_pos = 0;
    bool eof = false;
    // Ciphertext OpenSSL produced, waiting for the socket; `sending` is on the wire.
    std::string out;
    std::string sending;
    bool send_in_flight = false;
    std::string gather;
    std::array<char, 512> small{};

    Core(next_layer_type&& n, boost::asio::ssl::context& ctx);
    ~Core();
    // Moves what the socket holds now (without waiting) after the `n` bytes in `small`.
    void take_received(std::size_t n);
    // The write of `sending` ended: more output that arrived meanwhile goes next.
    void sent();
  };

  // One call into OpenSSL for an operation: finished (successfully or not) or waiting for
  // more bytes from the peer.
  enum class Step { done, need_input };
  struct Outcome {
    Step step;
    error_code ec;
    std::size_t bytes = 0;
  };
  static Outcome attempt(Core& core, Kind kind, boost::asio::mutable_buffer buffer);

  template <bool kWithSize>
  struct Op;
  template <class Signature, class Handler>
  auto start(Kind kind, boost::asio::mutable_buffer buffer, Handler&& handler);

  std::shared_ptr<Core> core_;
};

template <bool kWithSize>
struct TlsStream::Op {
  std::shared_ptr<Core> core;
  Kind kind;
  boost::asio::mutable_buffer buffer;
  enum class Waiting { nothing, input, flush } waiting = Waiting::nothing;
  std::optional<Outcome> result;  // what OpenSSL answered, delivered once its output is sent

  template <class Self>
  void operator()(Self& self, error_code ec = {}, std::size_t n = 0) {
    namespace asio = boost::asio;
    if (waiting == Waiting::input) {
      waiting = Waiting::nothing;
      if (ec == asio::error::eof) {
        core->eof = true;
      } else if (ec) {
        return finish(self, ec, 0);
      } else {
        core->take_received(n);
      }
    } else if (waiting == Waiting::flush) {
      waiting = Waiting::nothing;
      core->sent();
      if (ec) return finish(self, ec, 0);
    }
    if (!result) {
      Outcome o = attempt(*core, kind, buffer);
      if (o.step == Step::done) result = o;
    }
    if (!core->out.empty()) {
      if (!core->send_in_flight) {
        core->sending.swap(core->out);
        core->send_in_flight = true;
        waiting = Waiting::flush;
        asio::async_write(core->next, asio::buffer(core->sending), std::move(self));
        return;
      }
      // The other direction is sending and picks up this output when its write ends; only
      // a read need not wait for that.
      if (kind != Kind::read) {
        asio::post(core->next.get_executor(), std::move(self));
        return;
      }
    }
    if (result) return finish(self, result->ec, result->bytes);
    waiting = Waiting::input;
    core->next.async_read_some(asio::buffer(core->small), std::move(self));
  }

  template <class Self>
  static void finish(Self& self, error_code ec, std::size_t n) {
    if constexpr (kWithSize)
      self.complete(ec, n);
    else
      self.complete(ec);
  }
};

template <class Signature, class Handler>
auto TlsStream::start(Kind kind, boost::asio::mutable_buffer buffer, Handler&& handler) {
  constexpr bool kWithSize = !std::is_same_v<Signature, void(error_code)>;
  return boost::asio::async_compose<Handler, Signature>(Op<kWithSize>{core_, kind, buffer}, handler, core_->next);
}

}  // namespace k3s::http::detail
