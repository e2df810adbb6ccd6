#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "bootstrap.h"
#include "temp_dir.h"

namespace k3s::server {
namespace {

using k3s::testing::file_mode;
using k3s::testing::TempDir;

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    files[entry.path().filename().string()] = pki::read_file(entry.path().string());
  return files;
}

class ServerCertsTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::string tls = dir.file("server/tls");
  cli::ServerConfig config;
};

TEST_F(ServerCertsTest, CreatesEveryFileWithK3sNamesAndPrivateKeys) {
  ServerCerts certs = ensure_server_certs(config, tls);
  EXPECT_EQ(file_mode(tls), 0700u);
  for (const char* stem : {"server-ca", "client-ca", "request-header-ca", "serving-kube-apiserver", "client-admin",
                           "client-supervisor", "client-controller", "client-scheduler", "client-kube-proxy",
                           "client-kube-apiserver", "client-auth-proxy"}) {
    EXPECT_TRUE(std::filesystem::exists(tls + "/" + stem + ".crt")) << stem;
    EXPECT_EQ(file_mode(tls + "/" + stem + ".key"), 0600u) << stem;
  }
  EXPECT_EQ(file_mode(tls + "/service.key"), 0600u);
  EXPECT_EQ(certs.server_ca.cert_file, tls + "/server-ca.crt");
  EXPECT_EQ(certs.admin_key, tls + "/client-admin.key");
  EXPECT_EQ(certs.service_account_key, tls + "/service.key");
}

TEST_F(ServerCertsTest, SubjectsAndIssuersAreWhatComponentsExpect) {
  ServerCerts certs = ensure_server_certs(config, tls);
  struct Expect {
    std::string cert;
    std::string cn;
    std::vector<std::string> orgs;
    const pki::CertificateAuthority* ca;
  };
  const Expect expectations[] = {
      {certs.admin_cert, "system:admin", {"system:masters"}, &certs.client_ca},
      {certs.supervisor_cert, "system:k3s-supervisor", {"system:masters"}, &certs.client_ca},
      {certs.controller_cert, "system:kube-controller-manager", {}, &certs.client_ca},
      {certs.scheduler_cert, "system:kube-scheduler", {}, &certs.client_ca},
      {certs.kube_proxy_cert, "system:kube-proxy", {}, &certs.client_ca},
      {certs.apiserver_client_cert, "system:kube-apiserver", {"system:masters"}, &certs.client_ca},
      {certs.auth_proxy_cert, "system:auth-proxy", {}, &certs.request_header_ca},
  };
  for (const Expect& e : expectations) {
    pki::CertInfo info = pki::describe_cert_pem(pki::read_file(e.cert));
    EXPECT_EQ(info.subject.common_name, e.cn);
    EXPECT_EQ(info.subject.organizations, e.orgs) << e.cn;
    EXPECT_TRUE(info.client_auth) << e.cn;
    std::string error;
    EXPECT_TRUE(pki::verify_cert_pem(pki::read_file(e.ca->cert_file), pki::read_file(e.cert), &error))
        << e.cn << ": " << error;
    EXPECT_FALSE(pki::verify_cert_pem(pki::read_file(certs.server_ca.cert_file), pki::read_file(e.cert))) << e.cn;
  }
  for (const auto* ca : {&certs.server_ca, &certs.client_ca, &certs.request_header_ca})
    EXPECT_TRUE(pki::describe_cert_pem(pki::read_file(ca->cert_file)).is_ca);
  EXPECT_EQ(pki::describe_cert_pem(pki::read_file(certs.server_ca.cert_file)).subject.common_name.rfind("k3s-server-ca@", 0),
            0u);
}

