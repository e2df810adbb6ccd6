#include "x509_build.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace k3s::pki::detail {
namespace {

// Backdated so a peer whose clock is slightly behind still accepts a certificate just issued.
constexpr long kClockSkewSeconds = 5 * 60;
constexpr int kMaxValidDays = 100 * 365;

void check_request(const CertRequest& request) {
  if (request.common_name.empty()) throw PkiError("certificate request has no common name");
  if (request.valid_days <= 0 || request.valid_days > kMaxValidDays)
    throw PkiError("certificate request for '" + request.common_name + "' has invalid validity of " +
                   std::to_string(request.valid_days) + " days");
}

bool is_valid_dns_san(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '*' || c == '_';
  });
}

void set_random_serial(X509* cert) {
  // 127 random bits: unique in practice and always a positive INTEGER, as RFC 5280 requires.
  BignumPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1)
    throw_openssl("cannot generate certificate serial");
  if (!BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert))) throw_openssl("cannot set certificate serial");
}

void set_subject(X509* cert, const CertRequest& request) {
  X509_NAME* name = X509_get_subject_name(cert);
  for (const std::string& org : request.organizations) {
    if (org.empty()) continue;
    if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(org.c_str()),
                                   -1, -1, 0) != 1)
      throw_openssl("invalid organization '" + org + "'");
  }
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(request.common_name.c_str()), -1, -1, 0) != 1)
    throw_openssl("invalid common name '" + request.common_name + "'");
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    throw_openssl(std::string("cannot add certificate extension ") + OBJ_nid2sn(nid) + "=" + value);
}

void add_general_name(GENERAL_NAMES* names, int type, ASN1_STRING* value) {
  GENERAL_NAME* gen = GENERAL_NAME_new();
  if (!gen) {
    ASN1_STRING_free(value);
    throw_openssl("cannot allocate subject alternative name");
  }
  GENERAL_NAME_set0_value(gen, type, value);
  if (sk_GENERAL_NAME_push(names, gen) == 0) {
    GENERAL_NAME_free(gen);
    throw_openssl("cannot add subject alternative name");
  }
}

void add_subject_alt_names(X509* cert, const CertRequest& request) {
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) throw_openssl("cannot allocate subject alternative names");
  std::set<std::string> seen;
  for (const std::string& dns : request.dns_sans) {
    if (!is_valid_dns_san(dns))
      throw PkiError("invalid DNS name '" + dns + "' for certificate '" + request.common_name + "'");
    std::string lower = dns;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!seen.insert("DNS:" + lower).second) continue;
    ASN1_IA5STRING* value = ASN1_IA5STRING_new();
    if (!value || ASN1_STRING_set(value, lower.data(), static_cast<int>(lower.size())) != 1) {
      ASN1_IA5STRING_free(value);
      throw_openssl("cannot encode DNS name '" + dns + "'");
    }
    add_general_name(names.get(), GEN_DNS, value);
  }
  for (const std::string& ip : request.ip_sans) {
    std::string canonical = canonical_ip(ip);
    if (canonical.empty())
      throw PkiError("invalid IP address '" + ip + "' for certificate '" + request.common_name + "'");
    if (!seen.insert("IP:" + canonical).second) continue;
    ASN1_OCTET_STRING* value = a2i_IPADDRESS(canonical.c_str());
    if (!value) throw_openssl("cannot encode IP address '" + ip + "'");
    add_general_name(names.get(), GEN_IPADD, value);
  }
  if (sk_GENERAL_NAME_num(names.get()) == 0) return;
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1)
    throw_openssl("cannot add subject alternative names");
}

}  // namespace

std::string canonical_ip(const std::string& text) {
  unsigned char buf[sizeof(in6_addr)];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) return inet_ntop(AF_INET, buf, out, sizeof out);
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) return inet_ntop(AF_INET6, buf, out, sizeof out);
  return {};
}

X509Ptr build_cert(const CertRequest& request, CertKind kind, EVP_PKEY* subject_key, X509* issuer,
                   EVP_PKEY* signing_key) {
  check_request(request);
  ERR_clear_error();
  X509Ptr cert(X509_new());
  if (!cert) throw_openssl("cannot allocate certificate");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) throw_openssl("cannot set certificate version");
  set_random_serial(cert.get());
  set_subject(cert.get(), request);
  X509_NAME* issuer_name = issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(cert.get());
  if (X509_set_issuer_name(cert.get(), issuer_name) != 1) throw_openssl("cannot set certificate issuer");
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kClockSkewSeconds) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), request.valid_seconds > 0 ? 0 : request.valid_days,
                        request.valid_seconds > 0 ? request.valid_seconds : 0, nullptr))
    throw_openssl("cannot set certificate validity");
  if (X509_set_pubkey(cert.get(), subject_key) != 1) throw_openssl("cannot set certificate public key");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  if (kind == CertKind::kAuthority) {
    add_extension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment,keyCertSign");
  } else {
    add_extension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  }
  if (request.server_auth || request.client_auth) {
    std::string eku;
    if (request.server_auth) eku = "serverAuth";
    if (request.client_auth) eku += eku.empty() ? "clientAuth" : ",clientAuth";
    add_extension(cert.get(), &ctx, NID_ext_key_usage, eku.c_str());
  }
  add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_extension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  add_subject_alt_names(cert.get(), request);

  if (X509_sign(cert.get(), signing_key, EVP_sha256()) == 0)
    throw_openssl("cannot sign certificate '" + request.common_name + "'");
  return cert;
}

}  // namespace k3s::pki::detail
