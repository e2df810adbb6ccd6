// Reading certificates back: subject, SANs, validity, usages, and chain verification.
#include <arpa/inet.h>

#include <ctime>

#include "openssl_handles.h"
#include "x509_inspect.h"

namespace k3s::pki {
namespace detail {
namespace {

std::string asn1_string_text(const ASN1_STRING* value) {
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) return {};
  std::string text(reinterpret_cast<char*>(utf8), static_cast<size_t>(length));
  OPENSSL_free(utf8);
  return text;
}

std::vector<std::string> name_entries(const X509_NAME* name, int nid) {
  std::vector<std::string> values;
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0; i = X509_NAME_get_index_by_NID(name, nid, i))
    values.push_back(asn1_string_text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i))));
  return values;
}

std::chrono::system_clock::time_point to_time_point(const ASN1_TIME* time) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(time, &tm) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
  char out[INET6_ADDRSTRLEN];
  const unsigned char* bytes = ASN1_STRING_get0_data(ip);
  int length = ASN1_STRING_length(ip);
  if (length == 4) return inet_ntop(AF_INET, bytes, out, sizeof out);
  if (length == 16) return inet_ntop(AF_INET6, bytes, out, sizeof out);
  return {};
}

}  // namespace

CertInfo describe_cert(X509* cert) {
  CertInfo info;
  const X509_NAME* subject = X509_get_subject_name(cert);
  std::vector<std::string> cns = name_entries(subject, NID_commonName);
  if (!cns.empty()) info.subject.common_name = cns.back();
  info.subject.organizations = name_entries(subject, NID_organizationName);
  std::vector<std::string> issuer_cns = name_entries(X509_get_issuer_name(cert), NID_commonName);
  if (!issuer_cns.empty()) info.issuer_common_name = issuer_cns.back();
  info.not_before = to_time_point(X509_get0_notBefore(cert));
  info.not_after = to_time_point(X509_get0_notAfter(cert));

  // X509_get_extension_flags caches the parsed extensions; CA and usage bits come from there.
  uint32_t flags = X509_get_extension_flags(cert);
  info.is_ca = (flags & EXFLAG_CA) != 0;
  if (flags & EXFLAG_XKUSAGE) {
    uint32_t xku = X509_get_extended_key_usage(cert);
    info.server_auth = (xku & XKU_SSL_SERVER) != 0;
    info.client_auth = (xku & XKU_SSL_CLIENT) != 0;
  }

  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) info.dns_sans.push_back(asn1_string_text(name->d.dNSName));
    if (name->type == GEN_IPADD) {
      std::string ip = ip_text(name->d.iPAddress);
      if (!ip.empty()) info.ip_sans.push_back(ip);
    }
  }

  BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (serial) {
    char* hex = BN_bn2hex(serial.get());
    if (hex) {
      info.serial_hex = hex;
      OPENSSL_free(hex);
    }
  }
  return info;
}

bool verify_chain(const std::vector<X509Ptr>& authorities, X509* cert, std::string* error) {
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx) throw_openssl("cannot allocate certificate store");
  for (const X509Ptr& ca : authorities)
    if (X509_STORE_add_cert(store.get(), ca.get()) != 1) throw_openssl("cannot add CA certificate to store");
  if (X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr) != 1) throw_openssl("cannot start verification");
  ERR_clear_error();
  if (X509_verify_cert(ctx.get()) == 1) return true;
  if (error) *error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  ERR_clear_error();
  return false;
}

std::vector<X509Ptr> parse_cert_bundle(const std::string& pem, const std::string& origin) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw_openssl("cannot allocate memory BIO");
  std::vector<X509Ptr> certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(cert);
  // Reading past the last certificate leaves a "no start line" error that means "done".
  ERR_clear_error();
  if (certs.empty()) throw PkiError(origin + ": no PEM certificate found");
  return certs;
}

}  // namespace detail

CertInfo describe_cert_pem(const std::string& cert_pem) {
  detail::X509Ptr cert = detail::parse_cert_pem(cert_pem, "certificate");
  return detail::describe_cert(cert.get());
}

bool verify_cert_pem(const std::string& ca_pem, const std::string& cert_pem, std::string* error) {
  std::vector<detail::X509Ptr> authorities = detail::parse_cert_bundle(ca_pem, "CA bundle");
  detail::X509Ptr cert = detail::parse_cert_pem(cert_pem, "certificate");
  return detail::verify_chain(authorities, cert.get(), error);
}

}  // namespace k3s::pki
