#pragma once
// The process's descriptor limit. Every client costs one descriptor and every proxied one two,
// so the default soft limit of many systems (1024) would cap a proxy at a few hundred clients
// although the hard limit allows far more.

namespace tlsfloor::server {

/// Raises RLIMIT_NOFILE's soft limit to the hard limit (as Go's runtime and HAProxy do) and
/// returns the soft limit now in force.
unsigned long raise_descriptor_limit();

}  // namespace tlsfloor::server
