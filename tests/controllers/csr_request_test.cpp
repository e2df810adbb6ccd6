// Parsing CertificateSigningRequest bodies and kube's per-signer subject/usage rules, with
// requests made by the openssl tool.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "batch/csr_request.h"
#include "util/base64.h"

using namespace k3s::controllers::batch;
using Json = nlohmann::json;

namespace {

class CsrRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/csr-request-test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // base64 of a PEM CSR for `subject` ("/O=system:nodes/CN=system:node:n1") with optional SANs.
  std::string make_csr(const std::string& subject, const std::string& san = "") {
    const std::string key = dir_ + "/key.pem", csr = dir_ + "/csr.pem";
    std::string cmd = "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + key +
                      " -out " + csr + " -subj '" + subject + "'";
    if (!san.empty()) cmd += " -addext 'subjectAltName=" + san + "'";
    cmd += " 2>/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream in(csr);
    std::stringstream text;
    text << in.rdbuf();
    return k3s::util::base64_encode(text.str());
  }

  std::string dir_;
};

}  // namespace

TEST_F(CsrRequestTest, ParsesSubjectAndNames) {
  const auto s = parse_csr_request(make_csr("/O=system:nodes/CN=system:node:worker-1", "DNS:worker-1,IP:10.0.0.5"));
  EXPECT_EQ(s.common_name, "system:node:worker-1");
  EXPECT_EQ(s.organizations, std::vector<std::string>{"system:nodes"});
  EXPECT_EQ(s.dns_names, std::vector<std::string>{"worker-1"});
  EXPECT_EQ(s.ip_addresses.size(), 1u);
}

TEST_F(CsrRequestTest, RejectsWhatIsNotACsr) {
  EXPECT_THROW(parse_csr_request(k3s::util::base64_encode("hello")), std::invalid_argument);
  EXPECT_THROW(parse_csr_request(""), std::invalid_argument);
}

TEST_F(CsrRequestTest, KubeletClientRules) {
  const auto node = parse_csr_request(make_csr("/O=system:nodes/CN=system:node:worker-1"));
  EXPECT_EQ(kubelet_client_problem(node, Json{"digital signature", "client auth"}), "");
  EXPECT_EQ(kubelet_client_problem(node, Json{"digital signature", "key encipherment", "client auth"}), "");
  EXPECT_EQ(kubelet_client_problem(node, Json{"digital signature"}), "usages did not include \"client auth\"");
  EXPECT_EQ(kubelet_client_problem(node, Json{"client auth", "server auth"}), "usage not allowed: \"server auth\"");
  const auto user = parse_csr_request(make_csr("/O=devs/CN=alice"));
  EXPECT_EQ(kubelet_client_problem(user, Json{"client auth"}), "subject organization is not system:nodes");
  EXPECT_EQ(apiserver_client_problem(user, Json{"client auth"}), "");
}

TEST_F(CsrRequestTest, KubeletServingRules) {
  const auto with_names = parse_csr_request(make_csr("/O=system:nodes/CN=system:node:worker-1", "DNS:worker-1"));
  EXPECT_EQ(kubelet_serving_problem(with_names, Json{"digital signature", "server auth"}), "");
  const auto without = parse_csr_request(make_csr("/O=system:nodes/CN=system:node:worker-1"));
  EXPECT_EQ(kubelet_serving_problem(without, Json{"server auth"}), "DNS or IP subjectAltName is required");
}
