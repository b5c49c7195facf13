#!/usr/bin/env python3
"""Captures the ClientHellos of the TLS clients installable on Debian 12, at every version each
can be made to offer, into tests/families/captures/<client>.txt.

Each client is run against capture_server.py on 127.0.0.1 (host name "localhost", so clients
that send SNI do) with the command line recorded next to its hello. Versions below TLS 1.2 are
switched on the way an operator would for a legacy peer: OpenSSL-based clients lower the
security level (`DEFAULT@SECLEVEL=0`, OpenSSL 3 refuses TLS 1.0/1.1 above level 0), Java drops
TLSv1/TLSv1.1 from jdk.tls.disabledAlgorithms (clients/java-legacy.security), GnuTLS and Go only
need the version range. A client that cannot be made to offer a version is listed in the file's
header with the reason, not silently skipped.

Not run by CI: the captures are committed. Needs openssl, curl, wget, gnutls-bin, python3,
nodejs, golang-go, default-jdk-headless and chromium (Debian packages).

  tests/families/capture_clients.py [CLIENT...]   # all clients when none is named
"""
import datetime
import os
import pathlib
import subprocess
import sys
import tempfile

from capture_server import CaptureServer

HERE = pathlib.Path(__file__).resolve().parent
CAPTURES = HERE / "captures"
TIMEOUT_SECONDS = 60

LEGACY = "DEFAULT@SECLEVEL=0"
JAVA_SECURITY = "clients/java-legacy.security"
URL = "https://localhost:{port}/"


