// http::Connection over an Asio stream (plain TCP or TLS) after a protocol switch: blocking
// calls post the asynchronous operation onto the stream's executor and wait for it. Used by
// the server (hand-over after a 101) and the client (the upgraded connection it returns).
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>

#include "http/message.h"

namespace k3s::http::detail {

// Shared by the connection and its owner: once `closed`, blocked calls return at once even
// if the executor no longer runs (a stopping server).
struct RawState {
  std::mutex mu;
  std::condition_variable cv;
  bool closed = false;

  void mark_closed() {
    {
      std::lock_guard lock(mu);
      closed = true;
    }
    cv.notify_all();
  }
};

struct RawOp {
  bool done = false;
  boost::system::error_code ec;
  std::size_t transferred = 0;
  std::string data;
};

template <class Stream>
class RawConnection : public Connection {
 public:
  // `owner` keeps `stream` (and what runs its executor) alive as long as this connection.
  RawConnection(std::shared_ptr<void> owner, Stream& stream, std::string leftover, std::shared_ptr<RawState> state)
      : owner_(std::move(owner)), stream_(stream), leftover_(std::move(leftover)), state_(std::move(state)) {}

  ~RawConnection() override { close(); }

  std::string read_some() override {
    if (!leftover_.empty()) return std::exchange(leftover_, {});
    auto op = std::make_shared<RawOp>();
    op->data.resize(16384);
    auto state = state_;
    Stream* stream = &stream_;
    // The completion handler holds the owner: an operation still pending when this
    // connection is closed and dropped must not outlive the stream (and its TLS engine).
    if (!start([stream, op, state, owner = owner_] {
          stream->async_read_some(boost::asio::buffer(op->data),
                                  [op, state, owner](boost::system::error_code ec, std::size_t n) {
                                    finish(*state, *op, ec, n);
                                  });
        }))
      return {};
    if (!wait(*op) || (op->ec && op->transferred == 0)) return {};
    op->data.resize(op->transferred);
    return std::move(op->data);
  }

  bool write(std::string_view data) override {
    std::lock_guard write_lock(write_mu_);
    if (write_closed_ || data.empty()) return !write_closed_;
    auto op = std::make_shared<RawOp>();
    op->data.assign(data);
    auto state = state_;
    Stream* stream = &stream_;
    if (!start([stream, op, state, owner = owner_] {
          boost::asio::async_write(*stream, boost::asio::buffer(op->data),
                                   [op, state, owner](boost::system::error_code ec, std::size_t n) {
                                     finish(*state, *op, ec, n);
                                   });
        }))
      return false;
    return wait(*op) && !op->ec;
  }

  // TLS cannot send close_notify while a read is pending on the same engine, so over TLS
  // this only refuses further writes; plain TCP sends its FIN.
  void close_write() override {
    std::lock_guard write_lock(write_mu_);
    if (write_closed_) return;
    write_closed_ = true;
    if constexpr (std::is_same_v<Stream, boost::beast::tcp_stream>) {
      Stream* stream = &stream_;
      start([stream] {
        boost::system::error_code ec;
        stream->socket().shutdown(boost::asio::socket_base::shutdown_send, ec);
      });
    }
  }

  void close() override {
    {
      std::lock_guard lock(state_->mu);
      if (state_->closed) return;
    }
    Stream* stream = &stream_;
    auto owner = owner_;
    boost::asio::post(stream_.get_executor(), [stream, owner] {
      boost::system::error_code ec;
      boost::beast::get_lowest_layer(*stream).socket().shutdown(boost::asio::socket_base::shutdown_both, ec);
      boost::beast::get_lowest_layer(*stream).close();
    });
    state_->mark_closed();
  }

 private:
  static void finish(RawState& state, RawOp& op, boost::system::error_code ec, std::size_t n) {
    {
      std::lock_guard lock(state.mu);
      op.done = true;
      op.ec = ec;
      op.transferred = n;
    }
    state.cv.notify_all();
  }

  template <class Fn>
  bool start(Fn fn) {
    {
      std::lock_guard lock(state_->mu);
      if (state_->closed) return false;
    }
    boost::asio::post(stream_.get_executor(), std::move(fn));
    return true;
  }

  bool wait(RawOp& op) {
    std::unique_lock lock(state_->mu);
    state_->cv.wait(lock, [&] { return op.done || state_->closed; });
    return op.done;
  }

  std::shared_ptr<void> owner_;
  Stream& stream_;
  std::string leftover_;
  std::shared_ptr<RawState> state_;
  std::mutex write_mu_;
  bool write_closed_ = false;
};

}  // namespace k3s::http::detail
