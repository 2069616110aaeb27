#!/usr/bin/env python3
"""Writes the VAE decoder fixtures in tests/fixtures/vae/.

tests/diffusion/vae_test.cc checks depict's VaeDecoder (src/diffusion/vae.h) against diffusers'
AutoencoderKL.decode, run here on a tiny random-weight model: block_out_channels (32, 64),
layers_per_block 1 (two resnets per up block), norm_num_groups 8, latent_channels 4, so an
8x8 latent decodes to a 16x16 RGB image (one upsample).

  diffusers.safetensors   the decoder's weights (post_quant_conv.*, decoder.*) under diffusers'
                          vae/diffusion_pytorch_model.safetensors names: decoder.up_blocks.N.
                          resnets.M, upsamplers.0.conv, conv_shortcut, conv_norm_out, and the mid
                          block's attention as Linear layers (attentions.0.{to_q, to_k, to_v,
                          to_out.0}, weights [C, C]).
  single.safetensors      the same weights under the SD 1.x/2.x single-file (LDM) names:
                          first_stage_model.{post_quant_conv, decoder}.*, mid.block_1, mid.attn_1.
                          {norm, q, k, v, proj_out} as 1x1 convolutions (weights [C, C, 1, 1]),
                          up.N.block.M with nin_shortcut, up.N.upsample.conv, norm_out. LDM numbers
                          the up blocks in reverse: diffusers' up_blocks.i is up.(n - 1 - i). A
                          UNet-like tensor and an encoder tensor sit beside them, to be ignored.
  expected.safetensors    float32:
                            latents [1, 4, 8, 8]     the input (scaled latents, as sampled)
                            raw [1, 3, 16, 16]       vae.decode(latents / 0.18215).sample
                            image [1, 3, 16, 16]     raw clamped to [-1, 1]
                            rgb8 [16, 16, 3]         diffusers' uint8 conversion of image:
                                                     round((x / 2 + 0.5).clamp(0, 1) * 255), HWC

Weights are stored as F16 (as real checkpoints are) and the reference runs in float32 on the
F16-rounded weights. Group norm gains and biases are random too, so a swapped gain and bias
shows. Both weight files together stay under 2 MB.

Usage (nothing is downloaded by this script):

  python3 tools/make_vae_fixtures.py [OUT_DIR]

How the committed fixtures were made (Debian 12, x86-64): Debian's python3-torch 1.13.0a0 with
pip's transformers 4.40.2 and diffusers 0.32.2 (safetensors 0.8.0, numpy 1.24.2 from Debian):

  /usr/bin/python3 -m venv --system-site-packages /tmp/venv
  /tmp/venv/bin/pip install transformers==4.40.2 diffusers==0.32.2
  /tmp/venv/bin/python tools/make_vae_fixtures.py
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
from diffusers import AutoencoderKL  # noqa: E402
for _name in _SHIMS:
    delattr(torch, _name)

SCALING_FACTOR = 0.18215


def make_model():
    torch.manual_seed(7)
    vae = AutoencoderKL(in_channels=3, out_channels=3,
                        down_block_types=("DownEncoderBlock2D",) * 2,
                        up_block_types=("UpDecoderBlock2D",) * 2,
                        block_out_channels=(32, 64), layers_per_block=1, act_fn="silu",
                        latent_channels=4, norm_num_groups=8, sample_size=16,
                        scaling_factor=SCALING_FACTOR).eval()
    with torch.no_grad():
        for name, p in vae.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
            p.copy_(p.half().float())
    return vae


def decoder_state(vae):
    return {k: v.detach().half().contiguous() for k, v in vae.state_dict().items()
            if k.startswith("decoder.") or k.startswith("post_quant_conv.")}


def ldm_names(sd, n_up):
    """diffusers decoder names -> LDM single-file names (first_stage_model.*)."""
    out = {}
    for k, v in sd.items():
        name = k
        if name.startswith("decoder.up_blocks."):
            parts = name.split(".")
            i = int(parts[2])
            rest = ".".join(parts[3:])
            rest = rest.replace("resnets.", "block.").replace("upsamplers.0.conv", "upsample.conv")
            name = f"decoder.up.{n_up - 1 - i}.{rest}"
        elif name.startswith("decoder.mid_block.resnets."):
            j = int(name.split(".")[3])
            name = f"decoder.mid.block_{j + 1}." + ".".join(name.split(".")[4:])
        elif name.startswith("decoder.mid_block.attentions.0."):
            rest = name[len("decoder.mid_block.attentions.0."):]
            for a, b in (("group_norm.", "norm."), ("to_q.", "q."), ("to_k.", "k."),
                         ("to_v.", "v."), ("to_out.0.", "proj_out.")):
                if rest.startswith(a):
                    rest = b + rest[len(a):]
            name = "decoder.mid.attn_1." + rest
            if name.endswith("weight") and v.dim() == 2:
                v = v.reshape(v.shape + (1, 1))
        name = name.replace("conv_shortcut", "nin_shortcut").replace("conv_norm_out", "norm_out")
        out["first_stage_model." + name] = v.contiguous()
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "vae")
    os.makedirs(out_dir, exist_ok=True)
    meta = {"torch": torch.__version__, "diffusers": diffusers.__version__,
            "script": "tools/make_vae_fixtures.py"}

    vae = make_model()
    gen = torch.Generator().manual_seed(1234)
    latents = torch.randn(1, 4, 8, 8, generator=gen) * SCALING_FACTOR * 1.5
    with torch.no_grad():
        raw = vae.decode(latents / SCALING_FACTOR).sample
    image = raw.clamp(-1, 1)
    rgb8 = ((image / 2 + 0.5).clamp(0, 1) * 255).round()[0].permute(1, 2, 0)

    sd = decoder_state(vae)
    save_file(sd, os.path.join(out_dir, "diffusers.safetensors"), metadata=meta)
    single = ldm_names(sd, len(vae.decoder.up_blocks))
    single["first_stage_model.encoder.conv_in.bias"] = torch.zeros(32, dtype=torch.float16)
    single["model.diffusion_model.conv_in.bias"] = torch.zeros(4, dtype=torch.float16)
    save_file(single, os.path.join(out_dir, "single.safetensors"), metadata=meta)

    expected = {"latents": latents, "raw": raw, "image": image, "rgb8": rgb8}
    save_file({k: v.float().contiguous() for k, v in expected.items()},
              os.path.join(out_dir, "expected.safetensors"), metadata=meta)
    print("raw range", raw.min().item(), raw.max().item(),
          "clamped fraction", ((raw.abs() > 1).float().mean().item()))


if __name__ == "__main__":
    main()
