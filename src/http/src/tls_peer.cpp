#include "tls_peer.h"

#include <openssl/x509.h>

#include <memory>

namespace k3s::http::detail {

static std::string entry_text(X509_NAME_ENTRY* entry) {
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

PeerCertificate verified_peer(SSL* ssl) {
  PeerCertificate peer;
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), X509_free);
  // The verify callback accepts every certificate so that a bad one yields an anonymous
  // (401) request instead of a failed handshake; the real verdict is read here.
  if (!cert || SSL_get_verify_result(ssl) != X509_V_OK) return peer;
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (!subject) return peer;
  peer.verified = true;
  for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
    X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, i);
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    if (nid == NID_commonName && peer.common_name.empty()) peer.common_name = entry_text(entry);
    if (nid == NID_organizationName) peer.organizations.push_back(entry_text(entry));
  }
  return peer;
}

}  // namespace k3s::http::detail
