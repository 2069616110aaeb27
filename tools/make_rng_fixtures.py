#!/usr/bin/env python3
"""Writes the seed-compatibility fixtures in tests/fixtures/rng/ from the reference tools.

tests/diffusion/rng_test.cc checks that depict's noise generators (src/diffusion/rng.h) give the
numbers these tools give for the same seeds:

  cpu           torch.Generator().manual_seed(seed); torch.randn(shape, generator=g) on the CPU,
                float32, with PyTorch's AVX2 kernel (x86-64; ComfyUI, A1111 "CPU").
  cpu-generic   the same with PyTorch's portable kernel (ATEN_CPU_CAPABILITY=default: what
                ARM64 and machines without AVX2 run).
  philox        A1111's own modules/rng_philox.py (its "NV" source, which reproduces
                torch.randn on CUDA), imported from an A1111 checkout given on the command line.

Usage (from anywhere; nothing is downloaded by this script):

  python3 tools/make_rng_fixtures.py cpu            # needs torch; writes cpu.json
  python3 tools/make_rng_fixtures.py cpu-generic    # the same under ATEN_CPU_CAPABILITY=default
  python3 tools/make_rng_fixtures.py philox A1111_DIR   # needs numpy; writes philox.json

Run again with another torch (or numpy), a tool that gives the same noise is added to the file's
"sources"; one that does not gets a file of its own, NAME-VERSION.json, which the test also
checks (and which then fails: depict matches one behaviour per generator).

How the committed fixtures were made (Debian 12, x86-64 with AVX-512; A1111_DIR holds A1111's
modules/rng_philox.py as of A1111 commit ef1698fd6dbd, sha256 3f711d9e...):
  apt-get install -y python3-torch                  # torch 1.13.1 (reports 1.13.0a0), numpy 1.24
  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch==2.15.0 numpy   # numpy 2.4
  for py in /usr/bin/python3 /tmp/venv/bin/python; do
    $py tools/make_rng_fixtures.py cpu
    $py tools/make_rng_fixtures.py cpu-generic
    $py tools/make_rng_fixtures.py philox A1111_DIR
  done
torch 1.13.1 and 2.15.0 give identical noise on each kernel, and numpy 1.24 and 2.4 identical
philox noise, so each file lists both sources. PyTorch dispatches its AVX2 normal kernel on
AVX-512 machines too (1.13 reports AVX2 there, 2.15 AVX512: the output is the same).

Each file lists cases; a case is one generator (one seed) and the draws made from it in order
(or a batch, made the way A1111 or ComfyUI makes one). For each draw it records the shape, the
first values (all of them for small draws), every stride-th value after those, the sum and sum
of squares of all values (float64) and an FNV-1a 64 hash of all the float32 values' bytes
(little-endian), which the C++ test uses to check that the whole draw is bit-identical.
"""

import argparse
import hashlib
import importlib.util
import json
import os
import subprocess
import sys

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures",
                       "rng")

