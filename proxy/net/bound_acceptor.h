#pragma once
// The one way tlsfloor opens a listening socket: the proxy's listeners and the admin port.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <string>

namespace tlsfloor::net {

/// An acceptor on `endpoint`: opened, SO_REUSEADDR, bound, listening with the system's largest
/// backlog, non-blocking. `reuse_port` adds SO_REUSEPORT, so that several acceptors (one per
/// worker) share the address and the kernel spreads connections across them. Throws
/// std::system_error "<owner>: cannot <step> <address>" naming the step that failed (`address`
/// as the configuration wrote it).
boost::asio::ip::tcp::acceptor bind_acceptor(boost::asio::io_context& context,
                                             const boost::asio::ip::tcp::endpoint& endpoint,
                                             bool reuse_port, const std::string& owner,
                                             const std::string& address);

/// Throws std::system_error "<owner>: <address> is already in use ..." when another socket (of
/// another process: this one must not hold it either) is bound to `endpoint`. Listeners bind
/// with SO_REUSEPORT, which would otherwise let a second tlsfloor started on the same address
/// silently take a share of the clients. Port 0 is never in use.
void ensure_address_free(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& owner,
                         const std::string& address);

}  // namespace tlsfloor::net
