#!/usr/bin/env python3
"""Writes the UNet fixtures in tests/fixtures/unet/.

tests/diffusion/unet_test.cc checks depict's Unet (src/diffusion/unet.h) against diffusers'
UNet2DConditionModel, run here for one step on two tiny random-weight models: block_out_channels
(32, 64), layers_per_block 1, cross_attention_dim 32, norm_num_groups 8, down_block_types
(CrossAttnDownBlock2D, DownBlock2D), up_block_types (UpBlock2D, CrossAttnUpBlock2D), sample_size
8, seed 7.

  diffusers.safetensors          SD 1.x-like: attention_head_dim 2 (diffusers reads it as a head
                                 count: 2 heads in every transformer), proj_in / proj_out as 1x1
                                 convolutions ([C, C, 1, 1]). diffusers' names (conv_in, time_
                                 embedding.linear_{1,2}, down_blocks.N.{resnets,attentions}.M,
                                 down_blocks.N.downsamplers.0.conv, mid_block, up_blocks.N.
                                 {resnets,attentions}.M, up_blocks.N.upsamplers.0.conv,
                                 conv_norm_out, conv_out).
  (no file)                      SD 2.x-like: the same weights with use_linear_projection
                                 (proj_in / proj_out as Linear, [C, C]: the 1x1 kernels reshaped)
                                 and attention_head_dim (2, 4), i.e. head size 16 everywhere (32
                                 channels: 2 heads, 64 channels: 4 heads), as SD 2.x has head size
                                 64. Only its output is stored (the weights would double the
                                 fixtures' size); the test reshapes diffusers.safetensors' proj_in /
                                 proj_out into a temporary file.
  single_names.tsv               the SD 1.x/2.x single-file (LDM) name of every tensor of
                                 diffusers.safetensors, one "diffusers_name<TAB>ldm_name" a line
                                 (model.diffusion_model.{time_embed.{0,2}, input_blocks.K,
                                 middle_block.{0,1,2}, output_blocks.K, out.{0,2}}, resnets as
                                 in_layers / emb_layers / out_layers / skip_connection); the test
                                 writes the renamed file itself, which keeps the fixtures small.
  expected.safetensors           float32:
                                   sample [2, 4, 8, 8]      the latent input
                                   context [2, 5, 32]       encoder_hidden_states
                                   timestep [1]             500
                                   out [2, 4, 8, 8]         diffusers.safetensors' model output
                                   out_linear [2, 4, 8, 8]  the SD 2.x-like model's output

Weights are stored as F16 and the reference runs in float32 on the F16-rounded weights. Norm gains
and biases are random too, so a swapped gain and bias shows.

Usage (nothing is downloaded by this script), with the environment described in
tools/make_vae_fixtures.py (torch 1.13, transformers 4.40.2, diffusers 0.32.2):

  /tmp/venv/bin/python tools/make_unet_fixtures.py [OUT_DIR]
"""

import os
import sys

import torch
from safetensors.torch import save_file

# diffusers 0.32.2's torchao quantizer names torch.float8_e4m3fn at import time, which torch 1.13
# lacks; nothing here quantizes, so a placeholder lets the import go through. It is removed
# again at once (safetensors, imported first, must not see it: it maps dtypes by identity).
_SHIMS = [n for n in ("float8_e4m3fn", "float8_e5m2") if not hasattr(torch, n)]
for _name in _SHIMS:
    setattr(torch, _name, torch.float16)
import diffusers  # noqa: E402
from diffusers import UNet2DConditionModel  # noqa: E402
for _name in _SHIMS:
    delattr(torch, _name)

TIMESTEP = 500


def make_model(linear):
    torch.manual_seed(7)
    return UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        block_out_channels=(32, 64), layers_per_block=1, cross_attention_dim=32,
        attention_head_dim=(2, 4) if linear else 2, norm_num_groups=8,
        use_linear_projection=linear, flip_sin_to_cos=True, freq_shift=0).eval()


def randomize(unet):
    with torch.no_grad():
        for name, p in unet.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
            p.copy_(p.half().float())
    return unet


