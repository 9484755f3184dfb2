#!/bin/sh
# Builds the libFuzzer targets (clang, build-fuzz/) and runs each for a bounded time, starting from
# its seed corpus in tests/fuzz/corpus/<target>/. Fails on the first target that crashes, leaks,
# times out on one input or trips a sanitizer; the reproducer is left in build-fuzz/fuzz/artifacts/.
# Usage: tests/fuzz/run.sh [SECONDS per target, default 30]   (JOBS=N for the build, default 2)
set -eu
seconds=${1:-30}
root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build-fuzz"
corpus_src="$root/tests/fuzz/corpus"
targets="fuzz_export_line fuzz_log_lines fuzz_py_repr fuzz_msgpack_header fuzz_line_reader fuzz_prometheus"

"$root/.ci/install-deps" --fuzz
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DFORENSICS_FUZZ=ON -DFORENSICS_BENCH=OFF >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target fuzz_all

mkdir -p "$build/fuzz/artifacts"
status=0
for t in $targets; do
  # New inputs go to a scratch corpus so the seed directory in the repository stays small.
  work="$build/fuzz/corpus/$t"
  mkdir -p "$work"
  echo "== $t (${seconds}s)"
  if ! "$build/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$build/fuzz/artifacts/$t-" \
      "$work" "$corpus_src/$t" 2>"$build/fuzz/$t.log"; then
    echo "FAILED: $t (see $build/fuzz/$t.log and $build/fuzz/artifacts/)"
    grep -m20 -E 'ERROR|SUMMARY|#[0-9]+ 0x|runtime error' "$build/fuzz/$t.log" || true
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE' "$build/fuzz/$t.log" || true
done
exit $status
