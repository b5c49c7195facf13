#!/usr/bin/env python3
"""Opens N TLS connections to 127.0.0.1:PORT, completes each handshake, prints 'ready N' and
holds them until standard input closes: the idle connections whose memory the bench measures."""
import socket
import ssl
import sys

port, count = int(sys.argv[1]), int(sys.argv[2])
context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
held = []
for _ in range(count):
    raw = socket.create_connection(("127.0.0.1", port))
    held.append(context.wrap_socket(raw, server_hostname="localhost"))
print("ready", len(held), flush=True)
sys.stdin.read()
