#include "mux.h"

#include <deque>
#include <thread>

#include "http/connection.h"

namespace k3s::tunnel::detail {

namespace {

// A peer that sends nothing (not even a pong) for this long is considered gone.
constexpr auto kKeepaliveInterval = std::chrono::seconds(30);

std::string encode_frame(FrameType type, std::uint32_t id, std::string_view payload) {
  std::string out;
  out.reserve(5 + payload.size());
  out.push_back(static_cast<char>(type));
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((id >> shift) & 0xFF));
  out.append(payload);
  return out;
}

std::string encode_u32(std::uint32_t v) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
  return out;
}

std::uint32_t decode_u32(std::string_view s) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

}  // namespace

struct StreamState {
  enum class Open { pending, opened, refused };

  std::uint32_t id = 0;
  std::weak_ptr<MuxSession> session;
  std::mutex mu;
  std::condition_variable cv;
  Open open = Open::pending;
  std::string refusal;
  std::deque<std::string> inbound;
  std::size_t inbound_bytes = 0;
  std::size_t unacknowledged = 0;  // bytes read locally but not yet credited back
  std::size_t credit = kWindowBytes;
  bool eof_in = false;    // the peer sent EOF
  bool ended = false;     // RESET from the peer or the session died
  bool closed = false;    // closed locally
  bool write_closed = false;
};

namespace {

class MuxStream : public http::Connection {
 public:
  explicit MuxStream(std::shared_ptr<StreamState> state) : state_(std::move(state)) {}
  ~MuxStream() override { close(); }

  std::string read_some() override {
    std::string out;
    std::size_t grant = 0;
    {
      std::unique_lock lock(state_->mu);
      state_->cv.wait(lock, [&] {
        return !state_->inbound.empty() || state_->eof_in || state_->ended || state_->closed;
      });
      if (state_->closed || state_->inbound.empty()) return {};
      out = std::move(state_->inbound.front());
      state_->inbound.pop_front();
      state_->inbound_bytes -= out.size();
      state_->unacknowledged += out.size();
      // Credit in batches, or at once when the reader has caught up.
      if (state_->unacknowledged >= kWindowBytes / 4 || state_->inbound.empty()) {
        grant = state_->unacknowledged;
        state_->unacknowledged = 0;
      }
    }
    if (grant > 0)
      if (auto session = state_->session.lock())
        session->send(FrameType::credit, state_->id, encode_u32(static_cast<std::uint32_t>(grant)));
    return out;
  }

  bool write(std::string_view data) override {
    std::lock_guard write_lock(write_mu_);
    while (!data.empty()) {
      std::size_t n = 0;
      {
        std::unique_lock lock(state_->mu);
        state_->cv.wait(lock, [&] {
          return state_->credit > 0 || state_->ended || state_->closed || state_->write_closed;
        });
        if (state_->ended || state_->closed || state_->write_closed) return false;
        n = std::min({state_->credit, data.size(), kMaxDataFrame});
        state_->credit -= n;
      }
      auto session = state_->session.lock();
      if (!session || !session->send(FrameType::data, state_->id, data.substr(0, n))) return false;
      data.remove_prefix(n);
    }
    return true;
  }

  void close_write() override {
    {
      std::lock_guard lock(state_->mu);
      if (state_->write_closed || state_->closed) return;
      state_->write_closed = true;
    }
    state_->cv.notify_all();
    if (auto session = state_->session.lock()) session->send(FrameType::eof, state_->id);
  }

  void close() override {
    bool tell_peer = false;
    {
      std::lock_guard lock(state_->mu);
      if (state_->closed) return;
      state_->closed = true;
      tell_peer = !state_->ended;
    }
    state_->cv.notify_all();
    if (auto session = state_->session.lock()) {
      if (tell_peer) session->send(FrameType::reset, state_->id);
      session->forget(state_->id);
    }
  }

 private:
  std::shared_ptr<StreamState> state_;
  std::mutex write_mu_;
};

void end_stream(StreamState& state) {
  {
    std::lock_guard lock(state.mu);
    state.ended = true;
  }
  state.cv.notify_all();
}

}  // namespace

MuxSession::MuxSession(std::unique_ptr<WebSocket> socket, OpenHandler on_open)
    : socket_(std::move(socket)), on_open_(std::move(on_open)) {}

MuxSession::~MuxSession() { close(); }

bool MuxSession::send(FrameType type, std::uint32_t id, std::string_view payload) {
  return socket_->send_binary(encode_frame(type, id, payload));
}

void MuxSession::forget(std::uint32_t id) {
  std::lock_guard lock(mu_);
  streams_.erase(id);
}

bool MuxSession::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

