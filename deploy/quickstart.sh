#!/usr/bin/env bash
# tlsfloor quick start for a fresh Debian 12 machine: installs the build dependencies, builds a
# Release binary, and runs it on the bundled example (deploy/example/tlsfloor.yaml) in front of
# a small demo web server, with a fresh self-signed certificate.
#
#   ./deploy/quickstart.sh [tlsfloor options]     e.g. ./deploy/quickstart.sh --log-level debug
#
# Run it as root, or as a user who may use sudo (only the package installs need root).
# Ctrl-C stops tlsfloor (after its drain) and the demo upstream.
set -euo pipefail

# Everything below uses paths relative to the repository root, wherever the script is run from.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"

say() { printf '\n==> %s\n' "$*"; }

# --- dependencies --------------------------------------------------------------------------------
say "Installing build dependencies (deploy/install-deps.sh)"
./deploy/install-deps.sh

# The demo upstream is python3's http.server, and the commands printed below use curl. Neither
# is a build dependency (a minimal Debian has no curl), so they are installed here rather than
# in install-deps.sh.
demo_tools=()
command -v python3 >/dev/null 2>&1 || demo_tools+=(python3)
command -v curl >/dev/null 2>&1 || demo_tools+=(curl ca-certificates)
if ((${#demo_tools[@]})); then
  say "Installing ${demo_tools[*]} for the demo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${demo_tools[@]}"
fi

# --- build ---------------------------------------------------------------------------------------
# Tests are off: this is the operator's path; ./deploy/run-tests.sh builds and runs them.
say "Building tlsfloor (Release) into build-release/"
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DTLSFLOOR_TESTS=OFF
cmake --build build-release
bin=build-release/proxy/tlsfloor
"$bin" --version

# --- demo files ----------------------------------------------------------------------------------
# deploy/example/run/ is gitignored. The example config names run/tls.crt and run/tls.key, which
# tlsfloor resolves against the config file's directory, i.e. deploy/example/run/.
run=deploy/example/run
config=deploy/example/tlsfloor.yaml
mkdir -p "$run/www"

# A new certificate every run: nothing long-lived is left behind, and an expired one never is.
say "Creating a self-signed certificate for localhost in $run/"
(
  umask 077 # the private key must not be world-readable
  openssl req -x509 -newkey rsa:2048 -sha256 -days 30 -nodes \
    -keyout "$run/tls.key" -out "$run/tls.crt" \
    -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
)
openssl x509 -in "$run/tls.crt" -noout -subject -ext subjectAltName

cat >"$run/www/index.html" <<'HTML'
<!doctype html>
<title>tlsfloor demo</title>
<p>Hello through tlsfloor. This page is served by python3 -m http.server on 127.0.0.1:8080;
tlsfloor terminated TLS on 127.0.0.1:8443 and passed the bytes on.</p>
HTML

# --- configuration check -------------------------------------------------------------------------
# The same check the systemd unit runs before every start: YAML, every key, and the certificates.
say "Checking the configuration"
"$bin" --config "$config" --check

# --- demo upstream -------------------------------------------------------------------------------
say "Starting the demo upstream: python3 -m http.server on 127.0.0.1:8080"
python3 -m http.server --bind 127.0.0.1 --directory "$run/www" 8080 >"$run/upstream.log" 2>&1 &
upstream_pid=$!
trap 'kill "$upstream_pid" 2>/dev/null || true; wait "$upstream_pid" 2>/dev/null || true' EXIT

# Wait until it accepts connections; if it died instead (port 8080 taken?), say why.
for _ in $(seq 50); do
  kill -0 "$upstream_pid" 2>/dev/null || break
  (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null && break
  sleep 0.1
done
if ! kill -0 "$upstream_pid" 2>/dev/null; then
  echo "quickstart: the demo upstream did not start (is 127.0.0.1:8080 in use?):" >&2
  cat "$run/upstream.log" >&2
  exit 1
fi

# --- how to try it -------------------------------------------------------------------------------
cat <<'EOF'

==> Starting tlsfloor. From another shell, try:

  # A TLS 1.3 client: accepted, the request goes through to the demo upstream.
  curl -k --tlsv1.3 https://127.0.0.1:8443/
  openssl s_client -connect 127.0.0.1:8443 -tls1_3 </dev/null

  # A TLS 1.0-only client: below the floor (TLS1.2), so in enforce mode it gets a
  # protocol_version alert before any certificate is sent ("tlsv1 alert protocol version").
  # Debian 12's OpenSSL refuses TLS 1.0 at its default security level, so lower it to 0:
  openssl s_client -connect 127.0.0.1:8443 -tls1 -cipher DEFAULT@SECLEVEL=0 </dev/null

  # What tlsfloor counted (the rejected client too), and who the legacy clients are:
  curl -s 127.0.0.1:9901/metrics | grep tlsfloor_
  curl -s 127.0.0.1:9901/healthz
  curl -s 127.0.0.1:9901/legacy-clients
  tail deploy/example/run/handshakes.log
  ./build-release/proxy/tlsfloor report --log deploy/example/run/handshakes.log

  Set `mode: observe` in deploy/example/tlsfloor.yaml and run this script again to see the
  same TLS 1.0 client let through and counted as decision="would_reject".

Ctrl-C stops tlsfloor and the demo upstream.

EOF

# tlsfloor runs as a child rather than via exec, so the EXIT trap above can still stop the
# upstream. It runs in the background with `wait` because bash postpones traps until a
# foreground child exits, which would make a SIGTERM sent to this script (or to sudo) do nothing.
"$bin" --config "$config" "$@" &
proxy_pid=$!
# Ctrl-C reaches tlsfloor directly too; forwarding also covers a TERM or HUP sent to the script
# alone. tlsfloor drains on TERM (for up to drain_timeout) and then exits.
trap 'kill -TERM "$proxy_pid" 2>/dev/null || true' INT TERM HUP
status=0
wait "$proxy_pid" || status=$?
# A trapped signal interrupts `wait` (status > 128) while tlsfloor is still draining.
while kill -0 "$proxy_pid" 2>/dev/null; do
  status=0
  wait "$proxy_pid" || status=$?
done
exit "$status"
