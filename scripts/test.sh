#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls exactly this):
#   1. installs the Debian 12 packages (scripts/install-deps.sh),
#   2. builds the dev preset and runs every test: unit tests on SQLite and MariaDB, and the
#      integration suites against real Dovecot and MariaDB instances started on loopback,
#   3. builds the asan preset (AddressSanitizer + UBSan) and runs the unit tests and the
#      benchmarks' smoke runs under it,
#   4. builds the fuzz preset (clang, libFuzzer) and runs each fuzzer for 20 s from its seeds.
# Set MAILTOKEN_SKIP_ASAN=1 / MAILTOKEN_SKIP_FUZZ=1 to skip step 3 / 4 while iterating.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

jobs=$(nproc)
cmake --preset dev >/dev/null
cmake --build --preset dev -j"$jobs"

if [ "${MAILTOKEN_SKIP_ASAN:-0}" != 1 ]; then
  cmake --preset asan -DMAILTOKEN_BUILD_DOVECOT=OFF >/dev/null
  cmake --build --preset asan -j"$jobs" --target mailtoken_unit_tests verify_benchmark store_benchmark
  echo "== unit tests and benchmark smoke runs under AddressSanitizer + UBSan =="
  ctest --preset asan -R '^(mariadb|unit|benchmark)\.' -j"$jobs"
fi

if [ "${MAILTOKEN_SKIP_FUZZ:-0}" != 1 ]; then
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j"$jobs"
  echo "== fuzzers (20 s each) =="
  ctest --preset fuzz -j"$jobs"
fi

echo "== full suite (unit + integration) =="
ctest --preset dev
