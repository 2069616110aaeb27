#!/usr/bin/env python3
"""Writes the img2img fixtures in tests/fixtures/img2img/ from the reference implementations.

tests/diffusion/img2img_test.cc checks depict's img2img (sampler.h "img2img", init_image.h,
pipeline.h) against what these give:

  steps.json        A1111's img2img step arithmetic, run. For each sampler, schedule, step count
                    N and denoising strength s: t_enc = int(min(s, 0.999) * N) as A1111's
                    sd_samplers_common.setup_img2img_steps computes it (its default,
                    "img2img_fix_steps" off), written out here in Python from A1111's formula;
                    then the sampler run the way A1111's sample_img2img runs it, on the toy model
                    of tools/make_sampler_fixtures.py (output = 0.1 x + 0.05 sin(t / 100)) with
                    fixed noise draws and a fixed init latent:
                      k-diffusion (Euler, Euler a, DPM++ 2M) and A1111's LCM
                        (KDiffusionSampler.sample_img2img): sigma_sched = sigmas[N - t_enc - 1:]
                        of k-diffusion's (or LCMCompVisDenoiser's) schedule for N steps,
                        x = init + noise * sigma_sched[0], then k-diffusion's sample_euler /
                        sample_euler_ancestral / sample_dpmpp_2m or A1111's sample_lcm over
                        sigma_sched;
                      DDIM (CompVisSampler.sample_img2img): A1111's get_timesteps for N,
                        x = sqrt(a) init + sqrt(1 - a) noise with a = alphas_cumprod at
                        timesteps[t_enc], then A1111's own ddim() over timesteps[:t_enc].
                    Each case records t_enc, the levels (sigma_sched) or the DDIM start timestep,
                    the timesteps the model was given and the output.
  resize.safetensors  Pillow's Image.resize(size, Image.LANCZOS) (A1111's "Just resize") of
                    random RGB images to larger, smaller, mixed and equal sizes: inputs
                    in_K [H, W, 3] and outputs out_K [h, w, 3] (F16: every 8-bit value is exact).
  expected.safetensors  img2img end to end on the tiny SD 1.x checkpoint
                    (tests/fixtures/pipeline/tiny_sd1.safetensors) completed with the encoder of
                    tests/fixtures/vae_encoder/tiny_sd1_encoder.safetensors, computed as A1111
                    does it with transformers' CLIPTextModel, diffusers' UNet2DConditionModel and
                    AutoencoderKL (weights loaded from those two files):
                      init_image [56, 72, 3]  the init image (F16, 8-bit values)
                      the image Pillow-LANCZOS-resized to 64x64, / 255, * 2 - 1, encoded;
                      init latent = 0.18215 * (mean + std * eps), eps = torch.randn from a CPU
                      generator seeded with the image's seed (depict's documented stand-in for
                      A1111's draw from torch's global generator, pipeline.h); noise from
                      A1111's ImageRNG (philox: A1111's rng_philox.py, as its default "GPU"
                      source; cpu: torch's CPU generator), x = init + noise * sigma_sched[0],
                      k-diffusion's sampler over sigma_sched with classifier-free guidance, VAE
                      decode:
                      euler_*      "a photo of a cat", negative "", Euler, 5 steps, strength
                                   0.6 (t_enc 3: 4 UNet evaluations), CFG 7, seed 1234, philox
                      ancestral_*  "portrait of an old man, oil painting", negative "blurry",
                                   Euler a, 4 steps, strength 0.75 (t_enc 3), CFG 5, seed 99,
                                   cpu: its later noise comes from the same generator
                      *_init_latent [1, 4, 8, 8], *_latent [1, 4, 8, 8] (the final latent),
                      *_image [1, 3, 64, 64] (decoded, clamped to [-1, 1])

Usage (nothing is downloaded by this script):

  python3 tools/make_img2img_fixtures.py A1111_DIR [models/clip/bpe_simple_vocab_16e6.txt.gz]

A1111_DIR holds A1111's modules/sd_samplers_timesteps_impl.py and modules/sd_samplers_lcm.py
(commit f8391b8, 1.10, as tools/make_sampler_fixtures.py reads them) and modules/rng_philox.py
(commit ef1698fd6dbd, as tools/make_rng_fixtures.py reads it).

How the committed fixtures were made (Debian 12, x86-64): Debian's python3-torch 1.13.1 (reports
1.13.0a0) and python3-pil 9.4.0, in a venv with pip's diffusers 0.32.2, transformers 4.40.2,
k-diffusion 0.1.1.post1 (as tools/make_sampler_fixtures.py installs it), scipy 1.17.1 and
numpy 1.26.4:

  apt-get install -y python3-torch python3-pil
  /usr/bin/python3 -m venv --system-site-packages /tmp/venv
  /tmp/venv/bin/pip install transformers==4.40.2 diffusers==0.32.2 "huggingface_hub<0.30"
  /tmp/venv/bin/pip install --no-deps k-diffusion==0.1.1.post1 torchdiffeq torchsde trampoline tqdm
  /tmp/venv/bin/pip install scipy "numpy<2"
  /tmp/venv/bin/python tools/make_img2img_fixtures.py /path/to/stable-diffusion-webui
"""

