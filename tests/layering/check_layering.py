#!/usr/bin/env python3
"""Checks that every folder includes only what its place in the architecture allows.

CMake already refuses to link a library against one it does not list; this closes the gap
left by header-only code (Asio, Beast, BoringSSL's headers, our own headers), which any file
could include without linking anything. The table below is the architecture: a folder may
include its own headers and those of the folders listed for it, and nothing from the
forbidden libraries. Prints every violation as FILE:LINE and exits 1 if there is one.

  tests/layering/check_layering.py [SOURCE_ROOT]
"""
import pathlib
import re
import sys

# Folder -> the project folders whose headers it may include (besides its own).
ALLOWED = {
    "config": set(),
    "proxy/hello": {"config"},
    "proxy/families": {"config", "proxy/hello"},
    "proxy/policy": {"config"},
    "proxy/limits": {"config"},
    "proxy/proxy_protocol": {"config"},
    # The key server's wire format: shared by tlsfloor and the key server, so it needs nothing.
    "proxy/keyserver_protocol": set(),
    # The key server (OpenSSL 3): never a folder that brings BoringSSL (see below).
    "proxy/keyserver": {"config", "proxy/keyserver_protocol"},
    "proxy/keyserver_client": {"metrics", "proxy/keyserver_protocol"},
    "metrics": {"config"},
    "metrics/log_schema": {"config"},
    "metrics/handshake_log": {"config", "metrics", "metrics/log_schema"},
    "metrics/ledger": {"config"},
    "metrics/report": {"config", "metrics/ledger", "metrics/log_schema"},
    "proxy/tls": {"config"},
    "proxy/state": {"config", "metrics/ledger"},
    "proxy/runtime": {"config", "metrics", "metrics/handshake_log", "metrics/ledger", "proxy/policy",
                      "proxy/state", "proxy/tls"},
    "proxy/net": {"config", "metrics", "metrics/handshake_log", "metrics/ledger", "proxy/families",
                  "proxy/hello", "proxy/limits", "proxy/policy", "proxy/proxy_protocol", "proxy/runtime",
                  "proxy/tls", "proxy/keyserver_client", "proxy/keyserver_protocol"},
    "proxy/admin": {"config", "metrics", "metrics/ledger", "proxy/families", "proxy/net",
                    "proxy/policy", "proxy/state"},
    "proxy/server": {"config", "metrics", "metrics/ledger", "proxy/admin", "proxy/limits",
                     "proxy/net", "proxy/policy", "proxy/runtime", "proxy/state", "proxy/tls",
                     "proxy/keyserver_client"},
    "proxy": {"config", "metrics", "metrics/report", "proxy/families", "proxy/server", "proxy/tls"},
}

# Pure folders: no sockets, no SSL*, no metrics, no logging.
PURE = {"config", "proxy/hello", "proxy/families", "proxy/policy", "proxy/limits", "proxy/proxy_protocol",
        "metrics/ledger", "metrics/log_schema", "metrics/report", "proxy/keyserver_protocol"}
IMPURE_HEADERS = re.compile(
    r"^(boost/asio|boost/beast|openssl/ssl\.h|openssl/x509|prometheus/|spdlog/|sys/socket\.h)")
# libssl's headers only where TLS connections are made.
SSL_FOLDERS = {"proxy/tls", "proxy/net", "proxy/runtime", "proxy/server", "proxy/admin"}
SSL_HEADER = re.compile(r"^(openssl/ssl\.h|proxy/tls/boringssl\.h)")

# The key server is built against OpenSSL 3: BoringSSL's headers (ours, or any openssl/ header
# through a folder that links BoringSSL) must not reach it, and it links no network proxy code.
OPENSSL3_FOLDERS = {"proxy/keyserver"}
BORINGSSL_ONLY = re.compile(r"^(proxy/tls/|openssl/base\.h|boost/asio)")
# The wire format both sides link uses no TLS library at all.
NO_TLS_FOLDERS = {"proxy/keyserver_protocol", "proxy/keyserver_client"}
ANY_TLS = re.compile(r"^(openssl/|proxy/tls/)")

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def check(root: pathlib.Path) -> list[str]:
    problems = []
    for folder, allowed in ALLOWED.items():
        directory = root / folder
        for path in sorted(list(directory.glob("*.h")) + list(directory.glob("*.cpp"))):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                match = INCLUDE.match(line)
                if not match:
                    continue
                quote, header = match.groups()
                where = f"{path.relative_to(root)}:{number}"
                if quote == '"':
                    owner = str(pathlib.PurePosixPath(header).parent)
                    if owner != folder and owner not in allowed:
                        problems.append(f"{where}: {folder}/ may not include {header}")
                if folder in PURE and IMPURE_HEADERS.match(header):
                    problems.append(f"{where}: {folder}/ is pure and may not include {header}")
                if folder not in SSL_FOLDERS and SSL_HEADER.match(header):
                    problems.append(f"{where}: {folder}/ may not use libssl ({header})")
                if folder in OPENSSL3_FOLDERS and BORINGSSL_ONLY.match(header):
                    problems.append(f"{where}: {folder}/ is built against OpenSSL 3 and may not "
                                    f"include {header}")
                if folder in NO_TLS_FOLDERS and ANY_TLS.match(header):
                    problems.append(f"{where}: {folder}/ uses no TLS library ({header})")
    # Every source folder is in the table, so a new one cannot escape the check.
    for path in sorted(list(root.glob("proxy/**/*.cpp")) + list(root.glob("metrics/**/*.cpp")) +
                       list(root.glob("config/**/*.cpp"))):
        folder = str(path.parent.relative_to(root))
        if folder not in ALLOWED:
            problems.append(f"{path.relative_to(root)}: folder {folder}/ is not in the layering table")
    return problems


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parents[2])
    problems = check(root)
    for problem in problems:
        print(problem)
    print(f"layering: {len(problems)} problem(s) in {len(ALLOWED)} folders")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
