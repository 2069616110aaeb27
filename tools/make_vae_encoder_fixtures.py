#!/usr/bin/env python3
"""Writes the VAE encoder fixtures in tests/fixtures/vae_encoder/.

tests/diffusion/vae_encoder_test.cc checks depict's VaeEncoder (src/diffusion/vae_encoder.h)
against diffusers' AutoencoderKL.encode, run here on a tiny random-weight model:
block_out_channels (16, 32, 32), layers_per_block 2 (two resnets per down block), norm_num_groups
8, latent_channels 4, so a 32x24 image encodes to an 8x6 latent (two stride-2 downsamples, each
after diffusers' (0, 1, 0, 1) zero pad; the second block widens 16 -> 32 through a shortcut conv,
the third keeps its width and has none).

  diffusers.safetensors   the encoder's weights (encoder.*, quant_conv.*) under diffusers'
                          vae/diffusion_pytorch_model.safetensors names: encoder.down_blocks.N.
                          resnets.M, downsamplers.0.conv, conv_shortcut, mid_block.attentions.0.
                          {group_norm, to_q, to_k, to_v, to_out.0} as Linear layers ([C, C]),
                          conv_norm_out; a decoder tensor sits beside them, to be ignored.
  single.safetensors      the same weights under the SD single-file (LDM) names:
                          first_stage_model.{encoder, quant_conv}.*, encoder.down.N.block.M with
                          nin_shortcut, down.N.downsample.conv, mid.block_1, mid.attn_1.{norm, q,
                          k, v, proj_out} as 1x1 convolutions ([C, C, 1, 1]), mid.block_2,
                          norm_out. LDM numbers the down blocks in the order they run, as diffusers
                          does. A UNet-like tensor and a decoder tensor sit beside them.
  expected.safetensors    float32:
                            images [2, 3, 32, 24]    the input, uniform in [-1, 1]
                            mean [2, 4, 8, 6]        vae.encode(images).latent_dist.mean
                            logvar [2, 4, 8, 6]      .latent_dist.logvar (clamped to [-30, 20]:
                                                     quant_conv's bias of log-variance channel 3
                                                     is set to -45, so that channel is clamped)
                            noise [2, 4, 8, 6]       a standard normal draw (torch CPU, seed 99)
                            latent [2, 4, 8, 6]      0.18215 * (mean + std * noise): diffusers'
                                                     latent_dist.sample() with that draw, scaled
                                                     as StableDiffusionImg2ImgPipeline (and
                                                     A1111's get_first_stage_encoding) scale it
                            mode_latent [2, 4, 8, 6] 0.18215 * mean
  tiny_sd1_encoder.safetensors
                          an encoder for tests/fixtures/pipeline/tiny_sd1.safetensors (whose VAE
                          has only a decoder): four down blocks of 32 channels, one resnet each,
                          32 groups (8x downsampling, as SD), under the single-file names, with
                          quant_conv's mean rows scaled by 24 (scaled latents of about unit size,
                          as SD's) and its log-variance biases at -6 (a posterior standard
                          deviation near 0.05, small beside the mean as in SD's real VAE). The tests and the
                          CLI test add it to the tiny checkpoint they write (make_tiny_checkpoint's
                          third argument) to run img2img; tools/make_img2img_fixtures.py uses it
                          for its end-to-end reference.

Weights are stored as F16 (as real checkpoints are) and the reference runs in float32 on the
F16-rounded weights. Group norm gains and biases are random too, so a swapped gain and bias
shows. All files together stay well under 2 MB.

Usage (nothing is downloaded by this script):

  python3 tools/make_vae_encoder_fixtures.py [OUT_DIR]

How the committed fixtures were made (Debian 12, x86-64), as tools/make_vae_fixtures.py's:
Debian's python3-torch 1.13.1 (reports 1.13.0a0) with pip's transformers 4.40.2 and diffusers
0.32.2 (safetensors 0.8.0, numpy 1.24.2 from Debian):

  apt-get install -y python3-torch
  /usr/bin/python3 -m venv --system-site-packages /tmp/venv
  /tmp/venv/bin/pip install transformers==4.40.2 diffusers==0.32.2 "huggingface_hub<0.30"
  /tmp/venv/bin/python tools/make_vae_encoder_fixtures.py
"""

import importlib.util
import os
import sys

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
# make_vae_fixtures imports diffusers with its torch 1.13 shim.
_spec = importlib.util.spec_from_file_location("vae_fixtures",
                                               os.path.join(HERE, "make_vae_fixtures.py"))
vae_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(vae_fixtures)

import diffusers  # noqa: E402
from diffusers import AutoencoderKL  # noqa: E402

SCALING_FACTOR = 0.18215
# The tiny checkpoint's encoder scales its mean up by this (quant_conv's mean rows): random
# weights give means near 0.2, SD's real VAE about 5 (a scaled latent of about unit size), and
# img2img tests want the init latent to matter beside the noise.
MEAN_GAIN = 24.0


