# Sends one ClientHello from Python's ssl module (Debian's python3, system OpenSSL) to
# localhost:PORT. VERSION "1.0" ... "1.3" pins minimum_version and maximum_version to it;
# "default" keeps create_default_context() as it is. For 1.0 and 1.1 the cipher string becomes
# 'DEFAULT:@SECLEVEL=0', since Python's own string drops every suite TLS 1.0 could use.
#   python3 hello_capture.py VERSION PORT
import socket
import ssl
import sys

VERSIONS = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
            "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
if sys.argv[1] != "default":
    context.minimum_version = context.maximum_version = VERSIONS[sys.argv[1]]
if sys.argv[1] in ("1.0", "1.1"):
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
with socket.create_connection(("localhost", int(sys.argv[2]))) as raw:
    try:
        context.wrap_socket(raw, server_hostname="localhost")
    except ssl.SSLError:
        pass  # the capture server refuses every hello
