#pragma once
// The one way into BoringSSL: Debian's android-libboringssl-dev, whose headers CMake puts first
// so a system OpenSSL can never be picked up by accident.
#include <openssl/base.h>
#if !defined(OPENSSL_IS_BORINGSSL)
#error "tlsfloor is built against BoringSSL: put /usr/include/android first on the include path"
#endif
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
