// A connection's private-key operations for a key the key server holds: asked of this worker's
// key server connection; the answer arrives on this same thread and resumes the handshake.
#include "proxy/net/connection.h"

namespace tlsfloor::net {

bool Connection::start_decryption(const std::uint8_t* input, std::size_t length) {
  return served_->held_by_keyserver() &&
         ask_key_server(keyserver_protocol::Operation::decrypt, 0, input, length);
}

bool Connection::ask_key_server(keyserver_protocol::Operation operation, std::uint16_t algorithm,
                                const std::uint8_t* input, std::size_t length) {
  keyserver_client::KeyServerClient* key_server = worker_->key_server();
  if (key_server == nullptr) return false;  // no key server section: --check refuses that
  if (!signing_) signing_ = std::make_unique<PendingSignature>(client_.get_executor());
  signing_->signature.reset();
  const keyserver_client::KeyRef key{served_->key_id, served_->subject, served_->key_algorithm};
  // Keeps no reference: a handshake that times out ends at once; its answer is then dropped.
  key_server->submit(key, operation, algorithm, {input, length},
                     [requester = weak_from_this()](keyserver_client::Outcome outcome,
                                                    std::vector<std::uint8_t> output) {
                       const std::shared_ptr<Connection> self = requester.lock();
                       if (!self || !self->signing_) return;  // the handshake already ended
                       // Empty when it failed: the handshake then fails, and every view (log,
                       // metrics, report) says why in the key server's words.
                       if (outcome != keyserver_client::Outcome::made) {
                         self->failure_ =
                             "keyserver:" + std::string(keyserver_client::to_string(outcome));
                       }
                       self->signing_->signature = std::move(output);
                       self->signing_->posted.cancel();
                     });
  return true;
}

}  // namespace tlsfloor::net
