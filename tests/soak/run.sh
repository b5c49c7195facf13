#!/usr/bin/env bash
# Builds the ASan+UBSan binary and soaks it (see soak.py). Not part of CI: an hour by default.
#   tests/soak/run.sh [--seconds N] [--threads N]
set -euo pipefail
cd "$(dirname "$0")/../.."
./deploy/install-deps.sh --test
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTLSFLOOR_SANITIZE=ON >/dev/null
cmake --build build-asan --target tlsfloor
exec python3 tests/soak/soak.py --tlsfloor build-asan/proxy/tlsfloor "$@"
