#!/usr/bin/env bash
# Long fuzzing runs (not CI, which runs each target briefly in scripts/test.sh).
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# Builds the libFuzzer targets in build-fuzz/ (clang-14, ASan + UBSan), then runs each for
# SECONDS_PER_TARGET (default 600) with its committed seed corpus (fuzz/corpus/NAME) and
# dictionary (fuzz/dict/NAME.dict), growing a kept corpus in fuzz/corpus-run/NAME (git-ignored)
# that the next run starts from. FUZZ_JOBS targets run at once (default: the number of cores).
# Findings (crash-*, timeout-*, oom-*) land in fuzz/findings/NAME; a summary of executions,
# coverage and findings per target is printed at the end and written to fuzz/corpus-run/summary.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
all=(plan tables target normalize prompt safetensors diffusers_config image audit_suite)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi

CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDEPICT_FUZZ=ON -DDEPICT_TESTS=OFF -DDEPICT_BENCH=OFF >/dev/null
ninja -C build-fuzz $(printf '%s_fuzz ' "${targets[@]}")

# Per-target input limits: prompts are at most ~4 KB, files bigger.
max_len() {
  case $1 in
    plan|prompt|normalize) echo 4200 ;;
    tables) echo 20000 ;;
    target|diffusers_config) echo 8192 ;;
    safetensors) echo 16384 ;;
    image) echo 65536 ;;
  esac
}

run_one() {
  local name=$1 seconds=$2
  local corpus=fuzz/corpus-run/$name findings=fuzz/findings/$name
  mkdir -p "$corpus" "$findings"
  local seeds=fuzz/corpus/$name
  [ "$name" = prompt ] && seeds=fuzz/corpus/plan  # A1111 prompts are prompts too
  [ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  if [ "$name" = tables ] && [ -z "$(ls -A "$corpus")" ]; then
    cp data/places/populations.tsv data/safety/rules.tsv "$corpus"/
  fi
  local dict=()
  [ -f "fuzz/dict/$name.dict" ] && dict=(-dict="fuzz/dict/$name.dict")
  local log=fuzz/corpus-run/$name.log
  local start=$SECONDS
  /usr/bin/time -f 'cpu_seconds: %U %S' -o "$log.time" \
    build-fuzz/fuzz/"${name}"_fuzz "$corpus" "${dict[@]}" -max_total_time="$seconds" \
    -max_len="$(max_len "$name")" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$findings/" >"$log" 2>&1 || true
  local cpu
  cpu=$(awk '/cpu_seconds/ {printf "%d", $2 + $3}' "$log.time" 2>/dev/null || echo '?')
  local execs cov
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  printf '%-18s wall %5ss cpu %5ss %11s execs  %-22s corpus %5s  findings %s\n' "$name" \
    "$((SECONDS - start))" "$cpu" "$execs" "${cov:-cov: ?}" "$(ls "$corpus" | wc -l)" \
    "$(ls "$findings" | wc -l)"
}
export -f run_one max_len

jobs=${FUZZ_JOBS:-$(nproc)}
mkdir -p fuzz/corpus-run
printf '%s\n' "${targets[@]}" |
  xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} "$seconds" | tee fuzz/corpus-run/summary
if find fuzz/findings -type f | grep -q .; then
  echo "findings:" && find fuzz/findings -type f
  exit 1
fi
