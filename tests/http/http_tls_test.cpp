#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "http/client.h"
#include "http/server.h"

using namespace k3s::http;
namespace fs = std::filesystem;

namespace {

// Certificates made with the openssl command: a server CA, a client CA and a stranger CA.
class TlsFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("k3s-http-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    auto d = dir_.string();
    std::string script =
        "set -e; cd " + d + ";"
        "mk_ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $1.key -out $1.crt "
        "-days 2 -subj /CN=$1 2>/dev/null; };"
        "mk_ca server-ca; mk_ca client-ca; mk_ca stranger-ca;"
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth\\n' > srv.ext;"
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout serving.key -out serving.csr "
        "-subj /CN=k3s 2>/dev/null;"
        "openssl x509 -req -in serving.csr -CA server-ca.crt -CAkey server-ca.key -CAcreateserial -days 2 "
        "-extfile srv.ext -out serving.crt 2>/dev/null;"
        "printf 'extendedKeyUsage=clientAuth\\n' > cli.ext;"
        "mk_client() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $1.key -out $1.csr "
        "-subj \"$3\" 2>/dev/null; openssl x509 -req -in $1.csr -CA $2.crt -CAkey $2.key -CAcreateserial -days 2 "
        "-extfile cli.ext -out $1.crt 2>/dev/null; };"
        "mk_client admin client-ca '/O=system:masters/O=team/CN=system:admin';"
        "mk_client stranger stranger-ca '/O=system:masters/CN=intruder'";
    ASSERT_EQ(std::system(("bash -c \"" + escape(script) + "\"").c_str()), 0);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '"' || c == '\\' || c == '$') out.push_back('\\');
      out.push_back(c);
    }
    return out;
  }
  static std::string file(const std::string& name) { return (dir_ / name).string(); }

  ServerOptions tls_options() {
    ServerOptions o;
    o.bind_address = "127.0.0.1";
    o.cert_file = file("serving.crt");
    o.key_file = file("serving.key");
    o.client_ca_file = file("client-ca.crt");
    return o;
  }

  static Response echo_peer(Request& req) {
    Response r;
    r.body = std::string(req.peer.verified ? "verified" : "anonymous") + ":" + req.peer.common_name;
    for (auto& o : req.peer.organizations) r.body += "," + o;
    return r;
  }

  static inline fs::path dir_;
};

}  // namespace

TEST_F(TlsFixture, VerifiedClientCertificateExposesCommonNameAndOrganizations) {
  Server server(tls_options(), echo_peer);
  ClientOptions co;
  co.ca_file = file("server-ca.crt");
  co.cert_file = file("admin.crt");
  co.key_file = file("admin.key");
  Client client("https://127.0.0.1:" + std::to_string(server.port()), co);
  auto res = client.request("GET", "/");
  EXPECT_EQ(res.body, "verified:system:admin,system:masters,team");
}

TEST_F(TlsFixture, NoClientCertificateIsAnonymousButServed) {
  Server server(tls_options(), echo_peer);
  ClientOptions co;
  co.ca_file = file("server-ca.crt");
  Client client("https://localhost:" + std::to_string(server.port()), co);
  EXPECT_EQ(client.request("GET", "/").body, "anonymous:");
}

TEST_F(TlsFixture, CertificateFromAnotherCaIsNotTrusted) {
  Server server(tls_options(), echo_peer);
  ClientOptions co;
  co.ca_file = file("server-ca.crt");
  co.cert_file = file("stranger.crt");
  co.key_file = file("stranger.key");
  Client client("https://127.0.0.1:" + std::to_string(server.port()), co);
  auto res = client.request("GET", "/");
  EXPECT_EQ(res.body.rfind("anonymous", 0), 0u) << res.body;
}

TEST_F(TlsFixture, ClientRejectsServerSignedByUnknownCa) {
  Server server(tls_options(), echo_peer);
  ClientOptions co;
  co.ca_file = file("stranger-ca.crt");
  Client client("https://127.0.0.1:" + std::to_string(server.port()), co);
  EXPECT_THROW(client.request("GET", "/"), ClientError);
}

TEST_F(TlsFixture, MissingCertificateFileIsAClearError) {
  auto o = tls_options();
  o.cert_file = file("nope.crt");
  try {
    Server server(o, echo_peer);
    FAIL() << "expected HttpError";
  } catch (const HttpError& e) {
    EXPECT_NE(std::string(e.what()).find("nope.crt"), std::string::npos);
  }
}

namespace {

class RepeatedPieces : public BodyPieces {
 public:
  std::size_t count() const override { return 5000; }
  std::string_view piece(std::size_t index) const override { return kinds_[index % kinds_.size()]; }

 private:
  std::vector<std::string> kinds_ = {"{\"a\":1}", ",", std::string(1500, 'x'), "", std::string(70000, 'y')};
};

}  // namespace

TEST_F(TlsFixture, BodyPiecesArriveWholeOverTls) {
  auto pieces = std::make_shared<RepeatedPieces>();
  Server server(tls_options(), [&](Request&) {
    Response r;
    r.body = "[";
    r.pieces = pieces;
    return r;
  });
  std::string expected = "[";
  for (std::size_t i = 0; i < pieces->count(); ++i) expected += pieces->piece(i);
  ClientOptions co;
  co.ca_file = file("server-ca.crt");
  Client client("https://127.0.0.1:" + std::to_string(server.port()), co);
  for (int round = 0; round < 2; ++round) {
    auto res = client.request("GET", "/");
    EXPECT_EQ(res.status, 200);
    EXPECT_TRUE(res.body == expected) << "got " << res.body.size() << " bytes, want " << expected.size();
  }
}
