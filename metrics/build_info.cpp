#include "metrics/build_info.h"

#include <openssl/base.h>
#if !defined(OPENSSL_IS_BORINGSSL)
#error "tlsfloor is built against BoringSSL: put /usr/include/android first on the include path"
#endif

namespace tlsfloor::metrics {

const std::string_view kVersion = TLSFLOOR_VERSION;
// BoringSSL has no release numbers; Debian's package version says which snapshot this is.
const std::string_view kTlsLibrary = "BoringSSL (" TLSFLOOR_TLS_LIBRARY_PACKAGE ")";

}  // namespace tlsfloor::metrics
