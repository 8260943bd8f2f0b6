#!/usr/bin/env bash
# Cross-script screening benchmark (issue 4, "Quality ... across scripts").
#
# Target: the UN list's 336 individuals that carry both an Arabic- or Cyrillic-script
# name and a Latin name; with a list holding only one form and travellers carrying the
# other, in both directions, at least 80% alerted on the right entry at the shipped
# threshold, with the false-alert rate of the sample-flight benchmark unchanged.
#
# Design: bench/gen_flights.py writes the sample flights exactly as bench/quality.sh
# does (same seed, same defaults: the 50,000 background travellers are byte-identical);
# bench/gen_crossscript.py writes the UN list twice in the native CSV format (Latin
# forms only; and with the 336 holding only their original-script form, every other
# entry its Latin form) and 4 x 336 travellers (original-script name / Latin name,
# with / without date of birth; list gender and nationality; a made-up passport). Three
# scratch databases hold OFAC plus the UN list as shipped (un-xml), Latin-only, and
# original-script-only; each screens the sample flights plus the cross-script
# travellers with the shipped rules and config. A diagnostic run at threshold 0.01
# scores the cross-script travellers alone against fresh copies of the one-form lists,
# so that every miss gets the right entry's score. bench/eval_crossscript.py prints
# recall per direction, DOB, script; false alerts on the background per list; and
# writes the missed travellers (with names) to misses.tsv in the scratch directory.
# Names never go to the terminal. The scratch directory is deleted at exit except
# misses.tsv, unless --keep DIR is given (then everything is kept there).
#
# Usage: bench/crossscript.sh [BUILD_DIR] [--keep DIR] [--threads N]
#        environment: SEED (default 42), BACKGROUND (all)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
keep=
threads=
while [ $# -gt 0 ]; do
    case $1 in
    --keep) keep=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -h | --help) sed -n '2,26p' "$0"; exit 0 ;;
    *) build=$1; shift ;;
    esac
done
data=$root/../shared/data
pw=$build/paxwatch
[ -x "$pw" ] || { echo "crossscript.sh: no paxwatch binary at $pw (build first)" >&2; exit 1; }

if [ -n "$keep" ]; then
    mkdir -p "$keep"
    work=$(cd "$keep" && pwd)
else
    work=$(mktemp -d -t paxwatch-crossscript.XXXXXX)
    # Everything but the misses (a few hundred public list names) goes at exit.
    trap 'find "$work" -mindepth 1 ! -name misses.tsv -delete' EXIT
fi
rm -f "$work"/*.db "$work"/*.db-wal "$work"/*.db-shm

start=$(date +%s)
seed=${SEED:-42}
gen_args=(--seed "$seed")
[ -n "${BACKGROUND:-}" ] && gen_args+=(--background "$BACKGROUND")
python3 "$root/bench/gen_flights.py" "${gen_args[@]}" \
    --flights "$work/flights.jsonl" --truth "$work/sample_truth.jsonl" 2>"$work/gen.log"
head -n 1 "$work/gen.log" >&2
python3 "$root/bench/gen_crossscript.py" --seed "$seed" \
    --latin-list "$work/un_latin.csv" --original-list "$work/un_original.csv" \
    --travellers "$work/crossscript.jsonl" --truth "$work/crossscript_truth.jsonl"

# One database per form of the UN list, each with OFAC beside it as in quality.sh.
import_un() { # db format file
    local out
    out=$($pw watchlist import --db "$1" --list UN --format "$2" "$3" 2>&1) || {
        echo "crossscript.sh: import of $3 failed: $out" >&2
        exit 1
    }
    echo "  $out" >&2
    case $out in
    *" 0 skipped"*) ;;
    *) echo "crossscript.sh: import of $3 rejected rows (see dead_letters in $1)" >&2; exit 1 ;;
    esac
}
for run in base latin original; do
    case $run in
    base) import_un "$work/lists_$run.db" un-xml "$data/watchlists/un/UN_consolidated.xml" ;;
    latin) import_un "$work/lists_$run.db" csv "$work/un_latin.csv" ;;
    original) import_un "$work/lists_$run.db" csv "$work/un_original.csv" ;;
    esac
    $pw watchlist import --db "$work/lists_$run.db" --list OFAC --format ofac-sdn \
        "$data/watchlists/ofac-sdn/sdn.csv" "$data/watchlists/ofac-sdn/alt.csv" \
        "$data/watchlists/ofac-sdn/add.csv" >/dev/null
done

printf 'matching:\n  default_threshold: 0.01\n  lists:\n    UN:\n      threshold: 0.01\n' \
    >"$work/diag.yaml"
threshold=$(awk '/^ *UN:/ { un = 1 } un && /threshold:/ { print $2; exit }' \
    "$root/config/paxwatch.yaml")
for run in base latin original; do
    cp "$work/lists_$run.db" "$work/run_$run.db"
    args=(--db "$work/run_$run.db" --rules "$root/rules" --config "$root/config/paxwatch.yaml"
        --input-format jsonl --alerts-out "$work/alerts_$run.jsonl")
    [ -n "$threads" ] && args+=(--threads "$threads")
    $pw screen "${args[@]}" "$work/flights.jsonl" "$work/crossscript.jsonl" \
        2>"$work/screen_$run.log" >/dev/null || {
        echo "crossscript.sh: paxwatch screen ($run) failed:" >&2
        tail -n 5 "$work/screen_$run.log" >&2
        exit 1
    }
    [ "$run" = base ] && continue
    cp "$work/lists_$run.db" "$work/diag_$run.db"
    $pw screen --db "$work/diag_$run.db" --rules "$root/rules" --config "$work/diag.yaml" \
        --input-format jsonl --alerts-out "$work/diag_$run.jsonl" "$work/crossscript.jsonl" \
        2>"$work/diag_$run.log" >/dev/null || {
        echo "crossscript.sh: diagnostic screen ($run) failed:" >&2
        tail -n 5 "$work/diag_$run.log" >&2
        exit 1
    }
done

python3 "$root/bench/eval_crossscript.py" --threshold "${threshold:-0.85}" \
    --sample-flights "$work/flights.jsonl" --sample-truth "$work/sample_truth.jsonl" \
    --travellers "$work/crossscript.jsonl" --truth "$work/crossscript_truth.jsonl" \
    --latin-list "$work/un_latin.csv" --original-list "$work/un_original.csv" \
    --alerts base="$work/alerts_base.jsonl" latin="$work/alerts_latin.jsonl" \
    original="$work/alerts_original.jsonl" \
    --diag latin="$work/diag_latin.jsonl" original="$work/diag_original.jsonl" \
    --log base="$work/screen_base.log" latin="$work/screen_latin.log" \
    original="$work/screen_original.log" \
    --misses "$work/misses.tsv"
echo "crossscript.sh: done in $(($(date +%s) - start)) s; misses in $work/misses.tsv${keep:+; files kept in $work}" >&2
