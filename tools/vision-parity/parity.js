#!/usr/bin/env node
// Runs the original face-api and nsfwjs models (TF.js on its wasm backend) and writes the
// reference outputs depict's vision tests compare against, to tests/fixtures/vision/:
//   <name>.f32     raw output tensors, float32 little-endian, row-major
//   parity.json    the shapes of those tensors, the synthetic inputs that made them and the
//                  final results (boxes, scores, landmarks, age, gender, NSFW classes) for the
//                  committed test images
//
// Setup, once (node_modules/ is git-ignored; versions pinned in package.json):
//   cd tools/vision-parity && npm install --ignore-scripts
//   scripts/fetch-models.sh   # the weights under models/
//   node tools/vision-parity/parity.js
//
// Synthetic inputs are integer hashes, reproduced bit for bit in C++ (tests/vision/fixtures.h):
//   value(i) = (i * 2654435761 mod 2^32) >> 24, for i over the tensor in row-major order.
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");

const tf = require("@tensorflow/tfjs");
require("@tensorflow/tfjs-backend-wasm");
const faceapi = require("@vladmandic/face-api/dist/face-api.node-wasm.js");
const nsfwjs = require("nsfwjs");

const root = path.resolve(__dirname, "../..");
const models = path.join(root, "models");
const out = path.join(root, "tests/fixtures/vision");

function hashValues(n) {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.imul(i, 2654435761) >>> 24;
  return v;
}

function hashImage(h, w) {
  return tf.tensor3d(hashValues(h * w * 3), [h, w, 3], "float32");
}

// 8-bit RGB (or RGBA), non-interlaced PNG: the committed test images.
function readPng(file) {
  const data = fs.readFileSync(file);
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 3;
  const idat = [];
  while (pos < data.length) {
    const len = data.readUInt32BE(pos);
    const kind = data.toString("latin1", pos + 4, pos + 8);
    const body = data.subarray(pos + 8, pos + 8 + len);
    if (kind === "IHDR") {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      if (body[8] !== 8 || (body[9] !== 2 && body[9] !== 6) || body[12] !== 0) {
        throw new Error(file + ": needs 8-bit RGB or RGBA, not interlaced");
      }
      channels = body[9] === 6 ? 4 : 3;
    } else if (kind === "IDAT") {
      idat.push(body);
    }
    pos += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i];
      const a = i >= channels ? pixels[y * stride + i - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
      const c = i >= channels && y > 0 ? pixels[(y - 1) * stride + i - channels] : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + i] = (x + pred) & 255;
    }
  }
  const rgb = new Int32Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    for (let ch = 0; ch < 3; ch++) rgb[p * 3 + ch] = pixels[p * channels + ch];
  }
  return tf.tensor3d(rgb, [height, width, 3], "int32");
}

const index = { tensors: {}, inputs: {}, images: {} };

async function save(name, tensor, input) {
  const data = await tensor.data();
  const f32 = Float32Array.from(data);
  fs.writeFileSync(path.join(out, name + ".f32"), Buffer.from(f32.buffer));
  index.tensors[name] = { shape: tensor.shape };
  if (input) index.inputs[name] = input;
}

function layersModelHandler(dir) {
  return {
    load: async () => {
      const model = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8"));
      const buffers = [];
      for (const group of model.weightsManifest) {
        for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
      }
      const all = Buffer.concat(buffers);
      return {
        modelTopology: model.modelTopology,
        weightSpecs: model.weightsManifest.flatMap((g) => g.weights),
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.length),
      };
    },
  };
}

function faceResult(f) {
  const r = {
    box: f.detection.box,
    score: f.detection.score,
  };
  if (f.landmarks) {
    r.landmarks = f.landmarks.positions.map((p) => [p.x, p.y]);
    r.aligned = f.alignedRect.box;
  }
  if (f.age !== undefined) {
    r.age = f.age;
    r.gender = f.gender;
    r.genderProbability = f.genderProbability;
  }
  return r;
}