SEEDS = [0, 1, 42, 123456789, 2**32 - 1]
# Shapes drawn from a fresh generator for every seed: the SD 1.x latent of a 512x512 image, a
# small latent, sizes below 16 (torch's scalar path) and above 16 but not a multiple of it.
SHAPES = [[1, 4, 64, 64], [1, 4, 8, 8], [1], [7], [15], [16], [17], [33]]
FIRST = 256  # values recorded from the start of a draw
SAMPLE = 48  # values recorded at a stride through the rest of a large draw


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def record(values, np):
    """The JSON description of one draw (values: a float32 numpy array of any shape)."""
    flat = np.ascontiguousarray(values, dtype=np.float32).reshape(-1)
    n = int(flat.size)
    out = {"shape": [int(d) for d in values.shape],
           "first": [float("%.9g" % v) for v in flat[:FIRST]]}
    if n > FIRST:
        stride = max(1, (n - FIRST) // SAMPLE)
        out["stride"] = stride
        out["sample"] = [float("%.9g" % v) for v in flat[FIRST::stride][:SAMPLE]]
    wide = flat.astype(np.float64)
    out["sum"] = float(wide.sum())
    out["sum_sq"] = float((wide * wide).sum())
    out["fnv1a64"] = "%016x" % fnv1a64(flat.astype("<f4").tobytes())
    return out


def make_cases(randn_from, np):
    """randn_from(seed) returns a function shape -> float32 array, drawing from one generator."""
    cases = []
    for seed in SEEDS:
        for shape in SHAPES:
            draw = randn_from(seed)
            cases.append({"seed": seed, "draws": [record(draw(shape), np)]})
    # Consecutive draws from one generator: the state (and torch's cached scalar-path value)
    # carries over from draw to draw.
    for seed in [7, 2024]:
        draw = randn_from(seed)
        cases.append({"seed": seed, "draws": [record(draw(shape), np) for shape in
                                              [[7], [4, 4], [3], [1, 4, 8, 8], [5], [33], [1]]]})
    # Seeds above 2^32 - 1 (A1111 adds the batch index to the seed; torch keeps 32 bits for the
    # CPU generator, philox keys with all 64).
    for seed in [2**32 + 5, 2**63 + 12345]:
        draw = randn_from(seed)
        cases.append({"seed": seed, "draws": [record(draw([1, 4, 8, 8]), np)]})
    return cases


def batch_cases(randn_from, np):
    """A1111's ImageRNG (a generator per image, seed + i) and ComfyUI's prepare_noise (one
    generator for the whole batch), each drawn twice: initial noise, then an ancestral step."""
    cases = []
    for seed in [42, 2**32 - 2]:
        batch, image = 3, [4, 8, 8]
        gens = [randn_from(seed + i) for i in range(batch)]
        draws = [record(np.stack([g(image) for g in gens]), np) for _ in range(2)]
        cases.append({"seed": seed, "batch": batch, "image_shape": image, "seeding": "per_image",
                      "draws": draws})
        one = randn_from(seed)
        draws = [record(one([batch] + image), np) for _ in range(2)]
        cases.append({"seed": seed, "batch": batch, "image_shape": image,
                      "seeding": "single_stream", "draws": draws})
    return cases


def write(name, payload):
    """Writes OUT_DIR/name.json, or, when it already holds the same cases (another torch version
    that gives the same noise), adds this source to its list; different cases go to a file
    named after the source's version instead."""
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name + ".json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old = json.load(f)
        if old["cases"] == payload["cases"]:
            if payload["sources"][0] not in old["sources"]:
                old["sources"] += payload["sources"]
            payload = old
        else:
            print("%s: the cases differ from those of %s" % (path, old["sources"]))
            path = os.path.join(OUT_DIR, "%s-%s.json" % (name, payload["version"]))
    payload.pop("version", None)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(payload, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes")


def make_cpu(generic):
    if generic:
        os.environ["ATEN_CPU_CAPABILITY"] = "default"  # must be set before torch loads
    import numpy as np
    import torch

    def randn_from(seed):
        g = torch.Generator().manual_seed(seed)
        return lambda shape: torch.randn(shape, generator=g, dtype=torch.float32).numpy()

    try:
        capability = torch.backends.cpu.get_cpu_capability()
    except AttributeError:  # torch 1.x
        capability = torch.__config__.show().split("CPU capability usage:")[1].split()[0]
    generator = "cpu-generic" if generic else "cpu"
    if generic != (capability in ("DEFAULT", "NO")):
        sys.exit("torch uses the %s kernel here; %s needs %s" %
                 (capability, generator, "the default one" if generic else "AVX2 or AVX512"))
    write(generator, {
        "generator": generator,
        "sources": ["torch %s, CPU capability %s: torch.Generator().manual_seed(seed); "
                    "torch.randn(shape, generator=g)" % (torch.__version__, capability)],
        "version": "torch" + torch.__version__.split("+")[0],
        "cases": make_cases(randn_from, np) + batch_cases(randn_from, np),
    })


def make_philox(a1111_dir):
    import numpy as np
    path = os.path.join(a1111_dir, "modules", "rng_philox.py")
    spec = importlib.util.spec_from_file_location("rng_philox", path)
    rng_philox = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rng_philox)

    def randn_from(seed):
        g = rng_philox.Generator(seed)
        return lambda shape: g.randn(shape)

    with open(path, "rb") as f:
        digest = "sha256 " + hashlib.sha256(f.read()).hexdigest()
    try:
        commit = subprocess.run(["git", "-C", a1111_dir, "rev-parse", "HEAD"], check=True,
                                capture_output=True, text=True).stdout.strip()
        digest = "commit %s, %s" % (commit, digest)
    except (OSError, subprocess.CalledProcessError):
        pass
    write("philox", {
        "generator": "philox",
        "sources": ["AUTOMATIC1111 stable-diffusion-webui modules/rng_philox.py (%s), numpy %s: "
                    "Generator(seed).randn(shape)" % (digest, np.__version__)],
        "version": "numpy" + np.__version__,
        "cases": make_cases(randn_from, np) + batch_cases(randn_from, np),
    })


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("generator", choices=["cpu", "cpu-generic", "philox"])
    parser.add_argument("a1111_dir", nargs="?", help="an A1111 checkout (for philox)")
    args = parser.parse_args()
    if args.generator == "philox":
        if not args.a1111_dir:
            parser.error("philox needs the path of an A1111 checkout")
        make_philox(args.a1111_dir)
    else:
        make_cpu(args.generator == "cpu-generic")


if __name__ == "__main__":
    main()
