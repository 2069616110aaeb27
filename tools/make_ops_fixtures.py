#!/usr/bin/python3
"""Generates reference inputs and outputs for tests/tensor/ops_test.cc with PyTorch.

Runs on Debian's PyTorch: `apt-get install -y python3-torch python3-numpy`, then from the
repository root:

    /usr/bin/python3 tools/make_ops_fixtures.py

Writes tests/fixtures/ops/: one little-endian f32 .bin file per tensor (`<case>.<name>.bin`) and
manifest.json, which lists each case's op, parameters, inputs and expected output with their
shapes. Shapes are small and odd on purpose (odd sizes, groups, stride 2, padding, Tq != Tk,
several attention query blocks); the folder stays well under 2 MB.

Inputs are drawn from fixed seeds. Weights marked "f16" or "bf16" are stored as f32 values that
are exactly representable in that dtype (rounded by torch), so the test can convert them
losslessly. References are computed in float64 from those same values and stored as f32.
"""

import json
import math
import os
import sys

import torch  # Tensor.numpy() below also needs python3-numpy
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "ops")

cases = []


def save(case, name, t):
    a = t.detach().to(torch.float32).contiguous().numpy().astype("<f4")
    fname = f"{case}.{name}.bin"
    a.tofile(os.path.join(OUT, fname))
    return {"file": fname, "shape": list(a.shape)}


def rand(gen, *shape, scale=1.0, offset=0.0):
    return torch.randn(*shape, generator=gen, dtype=torch.float32) * scale + offset


def rounded(t, dtype):
    if dtype == "f16":
        return t.to(torch.float16).to(torch.float32)
    if dtype == "bf16":
        return t.to(torch.bfloat16).to(torch.float32)
    return t


def add(name, op, inputs, output, params=None, dtypes=None):
    case = {"name": name, "op": op, "params": params or {}, "inputs": {}, "dtypes": dtypes or {}}
    for key, t in inputs.items():
        case["inputs"][key] = save(name, key, t)
    case["output"] = save(name, "out", output)
    cases.append(case)


def d(t):
    return t.to(torch.float64)


