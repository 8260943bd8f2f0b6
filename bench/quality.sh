#!/usr/bin/env bash
# Screening-quality benchmark on sample flights (issue 4, "Quality ... 2. Sample flights").
#
# Design: everything real, nothing mocked. bench/gen_flights.py builds about 210 flights
# (fixed seed, so every run screens the same records) from the 50,000 synthetic
# travellers of ../shared/data/passengers/negatives_us.csv plus 2,000 planted UN and OFAC
# individuals with realistic variation and 336 planted under their UN original-script
# name; the UN and OFAC lists are imported into a scratch database exactly as
# bench/run.sh does; `paxwatch screen` runs with the shipped rules and config and writes
# its alerts as JSON Lines; bench/eval_quality.py scores them against the truth file:
# recall (planted travellers alerted on the right list entry), false alerts (background
# travellers with any alert), per variation kind, original-script apart, and the
# throughput from paxwatch's own summary line. With --format paxlst the same travellers
# go through paxwatch's PAXLST reader instead (one message per flight; the evaluation
# then reads the records back from the database, PAXLST having no record id). Names stay
# in the scratch files, which are deleted at exit unless --keep DIR is given.
#
# Usage: bench/quality.sh [BUILD_DIR] [--keep DIR] [--threads N] [--format jsonl|paxlst]
#        environment: SEED (default 42), PLANTED (2000), BACKGROUND (all)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
keep=
threads=
format=jsonl
while [ $# -gt 0 ]; do
    case $1 in
    --keep) keep=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --format) format=$2; shift 2 ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    *) build=$1; shift ;;
    esac
done
data=$root/../shared/data
pw=$build/paxwatch
[ -x "$pw" ] || { echo "quality.sh: no paxwatch binary at $pw (build first)" >&2; exit 1; }
case $format in
jsonl) flights=flights.jsonl ;;
paxlst) flights=flights.edi ;;
*) echo "quality.sh: --format is jsonl or paxlst" >&2; exit 2 ;;
esac

if [ -n "$keep" ]; then
    mkdir -p "$keep"
    work=$(cd "$keep" && pwd)
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
rm -f "$work/quality.db" "$work/quality.db-wal" "$work/quality.db-shm"

start=$(date +%s)
gen_args=(--seed "${SEED:-42}" --planted "${PLANTED:-2000}")
[ -n "${BACKGROUND:-}" ] && gen_args+=(--background "$BACKGROUND")
python3 "$root/bench/gen_flights.py" "${gen_args[@]}" --format "$format" \
    --flights "$work/$flights" --truth "$work/truth.jsonl"

$pw watchlist import --db "$work/quality.db" --list UN --format un-xml \
    "$data/watchlists/un/UN_consolidated.xml"
$pw watchlist import --db "$work/quality.db" --list OFAC --format ofac-sdn \
    "$data/watchlists/ofac-sdn/sdn.csv" "$data/watchlists/ofac-sdn/alt.csv" \
    "$data/watchlists/ofac-sdn/add.csv"

screen_args=(--db "$work/quality.db" --rules "$root/rules" --config "$root/config/paxwatch.yaml"
    --input-format "$format" --alerts-out "$work/alerts.jsonl")
[ -n "$threads" ] && screen_args+=(--threads "$threads")
$pw screen "${screen_args[@]}" "$work/$flights" 2>"$work/screen.log" >/dev/null || {
    echo "quality.sh: paxwatch screen failed:" >&2
    tail -n 5 "$work/screen.log" >&2
    exit 1
}
grep '^screened ' "$work/screen.log" || true

if [ "$format" = paxlst ]; then
    source_args=(--db "$work/quality.db")
else
    source_args=(--flights "$work/$flights")
fi
python3 "$root/bench/eval_quality.py" "${source_args[@]}" \
    --truth "$work/truth.jsonl" --alerts "$work/alerts.jsonl" --paxwatch-log "$work/screen.log"
echo "quality.sh: done in $(($(date +%s) - start)) s${keep:+; files kept in $work}" >&2
