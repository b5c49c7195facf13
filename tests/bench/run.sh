#!/usr/bin/env bash
# The side-by-side benchmark (see bench.py): installs the peers from Debian's packages, builds
# tlsfloor in Release, and measures everything in one run. Not part of the test suite: it takes
# minutes and wants a quiet machine.
#   tests/bench/run.sh [--rounds N] [--seconds S] [--key rsa|ec] [--idle N] [--only NAME...]
#                        [--baseline OTHER_TLSFLOOR_BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
./deploy/install-deps.sh
peers=(haproxy nginx-light libnginx-mod-stream stunnel4 hitch wrk python3)
missing=()
for p in "${peers[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DTLSFLOOR_TESTS=OFF >/dev/null
cmake --build build-release
# Thousands of held connections for the memory column.
ulimit -n "$(ulimit -Hn)"
exec python3 tests/bench/bench.py --tlsfloor build-release/proxy/tlsfloor "$@"