def conv_cases(gen):
    specs = [
        # name, N, C, H, W, O, k, stride, padding, groups, bias, weight dtype
        ("conv_3x3_pad1", 2, 5, 9, 7, 6, 3, 1, 1, 1, True, "f32"),
        ("conv_3x3_stride2", 1, 8, 11, 10, 4, 3, 2, 1, 1, True, "f32"),
        ("conv_3x3_stride2_pad0", 1, 6, 9, 9, 5, 3, 2, 0, 1, True, "f32"),
        ("conv_groups2", 2, 6, 7, 8, 4, 3, 1, 1, 2, True, "f32"),
        ("conv_depthwise", 1, 4, 6, 5, 4, 3, 1, 1, 4, False, "f32"),
        ("conv_1x1_nobias", 2, 7, 5, 6, 9, 1, 1, 0, 1, False, "f32"),
        ("conv_valid", 1, 3, 8, 7, 2, 3, 1, 0, 1, True, "f32"),
        ("conv_in_like", 2, 4, 8, 8, 32, 3, 1, 1, 1, True, "f32"),
        ("conv_wide", 1, 48, 6, 6, 40, 3, 1, 1, 1, True, "f32"),
        ("conv_f16", 2, 16, 7, 7, 24, 3, 1, 1, 1, True, "f16"),
        ("conv_bf16", 1, 12, 6, 9, 10, 3, 2, 1, 1, True, "bf16"),
    ]
    for name, n, c, h, w, o, k, s, p, g, has_bias, wdt in specs:
        x = rand(gen, n, c, h, w)
        fan_in = c // g * k * k
        wt = rounded(rand(gen, o, c // g, k, k, scale=1.0 / math.sqrt(fan_in)), wdt)
        b = rand(gen, o, scale=0.1) if has_bias else None
        y = F.conv2d(d(x), d(wt), d(b) if b is not None else None, stride=s, padding=p, groups=g)
        inputs = {"x": x, "weight": wt}
        if b is not None:
            inputs["bias"] = b
        add(name, "conv2d", inputs, y, {"stride": s, "padding": p, "groups": g}, {"weight": wdt})


def linear_cases(gen):
    specs = [
        # name, x shape, N, bias, weight dtype
        ("linear_3d", (3, 5, 17), 13, True, "f32"),
        ("linear_nobias", (7, 33), 20, False, "f32"),
        ("linear_f16_few_rows", (2, 9, 24), 18, True, "f16"),
        ("linear_f16_many_rows", (300, 24), 20, True, "f16"),
        ("linear_bf16_few_rows", (11, 40), 12, True, "bf16"),
        ("linear_bf16_many_rows", (2, 160, 16), 24, False, "bf16"),
    ]
    for name, xs, n, has_bias, wdt in specs:
        k = xs[-1]
        x = rand(gen, *xs)
        wt = rounded(rand(gen, n, k, scale=1.0 / math.sqrt(k)), wdt)
        b = rand(gen, n, scale=0.1) if has_bias else None
        y = F.linear(d(x), d(wt), d(b) if b is not None else None)
        inputs = {"x": x, "weight": wt}
        if b is not None:
            inputs["bias"] = b
        add(name, "linear", inputs, y, {}, {"weight": wdt})


def matmul_cases(gen):
    a = rand(gen, 3, 7, 5)
    b = rand(gen, 3, 5, 9)
    add("bmm_basic", "batched_matmul", {"a": a, "b": b}, d(a) @ d(b),
        {"transpose_b": False, "alpha": 1.0})
    b = rand(gen, 3, 9, 5)
    add("bmm_transpose_b", "batched_matmul", {"a": a, "b": b},
        0.5 * (d(a) @ d(b).transpose(1, 2)), {"transpose_b": True, "alpha": 0.5})
    b = rand(gen, 1, 5, 4)
    add("bmm_broadcast_b", "batched_matmul", {"a": a, "b": b}, d(a) @ d(b),
        {"transpose_b": False, "alpha": 1.0})


def attention_ref(q, k, v, scale, causal):
    s = (d(q) @ d(k).transpose(-1, -2)) * scale
    if causal:  # query i sees keys 0 .. i + Tk - Tq
        tq, tk = s.shape[-2], s.shape[-1]
        hidden = torch.ones(tq, tk, dtype=torch.bool).triu(1 + tk - tq)
        s = s.masked_fill(hidden, float("-inf"))
    return torch.softmax(s, dim=-1) @ d(v)


def attention_cases(gen):
    specs = [
        # name, B, H, Tq, Tk, D, scale (0: 1/sqrt(D)), causal
        ("attention_cross", 2, 3, 37, 19, 8, 0.0, False),
        ("attention_self", 1, 2, 45, 45, 16, 0.0, False),
        ("attention_blocks", 1, 1, 150, 1000, 8, 0.0, False),  # 128-row blocks and a 22-row tail
        ("attention_scaled", 1, 2, 5, 77, 40, 0.3, False),
        ("attention_causal", 1, 3, 77, 77, 16, 0.0, True),  # CLIP's text encoder
        ("attention_causal_offset", 2, 1, 5, 9, 8, 0.0, True),
    ]
    for name, b, h, tq, tk, dd, scale, causal in specs:
        q = rand(gen, b, h, tq, dd)
        k = rand(gen, b, h, tk, dd)
        v = rand(gen, b, h, tk, dd)
        sc = scale if scale > 0 else 1.0 / math.sqrt(dd)
        add(name, "attention", {"q": q, "k": k, "v": v}, attention_ref(q, k, v, sc, causal),
            {"scale": scale, "causal": causal})


def norm_cases(gen):
    x = rand(gen, 2, 6, 5, 7, scale=2.0, offset=0.5)
    gamma = rand(gen, 6, scale=0.5, offset=1.0)
    beta = rand(gen, 6, scale=0.2)
    y = F.group_norm(d(x), 3, d(gamma), d(beta), eps=1e-5)
    add("group_norm", "group_norm", {"x": x, "gamma": gamma, "beta": beta}, y,
        {"groups": 3, "eps": 1e-5})
    add("group_norm_silu", "group_norm_silu", {"x": x, "gamma": gamma, "beta": beta}, F.silu(y),
        {"groups": 3, "eps": 1e-5})
    x = rand(gen, 1, 64, 4, 4, scale=3.0, offset=100.0)  # large offset: a naive variance fails
    gamma = rand(gen, 64, scale=0.5, offset=1.0)
    beta = rand(gen, 64, scale=0.2)
    y = F.group_norm(d(x), 32, d(gamma), d(beta), eps=1e-6)
    add("group_norm_32", "group_norm", {"x": x, "gamma": gamma, "beta": beta}, y,
        {"groups": 32, "eps": 1e-6})
    x = rand(gen, 2, 7, 33, scale=1.5, offset=-3.0)
    gamma = rand(gen, 33, scale=0.5, offset=1.0)
    beta = rand(gen, 33, scale=0.2)
    y = F.layer_norm(d(x), (33,), d(gamma), d(beta), eps=1e-5)
    add("layer_norm", "layer_norm", {"x": x, "gamma": gamma, "beta": beta}, y, {"eps": 1e-5})


def eltwise_cases(gen):
    x = rand(gen, 3, 5, 31, scale=4.0)
    add("silu", "silu", {"x": x}, F.silu(d(x)))
    add("gelu", "gelu", {"x": x}, F.gelu(d(x)))
    add("quick_gelu", "quick_gelu", {"x": x}, d(x) * torch.sigmoid(1.702 * d(x)))
    add("softmax", "softmax", {"x": x * 10}, torch.softmax(d(x * 10), dim=-1))
    g = rand(gen, 2, 7, 22, scale=2.0)
    value, gate = d(g).chunk(2, dim=-1)
    add("geglu", "geglu", {"x": g}, value * F.gelu(gate))
    a = rand(gen, 2, 3, 4, 5)
    b = rand(gen, 2, 3, 4, 5)
    add("add", "add", {"a": a, "b": b}, d(a) + d(b))
    add("mul", "mul", {"a": a, "b": b}, d(a) * d(b))
    add("scale", "scale", {"x": a}, d(a) * -0.375, {"s": -0.375})
    bias = rand(gen, 3)
    add("add_channel_bias", "add_channel_bias", {"x": a, "bias": bias},
        d(a) + d(bias).view(1, 3, 1, 1))
    bias2 = rand(gen, 2, 3)
    add("add_channel_bias_per_item", "add_channel_bias", {"x": a, "bias": bias2},
        d(a) + d(bias2).view(2, 3, 1, 1))


def shape_cases(gen):
    x = rand(gen, 2, 3, 5, 7)
    add("upsample", "upsample_nearest2x", {"x": x}, F.interpolate(d(x), scale_factor=2.0,
                                                                  mode="nearest"))
    parts = [rand(gen, 2, c, 3, 4) for c in (3, 1, 5)]
    add("concat_channels", "concat", {"p0": parts[0], "p1": parts[1], "p2": parts[2]},
        torch.cat([d(p) for p in parts], dim=1), {"axis": 1})
    parts = [rand(gen, 2, 3, w) for w in (2, 5)]
    add("concat_last", "concat", {"p0": parts[0], "p1": parts[1]},
        torch.cat([d(p) for p in parts], dim=-1), {"axis": 2})
    x = rand(gen, 2, 7, 3, 5)  # [B, T, H, D]
    add("permute_bthd", "permute", {"x": x}, d(x).permute(0, 2, 1, 3), {"perm": [0, 2, 1, 3]})
    x = rand(gen, 2, 6, 35)  # [N, C, HW]
    add("permute_nc_hw", "permute", {"x": x}, d(x).permute(0, 2, 1), {"perm": [0, 2, 1]})


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".bin") or f == "manifest.json":
            os.remove(os.path.join(OUT, f))
    torch.manual_seed(0)
    for i, fn in enumerate([conv_cases, linear_cases, matmul_cases, attention_cases, norm_cases,
                            eltwise_cases, shape_cases]):
        gen = torch.Generator().manual_seed(1000 + i)
        fn(gen)
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"generator": "tools/make_ops_fixtures.py", "torch": torch.__version__,
                   "cases": cases}, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(cases)} cases, {total} bytes in {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
