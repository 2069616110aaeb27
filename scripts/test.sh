#!/usr/bin/env bash
# Quick start, step 2: the whole test suite, as CI runs it.
#   1. release build with warnings as errors, unit and CLI tests (ctest)
#   2. the dev casting suite (../shared/suites/dev_plan.jsonl) and tests/suites/extended_plan.jsonl,
#      scored by ../shared/tools/check_plan.py when shared/ is beside the repo
#   3. ASan + UBSan build of everything, tests again
#   4. libFuzzer targets for a bounded time (FUZZ_SECONDS, default 60 for the planner, half that
#      for the table parsers, the safetensors reader, the engine's prompt parsing and image
#      decoding)
#   5. clang-format check of every C++ file
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== dependencies"
scripts/install-deps.sh
scripts/fetch-models.sh

echo "== release build (-Werror) and tests"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DDEPICT_WERROR=ON >/dev/null
ninja -C build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

if [ -f ../shared/suites/dev_plan.jsonl ] && [ -f ../shared/tools/check_plan.py ]; then
  echo "== dev casting suite (must pass every case)"
  python3 ../shared/tools/check_plan.py -q --suite ../shared/suites/dev_plan.jsonl --depict build/depict
  # Our own wider suites, written from the rules rather than from the code; the cases still
  # failing are listed in tests/suites/README.md.
  echo "== extended casting suite"
  python3 ../shared/tools/check_plan.py --suite tests/suites/extended_plan.jsonl \
    --depict build/depict --min-pct 99
  echo "== hard casting suite"
  python3 ../shared/tools/check_plan.py --suite tests/suites/hard_plan.jsonl \
    --depict build/depict --min-pct 95
fi

echo "== ASan + UBSan build and tests"
CC=clang-14 CXX=clang++-14 cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DDEPICT_WERROR=ON -DDEPICT_SANITIZE=ON -DDEPICT_BENCH=OFF >/dev/null
ninja -C build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

echo "== fuzzing (bounded)"
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDEPICT_FUZZ=ON -DDEPICT_TESTS=OFF -DDEPICT_BENCH=OFF >/dev/null
ninja -C build-fuzz -j "$jobs" plan_fuzz tables_fuzz safetensors_fuzz prompt_fuzz image_fuzz
seconds=${FUZZ_SECONDS:-60}
work=$(mktemp -d)
cp fuzz/corpus/plan/* "$work/"
build-fuzz/fuzz/plan_fuzz -max_total_time="$seconds" -max_len=4200 -timeout=10 \
  -print_final_stats=1 "$work" 2>&1 | tail -4
mkdir -p "$work/tables"
cp data/places/populations.tsv data/safety/rules.tsv "$work/tables/"
build-fuzz/fuzz/tables_fuzz -max_total_time=$((seconds / 2)) -max_len=20000 -timeout=10 \
  "$work/tables" 2>&1 | tail -2
mkdir -p "$work/safetensors"
cp fuzz/corpus/safetensors/* "$work/safetensors/"
build-fuzz/fuzz/safetensors_fuzz -max_total_time=$((seconds / 2)) -max_len=16384 -timeout=10 \
  "$work/safetensors" 2>&1 | tail -2
mkdir -p "$work/prompt"
cp fuzz/corpus/plan/* "$work/prompt/"
build-fuzz/fuzz/prompt_fuzz -max_total_time=$((seconds / 2)) -max_len=4096 -timeout=10 \
  "$work/prompt" 2>&1 | tail -2
mkdir -p "$work/image"
cp fuzz/corpus/image/* "$work/image/"
build-fuzz/fuzz/image_fuzz -max_total_time=$((seconds / 2)) -max_len=65536 -timeout=10 \
  -rss_limit_mb=2048 "$work/image" 2>&1 | tail -2
rm -rf "$work"

echo "== clang-format"
files=$(git ls-files '*.cc' '*.h')
clang-format-14 --dry-run --Werror $files

echo "all checks passed"
