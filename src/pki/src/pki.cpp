// Certificate authorities and the certificates they issue, kept as PEM files.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <set>

#include "openssl_handles.h"
#include "pki/pki.h"
#include "x509_build.h"
#include "x509_inspect.h"

namespace k3s::pki {
namespace {

using detail::PkeyPtr;
using detail::X509Ptr;

constexpr int kCaValidDays = 3650;
// A certificate closer than this to expiry is renewed at start, as k3s does.
constexpr auto kRenewBefore = std::chrono::hours(24 * 90);

bool file_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

struct LoadedAuthority {
  X509Ptr cert;
  PkeyPtr key;
};

LoadedAuthority load_authority(const CertificateAuthority& ca) {
  LoadedAuthority loaded;
  loaded.cert = detail::parse_cert_pem(read_file(ca.cert_file), ca.cert_file);
  loaded.key = detail::parse_key_pem(read_file(ca.key_file), ca.key_file);
  if (X509_check_private_key(loaded.cert.get(), loaded.key.get()) != 1) {
    ERR_clear_error();
    throw PkiError(ca.key_file + ": private key does not match certificate " + ca.cert_file);
  }
  if (!detail::describe_cert(loaded.cert.get()).is_ca)
    throw PkiError(ca.cert_file + ": is not a CA certificate (basicConstraints CA:TRUE missing)");
  return loaded;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Whether an existing certificate already is what `request` asks for, from `ca`, for long enough.
bool still_fits(X509* cert, EVP_PKEY* key, const LoadedAuthority& ca, const CertRequest& request) {
  if (X509_check_private_key(cert, key) != 1) return false;
  if (X509_check_issued(ca.cert.get(), cert) != X509_V_OK) return false;
  PkeyPtr ca_public(X509_get_pubkey(ca.cert.get()));
  if (!ca_public || X509_verify(cert, ca_public.get()) != 1) return false;

  CertInfo info = detail::describe_cert(cert);
  const auto now = std::chrono::system_clock::now();
  if (info.not_after - now < kRenewBefore || info.not_before > now) return false;
  if (info.subject.common_name != request.common_name) return false;
  std::set<std::string> have_orgs(info.subject.organizations.begin(), info.subject.organizations.end());
  std::set<std::string> want_orgs;
  for (const auto& org : request.organizations)
    if (!org.empty()) want_orgs.insert(org);
  if (have_orgs != want_orgs) return false;
  if ((request.server_auth && !info.server_auth) || (request.client_auth && !info.client_auth)) return false;

  std::set<std::string> have_dns, have_ips(info.ip_sans.begin(), info.ip_sans.end());
  for (const auto& dns : info.dns_sans) have_dns.insert(lower(dns));
  for (const auto& dns : request.dns_sans)
    if (!have_dns.count(lower(dns))) return false;
  for (const auto& ip : request.ip_sans) {
    std::string canonical = detail::canonical_ip(ip);
    if (canonical.empty() || !have_ips.count(canonical)) return false;
  }
  return true;
}

// Loads an existing leaf key when it is usable, so a renewal keeps the key pinned elsewhere.
PkeyPtr reusable_key(const std::string& key_file) {
  if (!file_exists(key_file)) return nullptr;
  try {
    return detail::parse_key_pem(read_file(key_file), key_file);
  } catch (const PkiError&) {
    return nullptr;
  }
}

void add_unique(std::vector<std::string>& list, const std::string& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

}  // namespace

CertificateAuthority ensure_ca(const std::string& cert_file, const std::string& key_file,
                               const std::string& common_name) {
  CertificateAuthority ca{cert_file, key_file};
  const bool have_cert = file_exists(cert_file), have_key = file_exists(key_file);
  if (have_cert && have_key) {
    load_authority(ca);  // throws with the reason when the pair is unusable
    return ca;
  }
  // Replacing half of a CA would silently invalidate every certificate it issued; make the
  // operator decide instead.
  if (have_cert != have_key)
    throw PkiError((have_cert ? key_file : cert_file) + ": missing while " + (have_cert ? cert_file : key_file) +
                   " exists; restore it, or remove both to create a new CA");

  CertRequest request;
  request.common_name = common_name + "@" + std::to_string(std::time(nullptr));
  request.valid_days = kCaValidDays;
  PkeyPtr key = detail::generate_ec_p256_key();
  X509Ptr cert = detail::build_cert(request, detail::CertKind::kAuthority, key.get(), nullptr, key.get());
  write_file_atomic(key_file, detail::key_to_pem(key.get()), 0600);
  write_file_atomic(cert_file, detail::cert_to_pem(cert.get()), 0644);
  return ca;
}

void ensure_cert(const CertificateAuthority& ca, const CertRequest& request, const std::string& cert_file,
                 const std::string& key_file) {
  LoadedAuthority authority = load_authority(ca);
  PkeyPtr key = reusable_key(key_file);
  if (key && file_exists(cert_file)) {
    try {
      X509Ptr existing = detail::parse_cert_pem(read_file(cert_file), cert_file);
      if (still_fits(existing.get(), key.get(), authority, request)) return;
    } catch (const PkiError&) {
      // An unreadable leaf certificate is simply issued again.
    }
  }
  const bool new_key = !key;
  if (new_key) key = detail::generate_ec_p256_key();
  X509Ptr cert = detail::build_cert(request, detail::CertKind::kLeaf, key.get(), authority.cert.get(),
                                    authority.key.get());
  if (new_key) write_file_atomic(key_file, detail::key_to_pem(key.get()), 0600);
  write_file_atomic(cert_file, detail::cert_to_pem(cert.get()), 0644);
}

IssuedCert issue_cert(const CertificateAuthority& ca, const CertRequest& request) {
  LoadedAuthority authority = load_authority(ca);
  PkeyPtr key = detail::generate_ec_p256_key();
  X509Ptr cert = detail::build_cert(request, detail::CertKind::kLeaf, key.get(), authority.cert.get(),
                                    authority.key.get());
  return {detail::cert_to_pem(cert.get()), detail::key_to_pem(key.get())};
}

std::string sign_csr(const CertificateAuthority& ca, const std::string& csr_pem, const CertRequest& request) {
  ERR_clear_error();
  detail::BioPtr bio(BIO_new_mem_buf(csr_pem.data(), static_cast<int>(csr_pem.size())));
  if (!bio) detail::throw_openssl("cannot allocate memory BIO");
  detail::X509ReqPtr csr(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!csr) detail::throw_openssl("certificate signing request: not a PEM CSR");
  PkeyPtr public_key(X509_REQ_get_pubkey(csr.get()));
  if (!public_key) detail::throw_openssl("certificate signing request: no public key");
  if (X509_REQ_verify(csr.get(), public_key.get()) != 1)
    detail::throw_openssl("certificate signing request: signature does not verify");

  // Whatever the caller leaves empty is taken from the CSR itself.
  CertRequest effective = request;
  X509_NAME* subject = X509_REQ_get_subject_name(csr.get());
  if (effective.common_name.empty()) {
    int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (index >= 0) {
      unsigned char* utf8 = nullptr;
      int length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index)));
      if (length >= 0) {
        effective.common_name.assign(reinterpret_cast<char*>(utf8), static_cast<size_t>(length));
        OPENSSL_free(utf8);
      }
    }
    if (effective.organizations.empty()) {
      for (int i = X509_NAME_get_index_by_NID(subject, NID_organizationName, -1); i >= 0;
           i = X509_NAME_get_index_by_NID(subject, NID_organizationName, i)) {
        unsigned char* utf8 = nullptr;
        int length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)));
        if (length < 0) continue;
        effective.organizations.emplace_back(reinterpret_cast<char*>(utf8), static_cast<size_t>(length));
        OPENSSL_free(utf8);
      }
    }
  }
  if (effective.dns_sans.empty() && effective.ip_sans.empty()) {
    STACK_OF(X509_EXTENSION)* extensions = X509_REQ_get_extensions(csr.get());
    GENERAL_NAMES* names =
        extensions ? static_cast<GENERAL_NAMES*>(X509V3_get_d2i(extensions, NID_subject_alt_name, nullptr, nullptr))
                   : nullptr;
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
      if (name->type == GEN_DNS) {
        const ASN1_STRING* dns = name->d.dNSName;
        add_unique(effective.dns_sans, std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                                   static_cast<size_t>(ASN1_STRING_length(dns))));
      } else if (name->type == GEN_IPADD) {
        const ASN1_OCTET_STRING* ip = name->d.iPAddress;
        char out[64];
        int length = ASN1_STRING_length(ip);
        int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : 0;
        if (family && inet_ntop(family, ASN1_STRING_get0_data(ip), out, sizeof out))
          add_unique(effective.ip_sans, out);
      }
    }
    GENERAL_NAMES_free(names);
    sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  }
  if (effective.common_name.empty()) throw PkiError("certificate signing request: no common name");

  LoadedAuthority authority = load_authority(ca);
  X509Ptr cert = detail::build_cert(effective, detail::CertKind::kLeaf, public_key.get(), authority.cert.get(),
                                    authority.key.get());
  return detail::cert_to_pem(cert.get());
}

}  // namespace k3s::pki
