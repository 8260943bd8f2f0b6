#!/usr/bin/env bash
# End-to-end screening benchmark: imports the UN and OFAC lists into a scratch
# database, then screens the 50,000 synthetic travellers of
# ../shared/data/passengers/negatives_us.csv with 1 and 2 worker threads, printing
# paxwatch's own summary (records/s, p50/p99 latency, peak memory) for each run and
# the 2-thread speed as a ratio to the 1-thread run. Usage: bench/run.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
data=$root/../shared/data
pw=$build/paxwatch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

$pw watchlist import --db "$work/bench.db" --list UN --format un-xml \
    "$data/watchlists/un/UN_consolidated.xml"
$pw watchlist import --db "$work/bench.db" --list OFAC --format ofac-sdn \
    "$data/watchlists/ofac-sdn/sdn.csv" "$data/watchlists/ofac-sdn/alt.csv" \
    "$data/watchlists/ofac-sdn/add.csv"

declare -A rate
for threads in 1 2; do
    rm -f "$work/run.db"*
    cp "$work/bench.db" "$work/run.db"
    summary=$($pw screen --db "$work/run.db" --threads "$threads" \
        "$data/passengers/negatives_us.csv" 2>&1 >/dev/null | tail -n 1)
    echo "threads=$threads: $summary"
    rate[$threads]=$(sed -n 's/.*(\([0-9]*\) records\/s.*/\1/p' <<<"$summary")
done
awk -v a="${rate[1]}" -v b="${rate[2]}" \
    'BEGIN { printf "summary: records_per_s_1t=%d records_per_s_2t=%d ratio_2t_vs_1t=%.2f\n", a, b, b / a }'
