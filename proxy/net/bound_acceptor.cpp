#include "proxy/net/bound_acceptor.h"

#include <sys/socket.h>

#include <system_error>

namespace tlsfloor::net {
namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
}  // namespace

tcp::acceptor bind_acceptor(asio::io_context& context, const tcp::endpoint& endpoint,
                            bool reuse_port, const std::string& owner, const std::string& address) {
  tcp::acceptor acceptor(context);
  const auto check = [&](const error_code& ec, const char* step) {
    if (ec) throw std::system_error(ec, owner + ": cannot " + step + " " + address);
  };
  error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  check(ec, "open a socket for");
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  check(ec, "set SO_REUSEADDR on");
  if (reuse_port) {
    acceptor.set_option(ReusePort(true), ec);
    check(ec, "set SO_REUSEPORT on");
  }
  acceptor.bind(endpoint, ec);
  check(ec, "bind to");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  check(ec, "listen on");
  acceptor.non_blocking(true, ec);
  check(ec, "make non-blocking");
  return acceptor;
}

void ensure_address_free(const tcp::endpoint& endpoint, const std::string& owner,
                         const std::string& address) {
  if (endpoint.port() == 0) return;
  // A probe without SO_REUSEPORT: its bind fails while any socket holds the address, whatever
  // options that one has. SO_REUSEADDR only lets it past connections in TIME_WAIT.
  asio::io_context context;
  tcp::acceptor probe(context);
  error_code ec;
  probe.open(endpoint.protocol(), ec);
  if (!ec) probe.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) probe.bind(endpoint, ec);
  if (ec == asio::error::address_in_use) {
    throw std::system_error(
        ec, owner + ": " + address +
                " is already in use by another process (another tlsfloor?); to hand the "
                "address over to a new process deliberately, start it with --share-ports");
  }
  // Any other failure (permissions, no such address) is for the real bind to report.
}

}  // namespace tlsfloor::net
