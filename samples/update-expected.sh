#!/usr/bin/env bash
# Regenerates samples/expected/<name>/report.{md,json} from samples/expected/manifest.tsv with the
# given forensics binary. Run from the repository root after a deliberate change of report output,
# then review the diff: tests/samples_tests.cpp compares these files byte for byte.
set -euo pipefail
bin=${1:-build/bin/forensics}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
grep -v '^#' samples/expected/manifest.tsv | while IFS=$'\t' read -r name want args; do
  [ -n "$name" ] || continue
  set +e
  # shellcheck disable=SC2086
  "$bin" $args --out "$scratch/$name" > /dev/null
  got=$?
  set -e
  [ "$got" = "$want" ] || { echo "$name: exit $got, manifest says $want" >&2; exit 1; }
  # --out DIR holds the pair behind links into a private directory; the expected files are plain copies.
  mkdir -p "samples/expected/$name"
  cp -L "$scratch/$name/report.md" "$scratch/$name/report.json" "samples/expected/$name/"
  echo "$name: exit $got"
done
