#pragma once
// BoringSSL's per-thread error queue, read as text.
#include <string>

namespace tlsfloor::tls {

/// The oldest error on this thread's BoringSSL error queue, as text, and clears the queue.
std::string take_ssl_error();

}  // namespace tlsfloor::tls
