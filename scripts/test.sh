#!/usr/bin/env bash
# Quick start, step 2: the whole test suite, as CI runs it.
#   1. release build with warnings as errors, unit and CLI tests (ctest)
#   2. the dev casting suite (../shared/suites/dev_plan.jsonl) and tests/suites/extended_plan.jsonl,
#      scored by ../shared/tools/check_plan.py when shared/ is beside the repo, and the audit's
#      release gate (depict audit on data/suites/ with data/suites/thresholds.json)
#   3. ASan + UBSan build of everything, tests again
#   4. every libFuzzer target for a bounded time (FUZZ_SECONDS, default 60 for the planner, half
#      that for the others: tables, target distributions, prompt normalisation, the engine's
#      prompt parsing, safetensors, diffusers configs, image decoding, audit suites and
#      thresholds)
#   5. clang-format check of every C++ file
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== dependencies"
scripts/install-deps.sh
scripts/fetch-models.sh
# The real HTTP clients the service tests drive `depict serve` with (pinned), in a venv.
python3 -m venv build/pyenv
build/pyenv/bin/pip install -q --disable-pip-version-check -r tests/service/requirements.txt

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
  # Issue 8's suites (history, titles and power, groups and credits): floors just under today's
  # pass rates, so what works cannot silently break; tests/suites/README.md says what fails.
  echo "== encoding-bypass suite (must pass every case)"
  python3 ../shared/tools/check_plan.py -q --suite tests/suites/safety/encoding_bypass_plan.jsonl \
    --depict build/depict
  # Issue 9's safety twins (harmful and benign versions of one scene) and adversarial forms must
  # pass every case; the suites first measured blind have floors just under today's rates, and
  # tests/suites/safety/README.md lists what still fails.
  for suite in sexual_twins:100 violence_selfharm_twins:100 hate_extremism_person_twins:100 \
    adversarial_forms:100 fresh_issue9:100 fresh2_issue9:99 fresh3_issue9:98 fresh4_issue9:98 \
    fresh5_issue9:98 fresh6_issue9:99 fresh7_issue9:99 fresh8_issue9:99 fresh9_issue9:99 \
    fresh10_issue9:100 fresh11_issue9:99 fresh12_issue9:99 fresh13_issue9:99 fresh14_issue9:99 \
    fresh15_issue9:97 fresh16_issue9:99 fresh17_issue9:94 fresh18_issue9:91; do
    echo "== safety suite ${suite%%:*}"
    python3 ../shared/tools/check_plan.py -q --suite "tests/suites/safety/${suite%%:*}_plan.jsonl" \
      --depict build/depict --min-pct "${suite##*:}"
  done
  for suite in history_events:73 titles_power:85 groups_credits_family:82 fresh_issue8:74 \
    fresh2_issue8:80 fresh3_issue8:70 fresh4_issue8:81 fresh5_issue8:74 fresh6_issue8:89 \
    fresh7_issue8:78 fresh8_issue8:87 fresh9_issue8:86 fresh10_issue8:80 fresh11_issue8:62; do
    echo "== ${suite%%:*} casting suite"
    python3 ../shared/tools/check_plan.py -q --suite "tests/suites/${suite%%:*}_plan.jsonl" \
      --depict build/depict --min-pct "${suite##*:}"
  done
  # Issue 10's suites, one per language and one of mixed prompts (casting and safety twins,
  # written blind by helpers fluent in each): floors just under today's rates;
  # tests/suites/lang/README.md says what fails and why.
  for suite in ar:68 de:78 es:75 fr:72 hi:79 it:74 ja:69 ko:58 mixed:77 pt:61 ru:67 zh:80 \
    fresh_lang:70 fresh_lang_safety:90 fresh2_lang_safety:87 fresh3_lang_safety:79 \
    fresh4_lang_safety:78 fresh5_lang_safety:85 fresh6_lang_safety:85 fresh7_lang_safety:83 \
    fresh8_lang_safety:79 fresh9_lang_safety:86; do
    echo "== ${suite%%:*} language suite"
    python3 ../shared/tools/check_plan.py -q --suite "tests/suites/lang/${suite%%:*}_plan.jsonl" \
      --depict build/depict --min-pct "${suite##*:}"
  done
fi

# Issue 13's release gate, as the README shows it: the audit on its shipped suites, in plan mode.
echo "== audit release gate (data/suites/thresholds.json)"
build/depict audit --suite history --suite named --suite explicit --suite occupations \
  --suite benign --suite harmful --gate data/suites/thresholds.json --out build/audit-out

echo "== ASan + UBSan build and tests"
CC=clang-14 CXX=clang++-14 cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DDEPICT_WERROR=ON -DDEPICT_SANITIZE=ON -DDEPICT_BENCH=OFF >/dev/null
ninja -C build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

echo "== fuzzing (bounded; scripts/fuzz.sh runs the long campaigns)"
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDEPICT_FUZZ=ON -DDEPICT_TESTS=OFF -DDEPICT_BENCH=OFF >/dev/null
targets=(plan tables target normalize prompt safetensors diffusers_config image audit_suite)
ninja -C build-fuzz -j "$jobs" $(printf '%s_fuzz ' "${targets[@]}")
seconds=${FUZZ_SECONDS:-60}
work=$(mktemp -d)
for name in "${targets[@]}"; do
  mkdir -p "$work/$name"
  seeds=fuzz/corpus/$name
  [ "$name" = prompt ] && seeds=fuzz/corpus/plan
  [ "$name" = tables ] && cp data/places/populations.tsv data/safety/rules.tsv "$work/$name/"
  [ -d "$seeds" ] && cp "$seeds"/* "$work/$name/"
  dict=()
  [ -f "fuzz/dict/$name.dict" ] && dict=(-dict="fuzz/dict/$name.dict")
  time=$((seconds / 2))
  [ "$name" = plan ] && time=$seconds
  echo "-- ${name}_fuzz (${time}s)"
  build-fuzz/fuzz/"${name}"_fuzz -max_total_time="$time" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$work/" "${dict[@]}" "$work/$name" 2>&1 | tail -2
done
rm -rf "$work"

echo "== clang-format"
files=$(git ls-files '*.cc' '*.h')
clang-format-14 --dry-run --Werror $files

echo "all checks passed"
