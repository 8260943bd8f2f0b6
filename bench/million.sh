#!/usr/bin/env bash
# The matcher against 1,000,000 names (issue 4's large-list targets), on both lists the
# benchmarks use, one after the other:
#
#   sanctions parts   bench/gen_synthetic_list.py's list (fixed seed): the name parts of
#                     the UN and OFAC lists combined with their real frequencies, each
#                     entry with its aliases; the list bench/peer_postgres.sh screens at
#                     a million names. A few percent of the background travellers share
#                     a name with an entry, as at a border.
#   travellers' parts bench_index's own list: the 50,000 synthetic travellers' given
#                     names and surnames combined at random. Half the background
#                     travellers hold a name in it (true name collisions): the harder
#                     workload, kept as the series the earlier sessions measured.
#
# Each prints bench_index's lines (build time, bytes a name, travellers/s with 2 threads,
# p50/p99 matcher latency, the threads' CPU a traveller, recall of planted travellers)
# and its summary line on stdout, prefixed with the list's name (what goes to stderr,
# the generator's count and any error, is not). The generated list lives in a scratch
# directory, deleted at exit.
#
# Usage: bench/million.sh [BUILD_DIR]     environment: SEED (42), NAMES (1000000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 "$root/bench/gen_synthetic_list.py" --seed "${SEED:-42}" --names "${NAMES:-1000000}" \
    --out "$work/list.csv"
"$build/bench/bench_index" --list "$work/list.csv" | sed 's/^/sanctions parts: /'
"$build/bench/bench_index" "${NAMES:-1000000}" | sed "s/^/travellers' parts: /"
