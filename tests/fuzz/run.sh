#!/bin/sh
# Builds the fuzz targets with clang as libFuzzer binaries (address and undefined
# behaviour sanitizers, coverage on libpaxwatch) and runs each one for SECONDS
# (default 60), one after the other. The seeds in tests/fuzz/corpus/<target>/ are read,
# never written: what the fuzzer finds goes to the build directory.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     e.g. tests/fuzz/run.sh 300 jsonl ofac
#
# Environment: PW_FUZZ_BUILD (default build-fuzz), PW_FUZZ_JOBS (fuzzers run at once,
# default 1), PW_FUZZ_FLAGS (extra libFuzzer flags). Per target, in the build dir:
#   fuzz-corpus/<target>/     inputs libFuzzer found interesting (kept between runs)
#   fuzz-artifacts/<target>/  crash-*, leak-*, timeout-*, oom-* reproducers
#   fuzz-logs/<target>.log    libFuzzer's output
# Exits 1 when any target crashed, leaked or timed out. README.md says what to do then.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
build=${PW_FUZZ_BUILD:-$root/build-fuzz}
mkdir -p "$build"
build=$(cd "$build" && pwd)
jobs=${PW_FUZZ_JOBS:-1}

if [ $# -gt 0 ]; then
    targets="$*"
else
    targets=$(for f in "$here"/fuzz_*.c; do basename "$f" .c; done | sed 's/^fuzz_//' |
        grep -v -x -e replay -e common)
fi

# Warnings are not errors here: a clang-only warning in code being written must not
# stop fuzzing (the gcc CI build has -Werror).
CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S "$root" -B "$build" -DPW_FUZZ=ON \
    -DPW_SANITIZE=address,undefined \
    -DPW_WERROR=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
names=""
for t in $targets; do names="$names fuzz_$t"; done
# shellcheck disable=SC2086
cmake --build "$build" -j"$(nproc)" --target $names

# The dictionary of each target, if any (tests/fuzz/dict/).
dict_of() {
    case $1 in
    jsonl | record_auto) echo "$here/dict/jsonl.dict" ;;
    record_csv) echo "$here/dict/record_csv.dict" ;;
    yaml_config | rules) echo "$here/dict/yaml.dict" ;;
    watchlist_csv | ofac | un_xml | paxlst) echo "$here/dict/$1.dict" ;;
    esac
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
summary=""
mkdir -p "$build/fuzz-logs"
cd "$build/fuzz-logs" # -jobs writes fuzz-N.log files into the current directory
for t in $targets; do
    corpus=$build/fuzz-corpus/$t
    artifacts=$build/fuzz-artifacts/$t
    log=$build/fuzz-logs/$t.log
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    dict=$(dict_of "$t")
    set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$artifacts/"
    [ -n "$dict" ] && set -- "$@" -dict="$dict"
    [ "$jobs" -gt 1 ] && set -- "$@" -jobs="$jobs" -workers="$jobs"
    echo "== fuzz_$t: $seconds s (log: $log)"
    # shellcheck disable=SC2086
    if "$build/tests/fuzz/fuzz_$t" "$@" ${PW_FUZZ_FLAGS:-} "$corpus" "$here/corpus/$t" \
        >"$log" 2>&1; then
        result=ok
    else
        result=FAILED
        status=1
        grep -E "ERROR|fuzz invariant failed|runtime error|Test unit written" "$log" | head -5
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    summary="$summary
fuzz_$t: $result, ${execs:-?} runs, ${cov:-cov: ?}"
done
echo "== summary ($seconds s each)$summary"
exit $status