def version_of(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return (result.stdout + result.stderr).strip().splitlines()[0]


# client -> (how its version is asked, [(variant, command template)]). Variants name the
# configuration, not what was seen; the version the hello offers is read from the hello itself.
CLIENTS = {
    "openssl": (["openssl", "version"], [
        ("tls1.0", f"openssl s_client -connect localhost:{{port}} -servername localhost -tls1 -cipher {LEGACY}"),
        ("tls1.1", f"openssl s_client -connect localhost:{{port}} -servername localhost -tls1_1 -cipher {LEGACY}"),
        ("tls1.2", "openssl s_client -connect localhost:{port} -servername localhost -tls1_2"),
        ("tls1.3", "openssl s_client -connect localhost:{port} -servername localhost -tls1_3"),
        ("default", "openssl s_client -connect localhost:{port} -servername localhost"),
    ]),
    "curl": (["curl", "--version"], [
        ("tls1.0", f"curl -sk --tlsv1.0 --tls-max 1.0 --ciphers {LEGACY} {URL}"),
        ("tls1.1", f"curl -sk --tlsv1.1 --tls-max 1.1 --ciphers {LEGACY} {URL}"),
        ("tls1.2", f"curl -sk --tlsv1.2 --tls-max 1.2 {URL}"),
        ("default", f"curl -sk {URL}"),
    ]),
    "wget": (["wget", "--version"], [
        ("tls1.0", f"wget -q --tries=1 --no-check-certificate --secure-protocol=TLSv1 -O /dev/null {URL}"),
        ("tls1.1", f"wget -q --tries=1 --no-check-certificate --secure-protocol=TLSv1_1 -O /dev/null {URL}"),
        ("tls1.2", f"wget -q --tries=1 --no-check-certificate --secure-protocol=TLSv1_2 -O /dev/null {URL}"),
        ("tls1.3", f"wget -q --tries=1 --no-check-certificate --secure-protocol=TLSv1_3 -O /dev/null {URL}"),
        ("default", f"wget -q --tries=1 --no-check-certificate -O /dev/null {URL}"),
    ]),
    "gnutls-cli": (["gnutls-cli", "--version"], [
        ("tls1.0", "gnutls-cli --insecure --priority NORMAL:-VERS-ALL:+VERS-TLS1.0 -p {port} localhost"),
        ("tls1.1", "gnutls-cli --insecure --priority NORMAL:-VERS-ALL:+VERS-TLS1.1 -p {port} localhost"),
        ("tls1.2", "gnutls-cli --insecure --priority NORMAL:-VERS-ALL:+VERS-TLS1.2 -p {port} localhost"),
        ("tls1.3", "gnutls-cli --insecure --priority NORMAL:-VERS-ALL:+VERS-TLS1.3 -p {port} localhost"),
        ("default", "gnutls-cli --insecure -p {port} localhost"),
    ]),
    "python": (["/usr/bin/python3", "-c", "import ssl, sys; print('Python', sys.version.split()[0], ssl.OPENSSL_VERSION)"], [
        (variant, f"/usr/bin/python3 clients/hello_capture.py {variant} {{port}}")
        for variant in ("1.0", "1.1", "1.2", "1.3", "default")
    ]),
    "node": (["node", "-p", "'Node ' + process.version + ' OpenSSL ' + process.versions.openssl"], [
        (variant, f"node clients/hello_capture.js {variant} {{port}}")
        for variant in ("1.0", "1.1", "1.2", "1.3", "default")
    ]),
    "go": (["go", "version"], [
        ("1.0", "go run clients/hello_capture.go -min 1.0 -max 1.0 localhost:{port}"),
        ("1.1", "go run clients/hello_capture.go -min 1.1 -max 1.1 localhost:{port}"),
        ("1.2", "go run clients/hello_capture.go -min 1.2 -max 1.2 localhost:{port}"),
        ("1.3", "go run clients/hello_capture.go -min 1.3 -max 1.3 localhost:{port}"),
        ("default", "go run clients/hello_capture.go localhost:{port}"),
    ]),
    "java": (["java", "-version"], [
        ("TLSv1", f"java -Djava.security.properties={JAVA_SECURITY} -Djdk.tls.client.protocols=TLSv1 clients/HelloCapture.java localhost {{port}}"),
        ("TLSv1.1", f"java -Djava.security.properties={JAVA_SECURITY} -Djdk.tls.client.protocols=TLSv1.1 clients/HelloCapture.java localhost {{port}}"),
        ("TLSv1.2", "java -Djdk.tls.client.protocols=TLSv1.2 clients/HelloCapture.java localhost {port}"),
        ("TLSv1.3", "java -Djdk.tls.client.protocols=TLSv1.3 clients/HelloCapture.java localhost {port}"),
        ("default", "java clients/HelloCapture.java localhost {port}"),
    ]),
    "chromium": (["chromium", "--version"], [
        ("default", "chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                    "--disable-background-networking --disable-component-update --disable-sync "
                    "--user-data-dir={profile} " + URL),
    ]),
}


def capture(command: str) -> tuple[bytes | None, str]:
    """Runs `command` against a fresh capture server; returns the hello and what went wrong."""
    server = CaptureServer()
    with tempfile.TemporaryDirectory() as profile:
        line = command.replace("{port}", str(server.port)).replace("{profile}", profile)
        process = subprocess.Popen(line, shell=True, cwd=HERE, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   start_new_session=True)
        hello = server.wait(TIMEOUT_SECONDS)
        try:
            _, stderr = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            # Browsers keep running after the page failed: end the one this run started.
            os.killpg(process.pid, 15)
            _, stderr = process.communicate()
    server.close()
    problem = "" if hello else (stderr.decode(errors="replace").strip().splitlines() or ["no hello"])[-1]
    return hello, problem


def main() -> int:
    chosen = sys.argv[1:] or list(CLIENTS)
    today = datetime.date.today().isoformat()
    for client in chosen:
        ask, variants = CLIENTS[client]
        version = version_of(ask)
        lines = [
            f"# ClientHellos of {client} ({version}), captured by tests/families/capture_clients.py",
            "# against capture_server.py on 127.0.0.1 (Debian 12). One hello per line, tab-separated:",
            "# id, client version, date, command line ({port} is the capture server's port), and the",
            "# handshake message in hex (type, 24-bit length, body: no record header).",
        ]
        failures = []
        for variant, command in variants:
            hello, problem = capture(command)
            if hello is None:
                failures.append(f"# not captured: {variant}: {command}: {problem}")
                print(f"{client} {variant}: FAILED {problem}", file=sys.stderr)
                continue
            lines.append("\t".join([f"{client}-{variant}", version, today, command, hello.hex()]))
            print(f"{client} {variant}: {len(hello)} bytes", file=sys.stderr)
        (CAPTURES / f"{client}.txt").write_text("\n".join(lines[:4] + failures + lines[4:]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
