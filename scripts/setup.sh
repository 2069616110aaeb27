#!/usr/bin/env bash
# Quick start, step 1: installs what depict needs (Debian 12 packages), builds it, and runs the
# main job on the embedded tables: plans a handful of example prompts and explains each decision.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/fetch-models.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build depict
build/depict demo