async function main() {
  await tf.setBackend("wasm");
  await tf.ready();
  const fa = path.join(models, "face-api");
  await faceapi.nets.tinyFaceDetector.loadFromDisk(fa);
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(fa);
  await faceapi.nets.faceLandmark68TinyNet.loadFromDisk(fa);
  await faceapi.nets.ageGenderNet.loadFromDisk(fa);
  const nsfw = new nsfwjs.NSFWJS(layersModelHandler(path.join(models, "nsfwjs/mobilenet_v2")), {
    size: 224,
  });
  await nsfw.load();

  // Bilinear resizing, both corner modes, on a small non-square input.
  {
    const x = hashImage(5, 7).expandDims(0);
    await save("resize_false", tf.image.resizeBilinear(x, [9, 4], false), { h: 5, w: 7 });
    await save("resize_true", tf.image.resizeBilinear(x, [9, 4], true), { h: 5, w: 7 });
  }
  // Each network on a synthetic input that is not its own size, so preprocessing is covered.
  {
    const x = hashImage(200, 300);
    await save("tiny_raw", await faceapi.nets.tinyFaceDetector.forward(x, 416), {
      h: 200, w: 300, size: 416,
    });
    await save("tiny_raw_320", await faceapi.nets.tinyFaceDetector.forward(hashImage(320, 320), 320), {
      h: 320, w: 320, size: 320,
    });
  }
  {
    const x = hashImage(90, 70);
    await save("landmarks_raw", await faceapi.nets.faceLandmark68TinyNet.forward(x), { h: 90, w: 70 });
    const ag = await faceapi.nets.ageGenderNet.forward(x);
    await save("age_raw", ag.age, { h: 90, w: 70 });
    await save("gender_raw", ag.gender, { h: 90, w: 70 });
  }
  {
    const x = hashImage(150, 200);
    const extracted = nsfw.infer(x);
    await save("nsfw_raw", extracted, { h: 150, w: 200 });
    // The model.json + .bin that scripts/fetch-models.sh extracts must be the model nsfwjs itself
    // loads from its bundled .min.js modules.
    const bundled = await nsfwjs.load("MobileNetV2");
    const a = await extracted.data();
    const b = await bundled.infer(x).data();
    if (a.some((v, i) => v !== b[i])) throw new Error("extracted nsfwjs model differs from the bundled one");
  }
  {
    const x = hashImage(300, 400).expandDims(0);
    const net = faceapi.nets.ssdMobilenetv1;
    const { boxes, scores } = net.forwardInput(await faceapi.toNetInput(x));
    await save("ssd_boxes", boxes[0], { h: 300, w: 400 });
    await save("ssd_scores", scores[0], { h: 300, w: 400 });
  }

  // End to end on the committed images.
  for (const name of ["astronaut", "astronaut_medium", "astronaut_deep", "synthetic"]) {
    const img = readPng(path.join(out, name + ".png"));
    const res = { width: img.shape[1], height: img.shape[0] };
    const tiny = await faceapi
      .detectAllFaces(img, new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 }))
      .withFaceLandmarks(true)
      .withAgeAndGender();
    res.tiny = tiny.map(faceResult);
    const ssd = await faceapi
      .detectAllFaces(img, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 }))
      .withFaceLandmarks(true)
      .withAgeAndGender();
    res.ssd = ssd.map(faceResult);
    const classes = await nsfw.classify(img, 5);
    res.nsfw = Object.fromEntries(classes.map((c) => [c.className, c.probability]));
    index.images[name] = res;
  }
  index.versions = {
    tfjs: tf.version.tfjs, backend: tf.getBackend(), faceapi: faceapi.version, nsfwjs: "4.4.0",
  };
  fs.writeFileSync(path.join(out, "parity.json"), JSON.stringify(index, null, 1) + "\n");
  console.log("wrote", out);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
