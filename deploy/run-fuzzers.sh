#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (every library instrumented, ASan+UBSan) and runs each
# for a bounded time from its seed corpus in tests/fuzz/corpus/. A crash, leak or UB report
# fails the run and leaves the input in the working corpus directory.
#   deploy/run-fuzzers.sh [SECONDS_PER_TARGET]     (default 20; run-tests.sh uses 20)
#   deploy/run-fuzzers.sh 14400                    four hours each, for a long run
# The working corpus (seeds plus what the fuzzer found) is kept in build-fuzz/corpus/, so a
# later run goes on from there.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
targets=(client_hello_fuzz config_fuzz admin_request_fuzz log_line_fuzz state_file_fuzz
  ledger_file_fuzz proxy_header_fuzz keyserver_frame_fuzz)

# Line tables only: a finding's stack still names file and line; the build is faster.
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -gline-tables-only -DNDEBUG" -DTLSFLOOR_FUZZ=ON >/dev/null
cmake --build build-fuzz --target fuzzers

# A small quarantine keeps the fuzzers' RSS honest: libFuzzer's memory limit (2 GB) then
# catches inputs that really grow memory, not ASan's bookkeeping.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:quarantine_size_mb=64
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for target in "${targets[@]}"; do
  seeds=tests/fuzz/corpus/${target%_fuzz}
  work=build-fuzz/corpus/${target%_fuzz}
  mkdir -p "$work"
  echo "== $target for ${seconds}s (seeds: $seeds)"
  log=build-fuzz/$target.log
  # A finding is written to build-fuzz/artifacts/ (never into the source tree).
  mkdir -p build-fuzz/artifacts
  status=0
  # timeout(1): a fuzzer that hangs while reporting must not hang the run.
  timeout $((seconds + 300)) ./build-fuzz/tests/"$target" -max_total_time="$seconds" -timeout=10 \
    -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/ "$work" "$seeds" >"$log" 2>&1 ||
    status=$?
  grep -E "^(Done|stat::number_of_executed_units|INFO: seed corpus)" "$log" || true
  if ((status != 0)); then
    tail -n 60 "$log"
    echo "$target: a finding (exit $status); the input is in build-fuzz/artifacts/"
    exit 1
  fi
done
echo "fuzzers: ${#targets[@]} targets ran ${seconds}s each without a finding"
