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

}  // namespace tlsfloor::net
