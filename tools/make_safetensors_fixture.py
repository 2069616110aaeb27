#!/usr/bin/env python3
"""Writes the safetensors compatibility fixture with the reference `safetensors` package.

tests/tensor/safetensors_test.cc reads the two files this writes and checks that depict's reader
sees exactly what the reference writer stored:

  tests/fixtures/safetensors/reference.safetensors  F32, F16 and BF16 tensors of known values
      (signed zero, infinities, NaN, subnormals, the largest finite values, a scalar, an empty
      tensor), an I64 tensor (checkpoints carry one; depict lists it but does not load it), a
      non-ASCII name and __metadata__.
  tests/fixtures/safetensors/reference.json  for each tensor: name, dtype, shape, the
      data_offsets the reference wrote, and the values (floats; "inf", "-inf" and "nan" as
      strings since JSON has no such numbers; integers for I64).

The reference writer stores tensors largest dtype first, so it never produces an offset that is
misaligned for its type; the C++ test builds such a file by hand instead.

Run it only to regenerate the fixture (the output is committed and is deterministic):

  python3 -m venv /tmp/st-venv
  /tmp/st-venv/bin/pip install safetensors==0.8.0 numpy
  /tmp/st-venv/bin/python tools/make_safetensors_fixture.py
"""

import json
import math
import os
import struct
import sys

import numpy as np
import safetensors

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures",
                       "safetensors")

INF = float("inf")
NAN = float("nan")

# name -> (dtype, shape, values). F32 and F16 values are rounded by numpy (0.1 is stored as the
# nearest float); reference.json lists the values as stored, so the C++ side compares exactly.
# BF16 values must be exactly representable (numpy has no bfloat16 to round them).
TENSORS = {
    "unet.conv_in.weight": ("F32", [2, 3], [0.0, -0.0, 1.0, -2.5, 0.1, 3.4028234663852886e38]),
    "unet.conv_in.bias": ("F32", [4], [INF, -INF, NAN, 1.401298464324817e-45]),
    "vae.scale": ("F32", [], [0.18215]),
    "vae.empty": ("F32", [0, 3], []),
    "text.f16": ("F16", [2, 2, 2],
                 [1.0, -2.5, 65504.0, 2.0**-14, 2.0**-24, 0.0999755859375, -0.0, INF]),
    "text.f16_odd": ("F16", [3], [0.5, -65504.0, NAN]),
    "clip.bf16": ("BF16", [5], [1.0, -3.140625, 2.0**-133, 3.3895313892515355e38, -INF]),
    "clip.\u00fcnicode": ("BF16", [1, 1], [-0.0]),
    "text_model.embeddings.position_ids": ("I64", [1, 4], [0, 1, 2, 3]),
}

METADATA = {"format": "pt", "note": "depict safetensors fixture \u00e9"}


def to_bytes(dtype, values):
    if dtype == "F32":
        return np.array(values, dtype="<f4")
    if dtype == "F16":
        return np.array(values, dtype="<f2")
    if dtype == "BF16":
        bits = np.array(values, dtype="<f4").view("<u4")
        if np.any(bits & 0xFFFF):
            sys.exit("a BF16 value is not exactly representable")
        return (bits >> 16).astype("<u2")
    if dtype == "I64":
        return np.array(values, dtype="<i8")
    raise ValueError(dtype)


def stored_values(dtype, array):
    """The values as stored, as Python ints or floats (every F32, F16 and BF16 value is exactly
    a double)."""
    if dtype == "I64":
        return [int(x) for x in array]
    if dtype == "BF16":
        array = (array.astype("<u4") << 16).view("<f4")
    return [float(x) for x in array]


def main():
    arrays = {name: to_bytes(dtype, values) for name, (dtype, _, values) in TENSORS.items()}
    for name, (dtype, shape, values) in TENSORS.items():
        if int(np.prod(shape)) != len(values):
            sys.exit(f"{name}: shape and values disagree")
    specs = {
        name: safetensors.TensorSpec(dtype={"F32": "float32", "F16": "float16",
                                            "BF16": "bfloat16", "I64": "int64"}[dtype],
                                     shape=shape, data_ptr=arrays[name].ctypes.data,
                                     data_len=arrays[name].nbytes)
        for name, (dtype, shape, _) in TENSORS.items()
    }
    data = bytes(safetensors.serialize(specs, metadata=METADATA))

    # Read the layout back from the reference's own header, and check its reader agrees.
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len])
    loaded = dict(safetensors.deserialize(data))
    expected = []
    for name, (dtype, shape, _) in TENSORS.items():
        values = stored_values(dtype, arrays[name])
        if header[name]["dtype"] != dtype or loaded[name]["data"] != arrays[name].tobytes():
            sys.exit(f"{name}: the reference reader disagrees")
        encoded = [v if isinstance(v, int) else ("nan" if math.isnan(v) else
                                                 "inf" if v == INF else
                                                 "-inf" if v == -INF else v) for v in values]
        expected.append({"name": name, "dtype": dtype, "shape": shape,
                         "data_offsets": header[name]["data_offsets"], "values": encoded})

    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, "reference.safetensors"), "wb") as f:
        f.write(data)
    with open(os.path.join(OUT_DIR, "reference.json"), "w", encoding="utf-8") as f:
        json.dump({"generator": f"safetensors {safetensors.__version__}", "metadata": METADATA,
                   "tensors": expected}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(data)} bytes, {len(TENSORS)} tensors to {os.path.normpath(OUT_DIR)}")


if __name__ == "__main__":
    main()
