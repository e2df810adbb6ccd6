// Reading the verified client certificate's subject out of an OpenSSL session.
#pragma once

#include <openssl/ssl.h>

#include "http/message.h"

namespace k3s::http::detail {

PeerCertificate verified_peer(SSL* ssl);

}  // namespace k3s::http::detail
