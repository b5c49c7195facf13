#!/usr/bin/env python3
"""A TCP server that records the first TLS ClientHello a client sends, then refuses it.

It accepts connections on 127.0.0.1, reads TLS handshake records until the first handshake
message (the ClientHello) is complete, keeps that message (handshake header included: type 1,
a 24-bit length, the body), and answers with a fatal handshake_failure alert so the client
stops at once instead of waiting for a ServerHello. Only the first complete hello is kept;
later connections (browsers preconnect, some clients retry) are refused the same way.

Used by capture_clients.py; stdlib only, so the captures can be remade on any Debian machine.

  tests/families/capture_server.py [SECONDS]  # prints the port, then the first hello's hex
"""
import socket
import sys
import threading

# A TLS 1.0 record holding a fatal (2) handshake_failure (40) alert: every client version
# understands it, and none retries at a lower version after it (no fallback dance).
HANDSHAKE_FAILURE = bytes([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28])
RECORD_HANDSHAKE = 0x16
HANDSHAKE_CLIENT_HELLO = 1


def read_exact(connection: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            raise EOFError("peer closed before the hello was complete")
        data += chunk
    return data


def read_client_hello(connection: socket.socket) -> bytes:
    """Returns the first handshake message, reassembled across records, with its 4-byte header."""
    message = b""
    while len(message) < 4 or len(message) < 4 + int.from_bytes(message[1:4], "big"):
        header = read_exact(connection, 5)
        if header[0] != RECORD_HANDSHAKE:
            raise ValueError(f"record type {header[0]} before the hello (SSLv2 hello?)")
        message += read_exact(connection, int.from_bytes(header[3:5], "big"))
    if message[0] != HANDSHAKE_CLIENT_HELLO:
        raise ValueError(f"handshake type {message[0]} is not a ClientHello")
    return message[: 4 + int.from_bytes(message[1:4], "big")]


class CaptureServer:
    """Listens on an ephemeral port; `hello` is set (bytes) once the first hello has arrived."""

    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.hello: bytes | None = None
        self.errors: list[str] = []
        self.arrived = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except socket.timeout:
                continue
            with connection:
                connection.settimeout(10)
                try:
                    hello = read_client_hello(connection)
                    if self.hello is None:
                        self.hello = hello
                        self.arrived.set()
                    connection.sendall(HANDSHAKE_FAILURE)
                except (OSError, EOFError, ValueError) as error:
                    self.errors.append(str(error))

    def wait(self, seconds: float) -> bytes | None:
        self.arrived.wait(seconds)
        return self.hello

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.listener.close()


def main() -> int:
    server = CaptureServer()
    print(f"listening on 127.0.0.1:{server.port}", file=sys.stderr)
    hello = server.wait(float(sys.argv[1]) if len(sys.argv) > 1 else 60)
    server.close()
    if hello is None:
        print("no hello arrived", file=sys.stderr)
        return 1
    print(hello.hex())
    return 0


if __name__ == "__main__":
    sys.exit(main())
