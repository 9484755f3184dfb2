#!/bin/sh
# Builds the libFuzzer targets (clang, build-fuzz/) and runs each for a bounded time, starting from
# its seed corpus in tests/fuzz/corpus/<target>/. A target fails when it crashes, leaks, times out on
# one input, runs out of memory or trips a sanitizer; the reproducer is left in build-fuzz/fuzz/artifacts/.
# At the end a table gives, per target: executions, executions a second, coverage (cov: edges and
# ft: features, from libFuzzer's final line), peak RSS and crashes.
#
# Usage: tests/fuzz/run.sh [SECONDS]          each target SECONDS (default 20: the short mode of .ci/run)
#        tests/fuzz/run.sh --long [SECONDS]   each target SECONDS, at least 600 (default 600)
# Environment: FUZZ_PARALLEL=N runs N targets at once (default 2, one a core of the 2-core CI machine,
#              which keeps the short mode near 5 minutes with the build); JOBS=N builds with N jobs
#              (default 2); FUZZ_TARGETS="a b" runs only those.
set -eu
long=0
if [ "${1:-}" = "--long" ]; then
  long=1
  shift
fi
if [ $long = 1 ]; then
  seconds=${1:-600}
  [ "$seconds" -ge 600 ] || { echo "run.sh: --long runs each target at least 600 s" >&2; exit 2; }
else
  seconds=${1:-20}
fi
parallel=${FUZZ_PARALLEL:-2}
root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build-fuzz"
corpus_src="$root/tests/fuzz/corpus"

"$root/.ci/install-deps" --fuzz
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DFORENSICS_FUZZ=ON -DFORENSICS_BENCH=OFF >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target fuzz_all

all="fuzz_export_line fuzz_log_lines fuzz_py_repr fuzz_msgpack_header fuzz_line_reader fuzz_prometheus
     fuzz_store_values fuzz_export_stream fuzz_import fuzz_replay fuzz_fingerprint fuzz_markdown"
targets=""
for t in ${FUZZ_TARGETS:-$all}; do
  if [ -x "$build/fuzz/$t" ]; then
    targets="$targets $t"
  else
    echo "== $t: not built (see the CMake messages), skipped"
  fi
done

mkdir -p "$build/fuzz/artifacts"
# Runs one target; its log is build-fuzz/fuzz/<target>.log, its result build-fuzz/fuzz/<target>.status.
run_one() {
  t=$1
  # New inputs go to a scratch corpus so the seed directory in the repository stays small.
  work="$build/fuzz/corpus/$t"
  mkdir -p "$work"
  extra=""
  # The store decoders must not allocate for counts the bytes do not hold.
  [ "$t" = fuzz_store_values ] && extra="-malloc_limit_mb=16"
  rm -f "$build/fuzz/artifacts/$t-"*
  echo "== $t (${seconds}s)"
  if "$build/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 $extra \
      -print_final_stats=1 -artifact_prefix="$build/fuzz/artifacts/$t-" \
      "$work" "$corpus_src/$t" >"$build/fuzz/$t.log" 2>&1; then
    echo 0 >"$build/fuzz/$t.status"
  else
    echo 1 >"$build/fuzz/$t.status"
    echo "FAILED: $t (see $build/fuzz/$t.log and $build/fuzz/artifacts/)"
    grep -m20 -E 'ERROR|SUMMARY|#[0-9]+ 0x|runtime error' "$build/fuzz/$t.log" || true
  fi
}

running=0
for t in $targets; do
  if [ "$parallel" -le 1 ]; then
    run_one "$t"
    continue
  fi
  run_one "$t" &
  running=$((running + 1))
  if [ $running -ge "$parallel" ]; then
    wait
    running=0
  fi
done
wait

# A value of libFuzzer's final stats (-print_final_stats=1) in log $1.
final_stat() { sed -n "s/^stat::$2: *//p" "$1" | tail -1; }

status=0
printf '\n%-20s %12s %8s %8s %8s %8s %7s\n' target executions exec/s cov ft rss_mb crashes
for t in $targets; do
  log="$build/fuzz/$t.log"
  last=$(grep -E '^#[0-9]+' "$log" | grep -E ' cov: ' | tail -1 || true)
  cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  crashes=$(ls "$build/fuzz/artifacts/" | grep -cE "^$t-(crash|leak|timeout|oom)-" || true)
  printf '%-20s %12s %8s %8s %8s %8s %7s\n' "$t" "$(final_stat "$log" number_of_executed_units)" \
    "$(final_stat "$log" average_exec_per_sec)" \
    "${cov:--}" "${ft:--}" "$(final_stat "$log" peak_rss_mb)" "$crashes"
  [ "$(cat "$build/fuzz/$t.status")" = 0 ] || status=1
done
exit $status
