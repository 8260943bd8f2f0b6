#!/usr/bin/env bash
# Same-run comparison of two builds. The speed of a shared or virtual host drifts by up
# to a half within an hour, so a change is judged by running the two builds in turn,
# round after round, and comparing each round's pair rather than two figures taken at
# different times. Each round runs A and B once, the one going first alternating.
#
#   default    `paxwatch screen --threads 2` on the 50,000 synthetic travellers of
#              ../shared/data/passengers/negatives_us.csv against the UN list, every
#              record stored (the shipped default); figure: records/s, higher is better
#   --alerted  the same storing alerted records only
#   --million  BUILD/bench/bench_index at 1,000,000 names; figure: the threads' CPU a
#              traveller in us (what the matcher costs whatever else the host runs),
#              lower is better
#
# Prints each round's pair, each build's median, how many rounds B won and the median
# of the rounds' B/A ratios, then a `summary:` line.
# Usage: bench/compare.sh [--rounds N] [--alerted|--million] BUILD_A BUILD_B
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=$root/../shared/data
rounds=7 mode=stored
while [ $# -gt 0 ]; do
    case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --alerted) mode=alerted; shift ;;
    --million) mode=million; shift ;;
    -*) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
if [ $# -ne 2 ]; then
    echo "usage: bench/compare.sh [--rounds N] [--alerted|--million] BUILD_A BUILD_B" >&2
    exit 2
fi
a=$(cd "$1" && pwd) b=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "$mode" != million ]; then
    "$a/paxwatch" watchlist import --db "$work/list.db" --list UN --format un-xml \
        "$data/watchlists/un/UN_consolidated.xml" >/dev/null
    config=()
    if [ "$mode" = alerted ]; then
        printf 'store_records: alerted\nrules_dir: %s/rules\n' "$root" >"$work/alerted.yaml"
        config=(--config "$work/alerted.yaml")
    fi
fi

# One run of the build in $1: prints its figure.
measure() {
    if [ "$mode" = million ]; then
        "$1/bench/bench_index" 1000000 | sed -n 's/^full list.*CPU *\([0-9.]*\) us.*/\1/p'
    else
        rm -f "$work/run.db"*
        cp "$work/list.db" "$work/run.db"
        "$1/paxwatch" screen --db "$work/run.db" --threads 2 "${config[@]}" \
            "$data/passengers/negatives_us.csv" 2>&1 >/dev/null |
            sed -n 's/.*(\([0-9]*\) records\/s.*/\1/p'
    fi
}

for ((i = 1; i <= rounds; i++)); do
    if ((i % 2)); then
        fa=$(measure "$a") fb=$(measure "$b")
    else
        fb=$(measure "$b") fa=$(measure "$a")
    fi
    echo "round $i: A $fa  B $fb"
done | tee "$work/rounds.txt"

awk -v mode="$mode" '
    { fa[NR] = $4; fb[NR] = $6; r[NR] = $6 / $4; if (mode == "million" ? $6 < $4 : $6 > $4) won++ }
    function median(v, n,   i, j, t) {
        for (i = 2; i <= n; i++)
            for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    END {
        n = NR
        printf "A median %s, B median %s (%s); B better in %d of %d rounds; median B/A %.3f\n",
            median(fa, n), median(fb, n), mode == "million" ? "CPU us a traveller, lower is better" : "records/s",
            won, n, median(r, n)
        printf "summary: mode=%s rounds=%d a_median=%s b_median=%s b_better=%d ratio_b_a=%.3f\n",
            mode, n, median(fa, n), median(fb, n), won, median(r, n)
    }' "$work/rounds.txt"
