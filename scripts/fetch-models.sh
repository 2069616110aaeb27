#!/usr/bin/env bash
# Puts the model files depict's engine and tests need under models/ (git-ignored). Idempotent:
# a file already there with the pinned sha256 is kept, so the test script calls this every run.
#
#   models/clip/bpe_simple_vocab_16e6.txt.gz
#       CLIP's BPE vocabulary (the merges its 49,408-token vocabulary is built from), for
#       single-file checkpoints, which carry no tokenizer. Taken from the open_clip_torch wheel
#       on PyPI, downloaded with pip at a pinned version; the wheel and the file are checked
#       against the sha256 sums below.
set -euo pipefail
cd "$(dirname "$0")/.."

OPEN_CLIP_VERSION=3.3.0
WHEEL=open_clip_torch-${OPEN_CLIP_VERSION}-py3-none-any.whl
WHEEL_SHA256=c549ad5ed6bfc119cc11105033c0a2b9d7a2a4afeb40a58a09aab3da1a0043ce
VOCAB_MEMBER=open_clip/bpe_simple_vocab_16e6.txt.gz
VOCAB=models/clip/bpe_simple_vocab_16e6.txt.gz
VOCAB_SHA256=924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a

sha256_ok() {  # FILE SHA256
  [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

if sha256_ok "$VOCAB" "$VOCAB_SHA256"; then
  exit 0
fi

if ! python3 -m pip --version >/dev/null 2>&1; then
  echo "fetch-models: pip is needed to download $WHEEL (scripts/install-deps.sh installs" \
    "python3-pip)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "fetch-models: downloading $WHEEL for $VOCAB" >&2
python3 -m pip download --quiet --no-deps --only-binary=:all: --no-cache-dir \
  --disable-pip-version-check "open_clip_torch==${OPEN_CLIP_VERSION}" -d "$work"
if ! sha256_ok "$work/$WHEEL" "$WHEEL_SHA256"; then
  echo "fetch-models: $WHEEL does not have the pinned sha256 $WHEEL_SHA256" >&2
  exit 1
fi

mkdir -p "$(dirname "$VOCAB")"
python3 - "$work/$WHEEL" "$VOCAB_MEMBER" "$work/vocab.gz" <<'EOF'
import sys
import zipfile

with zipfile.ZipFile(sys.argv[1]) as wheel:
    data = wheel.read(sys.argv[2])
with open(sys.argv[3], "wb") as out:
    out.write(data)
EOF
if ! sha256_ok "$work/vocab.gz" "$VOCAB_SHA256"; then
  echo "fetch-models: $VOCAB_MEMBER in $WHEEL does not have the pinned sha256 $VOCAB_SHA256" >&2
  exit 1
fi
# Move into place in one step, so an interrupted run never leaves a partial file behind.
cp "$work/vocab.gz" "$VOCAB.tmp.$$"
mv -f "$VOCAB.tmp.$$" "$VOCAB"
echo "fetch-models: wrote $VOCAB" >&2
