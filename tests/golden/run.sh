#!/usr/bin/env bash
# Runs one golden end-to-end case: tests/golden/<case>/cmd is a bash script that
# drives the paxwatch binary ($PAXWATCH) in a scratch folder ($WORK) with the case's
# files ($CASE) and the shared data ($DATA); its standard output must equal
# <case>/expected byte for byte. Set GOLDEN_UPDATE=1 to rewrite expected.
set -euo pipefail
PAXWATCH=$1 CASE=$2 WORK=$3 DATA=$4
export PAXWATCH CASE WORK DATA
rm -rf "$WORK" && mkdir -p "$WORK"
cd "$WORK"
if ! bash "$CASE/cmd" > "$WORK/actual" 2> "$WORK/stderr"; then
  echo "golden case $(basename "$CASE"): cmd failed"; cat "$WORK/stderr"; exit 1
fi
if [ "${GOLDEN_UPDATE:-}" = 1 ]; then cp "$WORK/actual" "$CASE/expected"; fi
if ! diff -u "$CASE/expected" "$WORK/actual"; then
  echo "golden case $(basename "$CASE"): output differs (stderr follows)"; cat "$WORK/stderr"; exit 1
fi