void MuxSession::close() {
  std::map<std::uint32_t, std::shared_ptr<StreamState>> streams;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    streams.swap(streams_);
  }
  closed_cv_.notify_all();
  socket_->close();
  for (auto& [id, state] : streams) end_stream(*state);
}

void MuxSession::run() {
  // Pings keep NAT mappings alive and reveal a vanished peer; otherwise nothing runs.
  std::thread keepalive([self = shared_from_this()] {
    std::unique_lock lock(self->mu_);
    while (!self->closed_) {
      if (self->closed_cv_.wait_for(lock, kKeepaliveInterval * 1, [&] { return self->closed_; })) break;
      lock.unlock();
      const bool alive = self->socket_->take_activity();
      if (!alive) {
        self->close();
        return;
      }
      self->socket_->send_ping();
      lock.lock();
    }
  });
  for (;;) {
    auto message = socket_->receive();
    if (!message) break;
    if (message->size() < 5) break;
    dispatch(*message);
  }
  close();
  keepalive.join();
}

void MuxSession::dispatch(const std::string& message) {
  const auto type = static_cast<FrameType>(message[0]);
  const std::uint32_t id = decode_u32(std::string_view(message).substr(1, 4));
  std::string payload = message.substr(5);

  if (type == FrameType::open) {
    {
      std::lock_guard lock(mu_);
      if (closed_ || streams_.count(id)) return;
    }
    std::thread([self = shared_from_this(), id, address = std::move(payload)]() mutable {
      self->serve_open(id, std::move(address));
    }).detach();
    return;
  }

  std::shared_ptr<StreamState> state;
  {
    std::lock_guard lock(mu_);
    auto it = streams_.find(id);
    if (it == streams_.end()) return;  // late frames of a stream already closed here
    state = it->second;
    if (type == FrameType::reset || type == FrameType::refused) streams_.erase(it);
  }
  bool violation = false;
  {
    std::lock_guard lock(state->mu);
    switch (type) {
      case FrameType::opened:
        state->open = StreamState::Open::opened;
        break;
      case FrameType::refused:
        state->open = StreamState::Open::refused;
        state->refusal = payload;
        state->ended = true;
        break;
      case FrameType::data:
        state->inbound_bytes += payload.size();
        // The peer ignored our window: drop the stream rather than buffer without bound.
        if (state->inbound_bytes > kWindowBytes) violation = true;
        else if (!payload.empty()) state->inbound.push_back(std::move(payload));
        break;
      case FrameType::credit:
        if (payload.size() >= 4) state->credit += decode_u32(payload);
        break;
      case FrameType::eof:
        state->eof_in = true;
        break;
      case FrameType::reset:
        state->ended = true;
        break;
      default:
        break;
    }
  }
  state->cv.notify_all();
  if (violation) {
    send(FrameType::reset, id);
    forget(id);
    end_stream(*state);
  }
}

void MuxSession::serve_open(std::uint32_t id, std::string address) {
  auto state = std::make_shared<StreamState>();
  state->id = id;
  state->session = weak_from_this();
  state->open = StreamState::Open::opened;
  std::unique_ptr<http::Connection> target;
  try {
    if (!on_open_) throw http::DialError("this side accepts no streams");
    target = on_open_(address);
    if (!target) throw http::DialError("cannot connect to " + address);
  } catch (const std::exception& e) {
    send(FrameType::refused, id, e.what());
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    streams_[id] = state;
  }
  if (!send(FrameType::opened, id)) return;
  MuxStream stream(state);
  http::splice(stream, *target);
}

std::unique_ptr<http::Connection> MuxSession::open(const std::string& address, std::chrono::milliseconds timeout) {
  auto state = std::make_shared<StreamState>();
  state->session = weak_from_this();
  {
    std::lock_guard lock(mu_);
    if (closed_) throw http::DialError("the tunnel is closed");
    state->id = next_id_++;
    streams_[state->id] = state;
  }
  auto stream = std::make_unique<MuxStream>(state);
  if (!send(FrameType::open, state->id, address)) throw http::DialError("the tunnel is closed");
  std::unique_lock lock(state->mu);
  bool settled = state->cv.wait_for(lock, timeout, [&] {
    return state->open != StreamState::Open::pending || state->ended;
  });
  if (state->open == StreamState::Open::opened) return stream;
  std::string reason = !settled ? "timed out opening " + address + " through the tunnel"
                       : state->open == StreamState::Open::refused ? state->refusal
                                                                   : "the tunnel closed while opening " + address;
  lock.unlock();
  stream.reset();
  throw http::DialError(reason);
}

}  // namespace k3s::tunnel::detail