def randomize(vae):
    """Random norm gains and biases (as make_vae_fixtures.py), weights rounded to F16."""
    with torch.no_grad():
        for name, p in vae.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
            p.copy_(p.half().float())
    return vae


def make_model(seed, channels, layers, groups):
    torch.manual_seed(seed)
    return randomize(AutoencoderKL(
        in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * len(channels),
        up_block_types=("UpDecoderBlock2D",) * len(channels), block_out_channels=channels,
        layers_per_block=layers, act_fn="silu", latent_channels=4, norm_num_groups=groups,
        sample_size=32, scaling_factor=SCALING_FACTOR).eval())


def set_logvar_bias(vae, values):
    """quant_conv's biases of the log-variance channels (the second half), F16-exact values."""
    with torch.no_grad():
        z = vae.config.latent_channels
        for i, v in values.items():
            vae.quant_conv.bias[z + i] = v


def encoder_state(vae):
    return {k: v.detach().half().contiguous() for k, v in vae.state_dict().items()
            if k.startswith("encoder.") or k.startswith("quant_conv.")}


def ldm_names(sd):
    """diffusers encoder names -> LDM single-file names (first_stage_model.*)."""
    out = {}
    for k, v in sd.items():
        name = k
        if name.startswith("encoder.down_blocks."):
            parts = name.split(".")
            rest = ".".join(parts[3:])
            rest = rest.replace("resnets.", "block.").replace("downsamplers.0.conv",
                                                              "downsample.conv")
            name = f"encoder.down.{parts[2]}.{rest}"
        elif name.startswith("encoder.mid_block.resnets."):
            j = int(name.split(".")[3])
            name = f"encoder.mid.block_{j + 1}." + ".".join(name.split(".")[4:])
        elif name.startswith("encoder.mid_block.attentions.0."):
            rest = name[len("encoder.mid_block.attentions.0."):]
            for a, b in (("group_norm.", "norm."), ("to_q.", "q."), ("to_k.", "k."),
                         ("to_v.", "v."), ("to_out.0.", "proj_out.")):
                if rest.startswith(a):
                    rest = b + rest[len(a):]
            name = "encoder.mid.attn_1." + rest
            if name.endswith("weight") and v.dim() == 2:
                v = v.reshape(v.shape + (1, 1))
        name = name.replace("conv_shortcut", "nin_shortcut").replace("conv_norm_out", "norm_out")
        out["first_stage_model." + name] = v.contiguous()
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        HERE, "..", "tests", "fixtures", "vae_encoder")
    os.makedirs(out_dir, exist_ok=True)
    meta = {"torch": torch.__version__, "diffusers": diffusers.__version__,
            "script": "tools/make_vae_encoder_fixtures.py"}
    torch.set_grad_enabled(False)

    vae = make_model(17, (16, 32, 32), 2, 8)
    set_logvar_bias(vae, {3: -45.0})
    gen = torch.Generator().manual_seed(1234)
    images = torch.rand(2, 3, 32, 24, generator=gen) * 2 - 1
    dist = vae.encode(images).latent_dist
    noise = torch.randn(dist.mean.shape, generator=torch.Generator().manual_seed(99))
    latent = SCALING_FACTOR * (dist.mean + dist.std * noise)
    expected = {"images": images, "mean": dist.mean, "logvar": dist.logvar, "noise": noise,
                "latent": latent, "mode_latent": SCALING_FACTOR * dist.mean}

    sd = encoder_state(vae)
    diffusers_file = dict(sd)
    diffusers_file["decoder.conv_in.bias"] = torch.zeros(32, dtype=torch.float16)
    save_file(diffusers_file, os.path.join(out_dir, "diffusers.safetensors"), metadata=meta)
    single = ldm_names(sd)
    single["first_stage_model.decoder.conv_in.bias"] = torch.zeros(32, dtype=torch.float16)
    single["model.diffusion_model.conv_in.bias"] = torch.zeros(4, dtype=torch.float16)
    save_file(single, os.path.join(out_dir, "single.safetensors"), metadata=meta)
    save_file({k: v.float().contiguous() for k, v in expected.items()},
              os.path.join(out_dir, "expected.safetensors"), metadata=meta)

    # The tiny SD 1.x checkpoint's missing half: its VAE's shape, a new random encoder.
    tiny = make_model(23, (32, 32, 32, 32), 1, 32)
    set_logvar_bias(tiny, {i: -6.0 for i in range(4)})
    with torch.no_grad():  # means of SD's spread: scaled latents of about unit size
        for p in (tiny.quant_conv.weight, tiny.quant_conv.bias):
            p[:4] = (p[:4] * MEAN_GAIN).half().float()
    save_file(ldm_names(encoder_state(tiny)),
              os.path.join(out_dir, "tiny_sd1_encoder.safetensors"), metadata=meta)

    print("mean range", dist.mean.min().item(), dist.mean.max().item())
    print("logvar range", dist.logvar.min().item(), dist.logvar.max().item(),
          "clamped at -30:", int((dist.logvar == -30).sum()))
    print("latent abs mean", latent.abs().mean().item())


if __name__ == "__main__":
    main()