TEST_F(ServerCertsTest, ServingCertCarriesApiServerSans) {
  config.tls_sans = {"192.0.2.44", "k3s.example.test"};
  ServerCerts certs = ensure_server_certs(config, tls);
  pki::CertInfo info = pki::describe_cert_pem(pki::read_file(certs.serving_cert));
  EXPECT_TRUE(info.server_auth);
  for (const char* ip : {"127.0.0.1", "::1", "10.43.0.1", "192.0.2.44"}) EXPECT_TRUE(contains(info.ip_sans, ip)) << ip;
  for (const char* dns : {"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                          "kubernetes.default.svc.cluster.local", "k3s.example.test"})
    EXPECT_TRUE(contains(info.dns_sans, dns)) << dns;
  EXPECT_TRUE(pki::verify_cert_pem(pki::read_file(certs.server_ca.cert_file), pki::read_file(certs.serving_cert)));
}

TEST_F(ServerCertsTest, RestartReusesEverythingAndANewTlsSanOnlyRenewsTheServingCert) {
  ensure_server_certs(config, tls);
  auto before = snapshot(tls);
  ensure_server_certs(config, tls);
  EXPECT_EQ(snapshot(tls), before);

  config.tls_sans = {"new.example.test"};
  ensure_server_certs(config, tls);
  auto after = snapshot(tls);
  ASSERT_EQ(after.size(), before.size());
  for (const auto& [name, content] : before) {
    if (name == "serving-kube-apiserver.crt")
      EXPECT_NE(after[name], content) << name;
    else
      EXPECT_EQ(after[name], content) << name;
  }
}

// Drives both ends of a TLS handshake through a BIO pair: the API server's configuration
// (serving cert, client certs checked against client-ca) against a client that trusts only
// server-ca and checks the name it dialled.
struct Handshake {
  bool ok = false;
  std::string server_saw_cn;
  std::string error;
};

Handshake handshake(const ServerCerts& certs, const std::string& client_cert, const std::string& client_key,
                    const std::string& dialled_host, const std::string& dialled_ip) {
  Handshake result;
  SSL_CTX* server_ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX* client_ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(server_ctx, TLS1_2_VERSION);
  SSL_CTX_use_certificate_chain_file(server_ctx, certs.serving_cert.c_str());
  SSL_CTX_use_PrivateKey_file(server_ctx, certs.serving_key.c_str(), SSL_FILETYPE_PEM);
  SSL_CTX_load_verify_locations(server_ctx, certs.client_ca.cert_file.c_str(), nullptr);
  SSL_CTX_set_verify(server_ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_load_verify_locations(client_ctx, certs.server_ca.cert_file.c_str(), nullptr);
  SSL_CTX_set_verify(client_ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_use_certificate_chain_file(client_ctx, client_cert.c_str());
  SSL_CTX_use_PrivateKey_file(client_ctx, client_key.c_str(), SSL_FILETYPE_PEM);

  SSL* server = SSL_new(server_ctx);
  SSL* client = SSL_new(client_ctx);
  if (!dialled_host.empty()) SSL_set1_host(client, dialled_host.c_str());
  if (!dialled_ip.empty()) X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(client), dialled_ip.c_str());
  BIO *client_bio = nullptr, *server_bio = nullptr;
  BIO_new_bio_pair(&client_bio, 0, &server_bio, 0);
  SSL_set_bio(client, client_bio, client_bio);
  SSL_set_bio(server, server_bio, server_bio);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);

  bool client_done = false, server_done = false, failed = false;
  for (int round = 0; round < 50 && !(client_done && server_done) && !failed; ++round) {
    for (auto [ssl, done] : {std::pair{client, &client_done}, std::pair{server, &server_done}}) {
      if (*done) continue;
      int rc = SSL_do_handshake(ssl);
      if (rc == 1) {
        *done = true;
      } else {
        int err = SSL_get_error(ssl, rc);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
          failed = true;
          char buf[256];
          ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
          result.error = buf;
        }
      }
    }
  }
  result.ok = client_done && server_done && !failed;
  if (X509* peer = SSL_get1_peer_certificate(server)) {
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
    result.server_saw_cn = cn;
    X509_free(peer);
  }
  SSL_free(client);
  SSL_free(server);
  SSL_CTX_free(client_ctx);
  SSL_CTX_free(server_ctx);
  ERR_clear_error();
  return result;
}

TEST_F(ServerCertsTest, MutualTlsWorksForTheAdminAgainstServiceNameAndServiceIp) {
  ServerCerts certs = ensure_server_certs(config, tls);
  Handshake by_name = handshake(certs, certs.admin_cert, certs.admin_key, "kubernetes.default.svc", "");
  EXPECT_TRUE(by_name.ok) << by_name.error;
  EXPECT_EQ(by_name.server_saw_cn, "system:admin");
  Handshake by_ip = handshake(certs, certs.admin_cert, certs.admin_key, "", "10.43.0.1");
  EXPECT_TRUE(by_ip.ok) << by_ip.error;
}

TEST_F(ServerCertsTest, HandshakeFailsForUnknownNameOrForeignClientCert) {
  ServerCerts certs = ensure_server_certs(config, tls);
  EXPECT_FALSE(handshake(certs, certs.admin_cert, certs.admin_key, "not-the-server.example", "").ok);
  // The auth-proxy identity comes from the request-header CA, which the API port does not trust.
  EXPECT_FALSE(handshake(certs, certs.auth_proxy_cert, certs.auth_proxy_key, "localhost", "").ok);
}

TEST_F(ServerCertsTest, InvalidTlsSanIsAClearError) {
  config.tls_sans = {"bad name!"};
  try {
    ensure_server_certs(config, tls);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("bad name!"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace k3s::server
