#!/usr/bin/env bash
# Installs everything tlsfloor needs to build and test on Debian 12, from Debian's packages only.
#   deploy/install-deps.sh          build dependencies
#   deploy/install-deps.sh --test   plus what the test suite drives (openssl s_client, promtool,
#                                   curl, haproxy, nginx, testssl.sh, gnutls-cli, kubectl, SoftHSM,
#                                   OpenSSL's pkcs11 engine, Alertmanager, Chromium, Go, Node,
#                                   Java) and clang's libFuzzer
set -euo pipefail
packages=(
  cmake ninja-build g++ pkg-config
  libboost-dev                # Asio and Beast (header-only in 1.74)
  android-libboringssl-dev    # BoringSSL: headers in /usr/include/android
  libyaml-cpp-dev
  prometheus-cpp-dev          # core only; /metrics is served by Beast
  libspdlog-dev               # leveled, thread-safe logging
  libcli11-dev                # command-line parsing with generated --help
  nlohmann-json3-dev          # JSON for /legacy-clients, the handshake log and reports
  libsimdjson-dev             # tlsfloor report's fast log-line reader
  zlib1g-dev                  # tlsfloor report reads rotated .gz logs directly
  openssl                     # the quick start makes a self-signed certificate with it
  libssl-dev                  # OpenSSL 3, for tlsfloor-keyserver only (never linked into tlsfloor)
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(libgtest-dev libgmock-dev curl prometheus python3)   # prometheus ships promtool
  packages+=(clang libclang-rt-14-dev)  # the libFuzzer targets (deploy/run-fuzzers.sh)
  packages+=(haproxy)                   # a real load balancer sending the PROXY protocol
  packages+=(nginx-light libnginx-mod-stream)  # a real upstream reading it
  packages+=(testssl.sh gnutls-bin)     # the scanner judging what is offered; a GnuTLS client
  packages+=(kubernetes-client python3-yaml)  # kubectl kustomize renders deploy/kubernetes
  packages+=(softhsm2 libengine-pkcs11-openssl)  # a PKCS#11 token, reached by the key server
  packages+=(prometheus-alertmanager)   # routes the alerts to each owner's receiver
  packages+=(chromium)                  # renders the owner page, offline
  # Real clients of other TLS stacks: Go's crypto/tls, Node's and Java's JSSE (run from source).
  packages+=(golang-go nodejs openjdk-17-jdk-headless)
fi
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Google's Cloud SDK packages its own kubectl, which owns /usr/bin/kubectl, and Debian's
# kubernetes-client would then fail to unpack. Leave that kubectl where it is and divert
# Debian's to /usr/bin/kubectl.debian, the name the kubernetes_manifests test looks for first.
if [[ " ${missing[*]} " == *" kubernetes-client "* && -z "$(dpkg-divert --listpackage /usr/bin/kubectl)" ]]; then
  owner=$(dpkg-query -S /usr/bin/kubectl 2>/dev/null | cut -d: -f1 || true)
  if [[ -n "$owner" ]]; then
    $sudo dpkg-divert --package "$owner" --no-rename --divert /usr/bin/kubectl.debian --add /usr/bin/kubectl
  fi
fi
if ((${#missing[@]})); then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
