#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "http/client.h"
#include "http/server.h"

using namespace k3s::http;

namespace {

ServerOptions loopback() {
  ServerOptions o;
  o.bind_address = "127.0.0.1";
  o.port = 0;
  return o;
}

std::string url(const Server& s) { return "http://127.0.0.1:" + std::to_string(s.port()); }

}  // namespace

TEST(HttpServer, ServesRequestWithDecodedPathQueryAndBody) {
  Server server(loopback(), [](Request& req) {
    Response r;
    r.headers.set("Content-Type", "text/plain");
    r.body = req.method + "|" + req.path + "|" + req.query + "|" + req.body + "|" + req.headers.get("x-test");
    return r;
  });
  Client client(url(server));
  Headers h;
  h.add("X-Test", "yes");
  auto res = client.request("POST", "/a%20b/c?x=1&y=%2F", h, "payload");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "POST|/a b/c|x=1&y=%2F|payload|yes");
  EXPECT_EQ(res.headers.get("content-type"), "text/plain");
}

TEST(HttpServer, KeepAliveReusesOneConnection) {
  Server server(loopback(), [](Request& req) {
    Response r;
    r.body = req.remote_address;
    return r;
  });
  Client client(url(server));
  auto first = client.request("GET", "/");
  auto second = client.request("GET", "/");
  EXPECT_EQ(first.status, 200);
  EXPECT_FALSE(first.body.empty());
  EXPECT_EQ(first.body, second.body);
}

TEST(HttpServer, OversizedBodyGetsTheErrorResponders413) {
  auto o = loopback();
  o.max_body_bytes = 1024;
  o.error_responder = [](int status, const std::string& message) {
    Response r;
    r.status = status;
    r.body = "custom:" + message;
    return r;
  };
  std::atomic<int> handled{0};
  Server server(o, [&](Request&) {
    ++handled;
    return Response{};
  });
  Client client(url(server));
  auto res = client.request("PUT", "/x", {}, std::string(4096, 'a'));
  EXPECT_EQ(res.status, 413);
  EXPECT_NE(res.body.find("custom:"), std::string::npos);
  EXPECT_EQ(handled.load(), 0);
  auto ok = client.request("PUT", "/x", {}, std::string(512, 'a'));
  EXPECT_EQ(ok.status, 200);
}

TEST(HttpServer, HandlerExceptionBecomes500) {
  Server server(loopback(), [](Request&) -> Response { throw std::runtime_error("boom"); });
  Client client(url(server));
  auto res = client.request("GET", "/");
  EXPECT_EQ(res.status, 500);
  EXPECT_NE(res.body.find("boom"), std::string::npos);
}

TEST(HttpServer, SlowHandlerGets504AfterRequestTimeout) {
  auto o = loopback();
  o.request_timeout = std::chrono::seconds(1);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  Server server(o, [&](Request&) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
    return Response{};
  });
  Client client(url(server));
  auto res = client.request("GET", "/slow");
  EXPECT_EQ(res.status, 504);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
}

TEST(HttpServer, StreamsChunksAndSeesClientDisconnect) {
  std::shared_ptr<StreamWriter> writer;
  std::mutex mu;
  std::condition_variable cv;
  bool closed = false;
  Server server(loopback(), [&](Request&) {
    Response r;
    r.headers.set("Content-Type", "application/json");
    r.stream = [&](std::shared_ptr<StreamWriter> w) {
      w->on_close([&] {
        std::lock_guard lock(mu);
        closed = true;
        cv.notify_all();
      });
      std::lock_guard lock(mu);
      writer = w;
      cv.notify_all();
    };
    return r;
  });
  Client client(url(server));
  auto stream = client.stream("GET", "/watch");
  EXPECT_EQ(stream->status(), 200);
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return writer != nullptr; });
  }
  // Written from a thread that is not the server's.
  std::thread producer([&] {
    EXPECT_TRUE(writer->write("one\n"));
    EXPECT_TRUE(writer->write("two\n"));
  });
  producer.join();
  std::string received;
  while (received.size() < 8) {
    auto piece = stream->read();
    ASSERT_TRUE(piece.has_value());
    received += *piece;
  }
  EXPECT_EQ(received, "one\ntwo\n");
  stream->cancel();
  stream.reset();
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return closed; });
  EXPECT_TRUE(writer->closed());
  EXPECT_FALSE(writer->write("late"));
}

TEST(HttpServer, FinishedStreamEndsTheClientRead) {
  Server server(loopback(), [&](Request&) {
    Response r;
    r.stream = [](std::shared_ptr<StreamWriter> w) {
      w->write("a");
      w->write("b");
      w->finish();
    };
    return r;
  });
  Client client(url(server));
  auto stream = client.stream("GET", "/");
  std::string all;
  while (auto piece = stream->read()) all += *piece;
  EXPECT_EQ(all, "ab");
}

