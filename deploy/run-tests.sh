#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test twice: an optimised build, then an
# AddressSanitizer + UndefinedBehaviorSanitizer build (any leak, overflow or UB fails the run);
# then every libFuzzer target for a bounded time (deploy/run-fuzzers.sh).
#   deploy/run-tests.sh
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh --test

jobs=$(nproc)
run_suite() {
  local dir=$1 ctest_args=$2
  shift 2
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  # Integration tests start their own proxies on ephemeral ports: safe to run side by side.
  # shellcheck disable=SC2086 # ctest_args is a list of words
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" $ctest_args
}

# Line tables only (-g1): a failure's backtrace still names file and line, and the builds
# (most of this run's time on two cores) take about a third less than with full debug info.
echo "== optimised build"
run_suite build-test ""  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Without the testssl.sh scans (TestsslTest.*): they judge what a listener offers, which the
# sanitizers do not change, and they are the run's critical path (about 5 minutes, one at a
# time); the handshake code they drive runs sanitized under every other integration test.
run_suite build-asan "-E ^TestsslTest\." -DCMAKE_BUILD_TYPE=Debug -DTLSFLOOR_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS_DEBUG=-g1

echo "== libFuzzer targets, ${TLSFLOOR_FUZZ_SECONDS:-20} s each"
./deploy/run-fuzzers.sh "${TLSFLOOR_FUZZ_SECONDS:-20}"
