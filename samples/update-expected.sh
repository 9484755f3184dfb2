#!/usr/bin/env bash
# Regenerates samples/expected/<name>/report.{md,json} from samples/expected/manifest.tsv with the
# given forensics binary. Run from the repository root after a deliberate change of report output,
# then review the diff: tests/samples_tests.cpp compares these files byte for byte.
set -euo pipefail
bin=${1:-build/bin/forensics}
grep -v '^#' samples/expected/manifest.tsv | while IFS=$'\t' read -r name want args; do
  [ -n "$name" ] || continue
  set +e
  # shellcheck disable=SC2086
  "$bin" $args --out "samples/expected/$name" > /dev/null
  got=$?
  set -e
  [ "$got" = "$want" ] || { echo "$name: exit $got, manifest says $want" >&2; exit 1; }
  echo "$name: exit $got"
done
