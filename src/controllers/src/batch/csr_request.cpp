#include "batch/csr_request.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>
#include <set>
#include <stdexcept>

#include "util/base64.h"

namespace k3s::controllers::batch {

namespace {

std::string entry_text(X509_NAME* name, int index) {
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index)));
  if (length < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return out;
}

std::set<std::string> usage_set(const nlohmann::json& usages) {
  std::set<std::string> out;
  if (usages.is_array())
    for (const auto& u : usages)
      if (u.is_string()) out.insert(u.get<std::string>());
  return out;
}

std::string node_subject_problem(const CsrSubject& subject) {
  if (subject.organizations != std::vector<std::string>{"system:nodes"})
    return "subject organization is not system:nodes";
  if (!subject.common_name.starts_with("system:node:") || subject.common_name.size() == 12)
    return "subject common name does not begin with system:node:";
  return "";
}

std::string usages_problem(const nlohmann::json& usages, const std::set<std::string>& allowed,
                           const std::string& required) {
  const auto set = usage_set(usages);
  if (!set.count(required)) return "usages did not include \"" + required + "\"";
  for (const auto& u : set)
    if (!allowed.count(u)) return "usage not allowed: \"" + u + "\"";
  return "";
}

}  // namespace

CsrSubject parse_csr_request(const std::string& base64_pem) {
  std::string pem;
  try {
    pem = util::base64_decode(base64_pem);
  } catch (const std::exception&) {
    pem = base64_pem;  // a client may send the PEM text itself
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> req(
      bio ? PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr) : nullptr, X509_REQ_free);
  if (!req) throw std::invalid_argument("PEM block type must be CERTIFICATE REQUEST");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(X509_REQ_get_pubkey(req.get()), EVP_PKEY_free);
  if (!key || X509_REQ_verify(req.get(), key.get()) != 1)
    throw std::invalid_argument("x509: ECDSA verification failure");
  CsrSubject out;
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  const int cn = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (cn >= 0) out.common_name = entry_text(name, cn);
  for (int i = X509_NAME_get_index_by_NID(name, NID_organizationName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, NID_organizationName, i))
    out.organizations.push_back(entry_text(name, i));
  STACK_OF(X509_EXTENSION)* extensions = X509_REQ_get_extensions(req.get());
  if (extensions) {
    auto* names = static_cast<GENERAL_NAMES*>(X509V3_get_d2i(extensions, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
      if (n->type == GEN_DNS)
        out.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                                   static_cast<std::size_t>(ASN1_STRING_length(n->d.dNSName)));
      if (n->type == GEN_IPADD) out.ip_addresses.emplace_back("ip");
    }
    if (names) GENERAL_NAMES_free(names);
    sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  }
  return out;
}

std::string kubelet_client_problem(const CsrSubject& subject, const nlohmann::json& usages) {
  if (auto p = node_subject_problem(subject); !p.empty()) return p;
  if (!subject.dns_names.empty() || !subject.ip_addresses.empty()) return "subject alternative names are not allowed";
  return usages_problem(usages, {"digital signature", "key encipherment", "client auth"}, "client auth");
}

std::string kubelet_serving_problem(const CsrSubject& subject, const nlohmann::json& usages) {
  if (auto p = node_subject_problem(subject); !p.empty()) return p;
  if (subject.dns_names.empty() && subject.ip_addresses.empty()) return "DNS or IP subjectAltName is required";
  return usages_problem(usages, {"digital signature", "key encipherment", "server auth"}, "server auth");
}

std::string apiserver_client_problem(const CsrSubject& subject, const nlohmann::json& usages) {
  if (subject.common_name.empty()) return "subject common name is required";
  return usages_problem(usages, {"digital signature", "key encipherment", "client auth"}, "client auth");
}

}  // namespace k3s::controllers::batch