TEST(HttpServer, ManyConcurrentStreamsOnTwoIoThreads) {
  std::mutex mu;
  std::vector<std::shared_ptr<StreamWriter>> writers;
  std::condition_variable cv;
  Server server(loopback(), [&](Request& req) {
    Response r;
    if (req.path == "/plain") return r;
    r.stream = [&](std::shared_ptr<StreamWriter> w) {
      std::lock_guard lock(mu);
      writers.push_back(w);
      cv.notify_all();
    };
    return r;
  });
  Client client(url(server));
  std::vector<std::unique_ptr<ResponseStream>> streams;
  for (int i = 0; i < 50; ++i) streams.push_back(client.stream("GET", "/w"));
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return writers.size() == 50; });
  }
  // Plain requests are still served while every stream stays open.
  EXPECT_EQ(client.request("GET", "/plain").status, 200);
  for (auto& w : writers) w->write("x");
  for (auto& s : streams) {
    auto piece = s->read();
    ASSERT_TRUE(piece.has_value());
    EXPECT_EQ(*piece, "x");
  }
}

TEST(HttpServer, StopClosesOpenStreams) {
  std::mutex mu;
  std::condition_variable cv;
  std::shared_ptr<StreamWriter> writer;
  auto server = std::make_unique<Server>(loopback(), [&](Request&) {
    Response r;
    r.stream = [&](std::shared_ptr<StreamWriter> w) {
      std::lock_guard lock(mu);
      writer = w;
      cv.notify_all();
    };
    return r;
  });
  Client client(url(*server));
  auto stream = client.stream("GET", "/");
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return writer != nullptr; });
  }
  server->stop();
  EXPECT_TRUE(writer->closed());
  EXPECT_FALSE(stream->read().has_value());
}

TEST(HttpServer, RefusesBadBindAddress) {
  ServerOptions o;
  o.bind_address = "not-an-ip";
  EXPECT_THROW(Server(o, [](Request&) { return Response{}; }), HttpError);
}

TEST(HttpQuery, ParsesAndDecodes) {
  auto q = parse_query("labelSelector=app%3Dweb&watch=1&x=a+b&flag");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0].second, "app=web");
  EXPECT_EQ(q[2].second, "a b");
  EXPECT_EQ(q[3].first, "flag");
}

namespace {

class StringPieces : public BodyPieces {
 public:
  explicit StringPieces(std::vector<std::string> pieces) : pieces_(std::move(pieces)) {}
  std::size_t count() const override { return pieces_.size(); }
  std::string_view piece(std::size_t index) const override { return pieces_[index]; }

 private:
  std::vector<std::string> pieces_;
};

// Pieces of uneven sizes (empty ones, one larger than the server's copy buffer) whose bytes
// encode their position, so a dropped, repeated or reordered byte shows.
std::vector<std::string> uneven_pieces() {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < 400; ++i) {
    std::size_t size = (i * 7919) % 3001;
    if (i == 17) size = 200 * 1024;
    if (i % 50 == 0) size = 0;
    std::string p(size, '\0');
    for (std::size_t j = 0; j < size; ++j) p[j] = static_cast<char>('a' + (i + j) % 26);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

TEST(HttpResponse, FullBodyJoinsBodyAndPieces) {
  Response r;
  EXPECT_EQ(r.full_body(), "");
  r.body = "head:";
  EXPECT_EQ(r.full_body(), "head:");
  r.pieces = std::make_shared<StringPieces>(std::vector<std::string>{"a", "", "bc"});
  EXPECT_EQ(r.full_body(), "head:abc");
  EXPECT_EQ(r.body_size(), 8u);
}

TEST(HttpServer, BodyPiecesAreSentInOrderAndTheConnectionIsKeptAlive) {
  const auto pieces = uneven_pieces();
  std::string expected = "head|";
  for (const auto& p : pieces) expected += p;
  Server server(loopback(), [&](Request& req) {
    Response r;
    if (req.path == "/who") {
      r.body = req.remote_address;
      return r;
    }
    r.headers.set("Content-Type", "text/plain");
    r.body = "head|";
    r.pieces = std::make_shared<StringPieces>(pieces);
    return r;
  });
  Client client(url(server));
  const auto before = client.request("GET", "/who").body;
  auto res = client.request("GET", "/pieces");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get("Content-Length"), std::to_string(expected.size()));
  EXPECT_EQ(res.headers.get("Content-Type"), "text/plain");
  EXPECT_TRUE(res.body == expected) << "got " << res.body.size() << " bytes, want " << expected.size();
  // The same connection serves the next request.
  EXPECT_EQ(client.request("GET", "/who").body, before);
}

TEST(HttpServer, EmptyPiecesMakeAnEmptyBody) {
  Server server(loopback(), [](Request&) {
    Response r;
    r.pieces = std::make_shared<StringPieces>(std::vector<std::string>{"", ""});
    return r;
  });
  Client client(url(server));
  auto res = client.request("GET", "/");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "");
  EXPECT_EQ(res.headers.get("Content-Length"), "0");
}
