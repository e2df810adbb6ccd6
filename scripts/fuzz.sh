#!/usr/bin/env bash
# Builds the libFuzzer binaries of the request decoders (clang, ASan + UBSan, in build-fuzz/)
# and fuzzes one target for a while, growing its checked-in corpus (tests/fuzz/corpus/<target>/)
# with the new coverage it finds. The g++ build replays that corpus in CTest (fuzz_replay_*).
# Usage: scripts/fuzz.sh <target|list> [seconds=60] [extra libFuzzer flags...]
# Needs Debian's clang-14 and libclang-rt-14-dev (scripts/deps.sh test installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
targets=""
for f in tests/fuzz/*_fuzz.cpp; do f=${f##*/}; targets+="${f%_fuzz.cpp} "; done
target=${1:-}
if [ -z "$target" ] || [ "$target" = list ]; then
  echo "targets: $targets"
  [ -n "$target" ]; exit
fi
case " $targets " in *" $target "*) ;; *) echo "fuzz: unknown target '$target' (targets: $targets)" >&2; exit 1 ;; esac
seconds=${2:-60}
shift $(( $# > 1 ? 2 : 1 ))
CXX=${CXX:-clang++}
CC=${CC:-clang}
build=${K3S_FUZZ_BUILD_DIR:-build-fuzz}
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=$CC CXX=$CXX cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DK3S_FUZZ=ON \
    -DK3S_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" -j "${K3S_FUZZ_BUILD_JOBS:-2}" --target "fuzz_$target"
corpus=tests/fuzz/corpus/$target
artifacts=$build/fuzz-artifacts/$target
mkdir -p "$artifacts"
# New inputs go to a scratch directory first and are merged (minimised) into the corpus, so
# the checked-in corpus only grows by inputs that add coverage.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
"$build/tests/fuzz/fuzz_$target" "$scratch" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len="${K3S_FUZZ_MAX_LEN:-4096}" -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" || status=$?
"$build/tests/fuzz/fuzz_$target" -merge=1 "$corpus" "$scratch" >/dev/null 2>&1 || true
if [ "$status" -ne 0 ]; then
  echo "fuzz: $target failed (exit $status); reproducer(s) in $artifacts/:" >&2
  ls -1 "$artifacts" >&2
fi
exit "$status"