RESNET_LDM = {"norm1": "in_layers.0", "conv1": "in_layers.2", "time_emb_proj": "emb_layers.1",
              "norm2": "out_layers.0", "conv2": "out_layers.3", "conv_shortcut": "skip_connection"}


def ldm_name(name, unet):
    """A diffusers UNet tensor name -> its single-file (LDM) name."""
    layers = len(unet.down_blocks[0].resnets)
    p = name.split(".")

    def inner(kind, rest):  # names within a resnet or a transformer
        if kind == "resnets":
            return RESNET_LDM[rest[0]] + "." + ".".join(rest[1:])
        return ".".join(rest)

    if p[0] == "conv_in":
        out = "input_blocks.0.0." + p[1]
    elif p[0] == "time_embedding":
        out = "time_embed.%d.%s" % (2 * (int(p[1][-1]) - 1), p[2])
    elif p[0] == "down_blocks":
        i = int(p[1])
        if p[2] == "downsamplers":
            out = "input_blocks.%d.0.op.%s" % (1 + i * (layers + 1) + layers, p[-1])
        else:
            k = 1 + i * (layers + 1) + int(p[3])
            out = "input_blocks.%d.%d.%s" % (k, p[2] == "attentions", inner(p[2], p[4:]))
    elif p[0] == "mid_block":
        idx = {"resnets.0": 0, "attentions.0": 1, "resnets.1": 2}[p[1] + "." + p[2]]
        out = "middle_block.%d.%s" % (idx, inner(p[1], p[3:]))
    elif p[0] == "up_blocks":
        i = int(p[1])
        block = unet.up_blocks[i]
        if p[2] == "upsamplers":
            slot = 2 if getattr(block, "attentions", None) else 1
            out = "output_blocks.%d.%d.conv.%s" % (i * (layers + 1) + layers, slot, p[-1])
        else:
            k = i * (layers + 1) + int(p[3])
            out = "output_blocks.%d.%d.%s" % (k, p[2] == "attentions", inner(p[2], p[4:]))
    elif p[0] == "conv_norm_out":
        out = "out.0." + p[1]
    elif p[0] == "conv_out":
        out = "out.2." + p[1]
    else:
        raise ValueError(name)
    return "model.diffusion_model." + out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "unet")
    os.makedirs(out_dir, exist_ok=True)
    meta = {"torch": torch.__version__, "diffusers": diffusers.__version__,
            "script": "tools/make_unet_fixtures.py"}

    gen = torch.Generator().manual_seed(1234)
    sample = torch.randn(2, 4, 8, 8, generator=gen)
    context = torch.randn(2, 5, 32, generator=gen)
    expected = {"sample": sample, "context": context,
                "timestep": torch.tensor([float(TIMESTEP)])}
    unet = randomize(make_model(False))
    linear = make_model(True)
    sd = {k: v.detach().contiguous() for k, v in unet.state_dict().items()}
    linear.load_state_dict({k: v.reshape(v.shape[:2]) if ".proj_in." in k or ".proj_out." in k
                            else v for k, v in sd.items()})
    with torch.no_grad():
        expected["out"] = unet(sample, TIMESTEP, encoder_hidden_states=context).sample
        expected["out_linear"] = linear(sample, TIMESTEP, encoder_hidden_states=context).sample
    save_file({k: v.half().contiguous() for k, v in sd.items()},
              os.path.join(out_dir, "diffusers.safetensors"), metadata=meta)
    with open(os.path.join(out_dir, "single_names.tsv"), "w") as f:
        for k in sd:
            f.write("%s\t%s\n" % (k, ldm_name(k, unet)))
    print("output range", expected["out"].min().item(), expected["out"].max().item(),
          "linear vs conv", (expected["out"] - expected["out_linear"]).abs().max().item())
    save_file({k: v.float().contiguous() for k, v in expected.items()},
              os.path.join(out_dir, "expected.safetensors"), metadata=meta)


if __name__ == "__main__":
    main()