import importlib.util
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
OUT_DIR = os.path.join(ROOT, "tests", "fixtures", "img2img")


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


sampler_fixtures = load_tool("make_sampler_fixtures")
pipeline_fixtures = load_tool("make_pipeline_fixtures")  # imports diffusers with its shim
encoder_fixtures = load_tool("make_vae_encoder_fixtures")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402

f32, flat32 = sampler_fixtures.f32, sampler_fixtures.flat32
SCALING = 0.18215
SHAPE = [1, 4, 8, 8]


def t_enc_of(steps, strength):
    """A1111's setup_img2img_steps with img2img_fix_steps off: a Python float product."""
    return int(min(strength, 0.999) * steps)


# ---- steps.json ------------------------------------------------------------------------------

def step_cases(K, a1111_ddim, a1111_lcm, draws, init):
    torch_ = torch
    acp64 = sampler_fixtures.ldm_alphas_cumprod(torch)
    cases = []

    def kd_sigmas(wrap, schedule, steps):
        smin, smax = wrap.sigmas[0].item(), wrap.sigmas[-1].item()
        if schedule == "Karras":
            return K.sampling.get_sigmas_karras(n=steps, sigma_min=smin, sigma_max=smax,
                                                device="cpu")
        return wrap.get_sigmas(steps)

    def run_k(sampler, schedule, steps, strength):
        model = sampler_fixtures.ToyModel(torch_, acp64)
        if sampler == "LCM":
            wrap = a1111_lcm.LCMCompVisDenoiser(model)
            sigmas = wrap.get_sigmas(steps)
        else:
            wrap = K.external.CompVisDenoiser(model)
            sigmas = kd_sigmas(wrap, schedule, steps)
        t_enc = t_enc_of(steps, strength)
        sched = sigmas[steps - t_enc - 1:]
        x = init + draws[0] * sched[0]
        noise = sampler_fixtures.NoiseList(draws)
        K.sampling.torch = sampler_fixtures.TorchHijack(torch_, noise)
        if sampler == "Euler":
            out = K.sampling.sample_euler(wrap, x, sched, extra_args={}, disable=True)
        elif sampler == "Euler a":
            out = K.sampling.sample_euler_ancestral(wrap, x, sched, extra_args={}, disable=True)
        elif sampler == "DPM++ 2M":
            out = K.sampling.sample_dpmpp_2m(wrap, x, sched, extra_args={}, disable=True)
        else:
            out = a1111_lcm.sample_lcm(wrap, x, sched, extra_args={}, disable=True,
                                       noise_sampler=noise)
        K.sampling.torch = torch_
        cases.append({"sampler": sampler, "schedule": schedule, "steps": steps,
                      "strength": strength, "t_enc": t_enc, "sigmas": flat32(sched),
                      "draws": noise.next - 1,
                      "timesteps": [f32(t) for t in model.timesteps], "output": flat32(out)})

    def run_ddim(steps, strength, eta=0.0):
        model = sampler_fixtures.ToyModel(torch_, acp64)

        class Inner:
            inner_model = model

            def __call__(self, x, t):
                return model.apply_model(x, t)

        class CFG:
            inner_model = Inner()

            def __call__(self, x, t):
                return self.inner_model(x, t)

        t_enc = t_enc_of(steps, strength)
        timesteps = torch.clip(torch.asarray(list(range(0, 1000, 1000 // steps))) + 1, 0, 999)
        a = model.alphas_cumprod[timesteps[t_enc]]
        x = init * torch.sqrt(a) + draws[0] * torch.sqrt(1 - a)
        noise = sampler_fixtures.NoiseList(draws)
        saved = K.sampling.torch
        K.sampling.torch = sampler_fixtures.TorchHijack(torch_, noise)
        out = a1111_ddim.ddim(CFG(), x, timesteps[:t_enc], disable=True, eta=eta)
        K.sampling.torch = saved
        case = {"sampler": "DDIM", "schedule": "Automatic", "steps": steps, "strength": strength,
                "t_enc": t_enc, "start_timestep": int(timesteps[t_enc]),
                "draws": noise.next - 1,
                "timesteps": [f32(t) for t in model.timesteps], "output": flat32(out)}
        if eta:
            case["eta"] = eta
        cases.append(case)

    # 0.7 * 10 is 7.0 in double (6.99999988 in float32, which would give 6); 0.999 caps 1.0;
    # 0.05 * 10 gives t_enc 0 (one step from the lowest level); 7 DDIM steps leave a timestep
    # list longer than 7 (1000 // 7 = 142 does not divide 1000).
    grid = [(10, 0.7), (20, 0.75), (4, 0.0), (7, 0.3), (3, 1.0), (10, 0.05), (20, 0.6)]
    for steps, strength in grid:
        run_k("Euler", "Uniform", steps, strength)
        run_k("Euler a", "Uniform", steps, strength)
        run_k("DPM++ 2M", "Karras", steps, strength)
        run_k("LCM", "Automatic", steps, strength)
        run_ddim(steps, strength)
    run_k("DPM++ 2M", "Uniform", 10, 0.5)
    run_k("Euler", "Karras", 8, 0.35)
    run_ddim(10, 0.5, eta=1.0)
    run_ddim(7, 0.9)
    return cases


# ---- resize.safetensors ----------------------------------------------------------------------

def resize_cases():
    gen = torch.Generator().manual_seed(4321)
    sizes = [((30, 45), (64, 64)), ((100, 150), (128, 64)), ((64, 70), (64, 64)),
             ((50, 64), (64, 64)), ((5, 7), (64, 64)), ((64, 64), (64, 64)),
             ((9, 200), (64, 128))]
    out = {}
    for k, ((h, w), (oh, ow)) in enumerate(sizes):
        # Noise over a gradient: edges the filter overshoots (clipped to 0 and 255) and smooth
        # parts.
        grad = torch.linspace(0, 255, w).view(1, w, 1).expand(h, w, 3)
        rgb = (grad + torch.randn(h, w, 3, generator=gen) * 60).clamp(0, 255).round()
        img = Image.fromarray(rgb.to(torch.uint8).numpy(), "RGB")
        res = np.asarray(img.resize((ow, oh), Image.LANCZOS))
        out[f"in_{k}"] = rgb.half()
        out[f"out_{k}"] = torch.from_numpy(res.copy()).half()
    return out


# ---- expected.safetensors: end to end --------------------------------------------------------

def load_models(tiny_path, encoder_path):
    """The tiny checkpoint's models in diffusers/transformers form, weights from the files."""
    unet, text, vae = pipeline_fixtures.make_models()
    ckpt = load_file(tiny_path)
    ckpt.update(load_file(encoder_path))
    used = set()

    def take(name, like):
        used.add(name)
        return ckpt[name].float().reshape(like.shape)

    with torch.no_grad():
        for k, p in unet.state_dict().items():
            p.copy_(take(pipeline_fixtures.unet_fixtures.ldm_name(k, unet), p))
        n_up = len(vae.decoder.up_blocks)
        for k, p in vae.state_dict().items():
            if k.startswith(("decoder.", "post_quant_conv.")):
                name = next(iter(pipeline_fixtures.vae_fixtures.ldm_names({k: p}, n_up)))
            else:
                name = next(iter(encoder_fixtures.ldm_names({k: p})))
            p.copy_(take(name, p))
        emb = "text_model.embeddings.token_embedding.weight"
        for k, p in text.state_dict().items():
            if k.endswith("position_ids"):
                continue
            if k == emb:
                p.zero_()
                ids = ckpt["fixture.token_row_ids"].long()
                p[ids] = ckpt["fixture.token_rows"].float()
                used.update({"fixture.token_row_ids", "fixture.token_rows"})
                continue
            p.copy_(take("cond_stage_model.transformer." + k, p))
    unused = set(ckpt) - used
    assert not unused, sorted(unused)[:5]
    return unet, text, vae


class GuidedUnet:
    """The CompVis model interface over the diffusers UNet, with classifier-free guidance."""

    def __init__(self, unet, acp64, context, cfg):
        model = sampler_fixtures.ToyModel(torch, acp64)
        self.alphas_cumprod = model.alphas_cumprod
        self.unet, self.context, self.cfg = unet, context, cfg

    def apply_model(self, x, t, cond=None):
        out = self.unet(torch.cat([x, x]), t, encoder_hidden_states=self.context).sample
        return out[1:] + self.cfg * (out[:1] - out[1:])


def init_image():
    gen = torch.Generator().manual_seed(777)
    yy, xx = torch.meshgrid(torch.arange(56.0), torch.arange(72.0), indexing="ij")
    base = torch.stack([128 + 100 * torch.sin(xx / 9), 128 + 100 * torch.cos(yy / 7),
                        (xx + yy) * 2], dim=-1)
    return (base + torch.randn(56, 72, 3, generator=gen) * 20).clamp(0, 255).round()


def end_to_end(K, rng_philox, models, tokenizer, image_u8):
    unet, text, vae = models
    acp64 = sampler_fixtures.ldm_alphas_cumprod(torch)
    pil = Image.fromarray(image_u8.to(torch.uint8).numpy(), "RGB").resize((64, 64), Image.LANCZOS)
    x = torch.from_numpy(np.asarray(pil).astype(np.float32) / 255.0).permute(2, 0, 1)[None]
    x = x * 2 - 1
    out = {}
    cases = [("euler", "a photo of a cat", "", "Euler", 5, 0.6, 7.0, 1234, "philox"),
             ("ancestral", "portrait of an old man, oil painting", "blurry", "Euler a", 4, 0.75,
              5.0, 99, "cpu")]
    for name, prompt, negative, sampler, steps, strength, cfg, seed, rng in cases:
        cond, _ = pipeline_fixtures.encode(tokenizer, text, prompt)
        uncond, _ = pipeline_fixtures.encode(tokenizer, text, negative)
        dist = vae.encode(x).latent_dist
        eps = torch.randn(dist.mean.shape, generator=torch.Generator().manual_seed(seed))
        init = SCALING * (dist.mean + dist.std * eps)
        if rng == "philox":
            g = rng_philox.Generator(seed)

            def draw():
                return torch.from_numpy(g.randn(SHAPE))
        else:
            g = torch.Generator().manual_seed(seed)

            def draw():
                return torch.randn(SHAPE, generator=g)
        noise = draw()
        model = GuidedUnet(unet, acp64, torch.cat([cond, uncond]), cfg)
        wrap = K.external.CompVisDenoiser(model)
        t_enc = t_enc_of(steps, strength)
        sched = wrap.get_sigmas(steps)[steps - t_enc - 1:]
        xi = init + noise * sched[0]

        class Draws:
            def __call__(self, *args):
                return draw()

        K.sampling.torch = sampler_fixtures.TorchHijack(torch, Draws())
        fn = K.sampling.sample_euler if sampler == "Euler" else K.sampling.sample_euler_ancestral
        latent = fn(wrap, xi, sched, extra_args={}, disable=True)
        K.sampling.torch = torch
        out[name + "_init_latent"] = init
        out[name + "_latent"] = latent
        out[name + "_image"] = vae.decode(latent / SCALING).sample.clamp(-1, 1)
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    a1111_dir = sys.argv[1]
    bpe = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "models", "clip",
                                                               "bpe_simple_vocab_16e6.txt.gz")
    torch.set_grad_enabled(False)
    torch.set_num_threads(1)
    K = sampler_fixtures.import_k_diffusion()
    a1111_ddim, a1111_lcm = sampler_fixtures.import_a1111(a1111_dir)
    spec = importlib.util.spec_from_file_location(
        "rng_philox", os.path.join(a1111_dir, "modules", "rng_philox.py"))
    rng_philox = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rng_philox)
    os.makedirs(OUT_DIR, exist_ok=True)
    meta = {"torch": torch.__version__, "script": "tools/make_img2img_fixtures.py"}

    gen = torch.Generator().manual_seed(20240612)
    draws = [torch.randn(SHAPE, generator=gen) for _ in range(24)]
    init = torch.randn(SHAPE, generator=gen) * 0.8
    steps = {"sources": ["k-diffusion 0.1.1.post1", "A1111 f8391b8 sd_samplers_timesteps_impl."
                         "ddim, sd_samplers_lcm", "torch %s" % torch.__version__],
             "model": "output = 0.1 * x + 0.05 * sin(t / 100), read as eps",
             "shape": SHAPE, "init": flat32(init), "noise": [flat32(d) for d in draws],
             "cases": step_cases(K, a1111_ddim, a1111_lcm, draws, init)}
    with open(os.path.join(OUT_DIR, "steps.json"), "w", encoding="utf-8") as f:
        json.dump(steps, f, separators=(",", ":"))
        f.write("\n")
    save_file(resize_cases(), os.path.join(OUT_DIR, "resize.safetensors"),
              metadata=dict(meta, pillow=Image.__version__))

    models = load_models(os.path.join(ROOT, "tests", "fixtures", "pipeline",
                                      "tiny_sd1.safetensors"),
                         os.path.join(ROOT, "tests", "fixtures", "vae_encoder",
                                      "tiny_sd1_encoder.safetensors"))
    image = init_image()
    with tempfile.TemporaryDirectory() as work:
        tokenizer = pipeline_fixtures.tokenizer_from_bpe(bpe, work)
        expected = end_to_end(K, rng_philox, models, tokenizer, image)
    expected = {k: v.float().contiguous() for k, v in expected.items()}
    expected["init_image"] = image.half().contiguous()
    save_file(expected, os.path.join(OUT_DIR, "expected.safetensors"), metadata=meta)
    for k, v in expected.items():
        print(k, tuple(v.shape), float(v.float().abs().mean()))
    print("steps cases:", len(steps["cases"]))


if __name__ == "__main__":
    main()
