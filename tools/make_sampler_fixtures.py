#!/usr/bin/env python3
"""Writes the sampler fixtures in tests/fixtures/sampler/ from the reference implementations.

tests/diffusion/schedule_test.cc and sampler_test.cc check depict's schedules and samplers
(src/diffusion/schedule.h, sampler.h) against what these give:

  k-diffusion   crowsonkb's k_diffusion.external (CompVisDenoiser, CompVisVDenoiser) and
                k_diffusion.sampling (get_sigmas_karras, get_sigmas_exponential, sample_euler,
                sample_euler_ancestral, sample_dpmpp_2m), driven the way AUTOMATIC1111's
                modules/sd_samplers_kdiffusion.py drives them (sigmas from the scheduler, the
                initial noise times sigmas[0], ancestral noise through torch.randn_like, which
                A1111 replaces with the next draw of its generator).
  A1111         AUTOMATIC1111's own modules/sd_samplers_timesteps_impl.py (DDIM) and
                modules/sd_samplers_lcm.py (LCM), imported from an A1111 checkout given on the
                command line (only those two files are read; the webui modules they import are
                replaced by stubs).
  diffusers     DDIMScheduler and LCMScheduler with the Stable Diffusion 1.5 scheduler config.

The model is a toy that every implementation (and the C++ test) computes the same way:
    output = 0.1 * x + 0.05 * sin(t / 100)
for the model input x (already scaled by c_in where the sampler scales it) and the timestep t;
it is read as eps for "eps" cases and as v for "v" cases. The initial noise and every later
noise draw come from a fixed list stored in the fixture (draw 0 is the initial noise, draw k the
k-th draw a sampler makes after it), so the C++ test can hand the samplers the same values.

Usage (nothing is downloaded by this script):

  python3 tools/make_sampler_fixtures.py A1111_DIR

How the committed fixtures were made (Debian 12, x86-64):
  apt-get install -y python3-torch                     # torch 1.13.1 (reports 1.13.0a0)
  /usr/bin/python3 -m venv --system-site-packages /tmp/venv
  /tmp/venv/bin/pip install --no-deps k-diffusion==0.1.1.post1 torchdiffeq torchsde trampoline tqdm
  /tmp/venv/bin/pip install scipy "numpy<2" diffusers==0.32.2 "huggingface_hub<0.30"
  /tmp/venv/bin/python tools/make_sampler_fixtures.py /path/to/stable-diffusion-webui
k-diffusion 0.1.1.post1's sampling.py and external.py are identical to those of commit ab527a9,
the one A1111 pins (launch_utils.py, K_DIFFUSION_COMMIT_HASH). diffusers 0.32.2 imports with
torch 1.13 (0.42 does not).
A1111's files as of commit f8391b8 (1.10: ddim() is unchanged since 1.6, where A1111 replaced
CompVis' DDIM sampler with its own; sd_samplers_lcm.py since 1.8, where LCM came in). k-diffusion's
package __init__ imports training code (torchvision, PIL, wandb...); this script loads only its
sampling, external and utils modules and stubs torchvision and PIL when they are missing (utils
uses them only for image helpers).
"""

import argparse
import importlib.metadata
import importlib.util
import json
import os
import sys
import types

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures",
                       "sampler")

SHAPE = [1, 4, 8, 8]
NOISE_SEED = 20240229
NOISE_DRAWS = 12


def f32(v):
    """A float32 value as the shortest decimal that reads back as the same float32."""
    return float("%.9g" % v)


def flat32(t):
    return [f32(v) for v in t.detach().to("cpu").reshape(-1).tolist()]


def stub_module(name, **attrs):
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    sys.modules[name] = mod
    return mod


def import_k_diffusion():
    """k_diffusion.sampling and .external without the package's training imports."""
    for name in ["torchvision", "PIL"]:
        try:
            importlib.import_module(name)
        except ImportError:
            if name == "torchvision":
                stub_module("torchvision")
                stub_module("torchvision.transforms")
                stub_module("torchvision.transforms.functional")
                sys.modules["torchvision"].transforms = sys.modules["torchvision.transforms"]
                sys.modules["torchvision.transforms"].functional = \
                    sys.modules["torchvision.transforms.functional"]
            else:
                stub_module("PIL")
                stub_module("PIL.Image")
                sys.modules["PIL"].Image = sys.modules["PIL.Image"]
    spec = importlib.util.find_spec("k_diffusion")
    pkg = types.ModuleType("k_diffusion")
    pkg.__path__ = list(spec.submodule_search_locations)
    sys.modules["k_diffusion"] = pkg
    import k_diffusion.sampling  # noqa: F401
    import k_diffusion.external  # noqa: F401
    import k_diffusion.utils  # noqa: F401  (loaded for external.py)
    pkg.sampling = sys.modules["k_diffusion.sampling"]
    pkg.external = sys.modules["k_diffusion.external"]
    pkg.utils = sys.modules["k_diffusion.utils"]
    return pkg


def import_a1111(a1111_dir):
    """A1111's DDIM and LCM modules, with the webui modules they import stubbed."""
    shared = stub_module("modules.shared", sd_model=types.SimpleNamespace(device="cpu"))

    class Stub:
        def __init__(self, *args, **kwargs):
            pass

    modules = stub_module("modules", shared=shared)
    modules.__path__ = []
    stub_module("modules.sd_samplers_cfg_denoiser", CFGDenoiser=Stub)
    stub_module("modules.sd_samplers_kdiffusion", KDiffusionSampler=Stub)
    stub_module("modules.sd_samplers_common", SamplerData=lambda *a, **k: None)
    stub_module("modules.models")
    stub_module("modules.models.diffusion")
    stub_module("modules.models.diffusion.uni_pc", uni_pc=None)
    for name in ["sd_samplers_cfg_denoiser", "sd_samplers_kdiffusion", "sd_samplers_common"]:
        setattr(modules, name, sys.modules["modules." + name])

    def load(name):
        path = os.path.join(a1111_dir, "modules", name + ".py")
        spec = importlib.util.spec_from_file_location("modules." + name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod

    return load("sd_samplers_timesteps_impl"), load("sd_samplers_lcm")


def ldm_alphas_cumprod(torch):
    """alphas_cumprod as the CompVis LDM code (and so A1111) builds it for SD 1.x/2.x:
    make_beta_schedule("linear", 1000, linear_start=0.00085, linear_end=0.012) in float64,
    cumprod in float64 (numpy), registered as a float32 buffer."""
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
    alphas = 1.0 - betas.numpy()
    import numpy as np
    acp = np.cumprod(alphas, axis=0)
    return acp


class ToyModel:
    """The CompVis model interface k-diffusion and A1111 use: alphas_cumprod and apply_model."""

    def __init__(self, torch, acp64):
        import numpy as np
        self.torch = torch
        self.device = "cpu"
        self.alphas_cumprod = torch.tensor(acp64, dtype=torch.float32)
        self.sqrt_alphas_cumprod = torch.tensor(np.sqrt(acp64), dtype=torch.float32)
        self.sqrt_one_minus_alphas_cumprod = torch.tensor(np.sqrt(1.0 - acp64),
                                                          dtype=torch.float32)
        self.timesteps = []

    def apply_model(self, x, t, cond=None):
        torch = self.torch
        t = torch.as_tensor(t, dtype=torch.float32).reshape(-1)
        self.timesteps.append(float(t[0]))
        return 0.1 * x + 0.05 * torch.sin(t / 100).view(-1, *([1] * (x.ndim - 1)))


class NoiseList:
    """Hands out the fixed draws 1, 2, ... (draw 0 is the initial noise)."""

    def __init__(self, draws):
        self.draws = draws
        self.next = 1

    def __call__(self, *args):
        d = self.draws[self.next]
        self.next += 1
        return d.clone()


class TorchHijack:
    """What A1111 puts in k_diffusion.sampling.torch: randn_like gives the generator's next draw."""

    def __init__(self, torch, noise):
        self.torch = torch
        self.noise = noise

    def __getattr__(self, item):
        if item == "randn_like":
            return lambda x: self.noise()
        return getattr(self.torch, item)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a1111_dir", help="an AUTOMATIC1111 stable-diffusion-webui checkout")
    args = ap.parse_args()

    import torch
    import diffusers
    from diffusers import DDIMScheduler, LCMScheduler
    import diffusers.schedulers.scheduling_lcm as lcm_module

    K = import_k_diffusion()
    a1111_ddim, a1111_lcm = import_a1111(args.a1111_dir)
    kd_version = importlib.metadata.version("k-diffusion")
    torch.set_num_threads(1)

    acp64 = ldm_alphas_cumprod(torch)
    gen = torch.Generator().manual_seed(NOISE_SEED)
    draws = [torch.randn(SHAPE, generator=gen) for _ in range(NOISE_DRAWS)]

    sd15 = dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012,
                beta_schedule="scaled_linear", clip_sample=False, set_alpha_to_one=False,
                steps_offset=1)

    def wrap_for(model, pred):
        return (K.external.CompVisVDenoiser if pred == "v" else K.external.CompVisDenoiser)(model)

    def kd_sigmas(wrap, schedule, steps):
        smin, smax = wrap.sigmas[0].item(), wrap.sigmas[-1].item()
        if schedule == "Uniform":
            return wrap.get_sigmas(steps)
        if schedule == "Karras":
            return K.sampling.get_sigmas_karras(n=steps, sigma_min=smin, sigma_max=smax,
                                                device="cpu")
        if schedule == "Exponential":
            return K.sampling.get_sigmas_exponential(n=steps, sigma_min=smin, sigma_max=smax,
                                                     device="cpu")
        raise ValueError(schedule)

    # ---- schedule.json ----------------------------------------------------------------------
    model = ToyModel(torch, acp64)
    eps_wrap = wrap_for(model, "eps")
    sched = {
        "sources": ["k-diffusion %s (CompVisDenoiser over the CompVis LDM alphas_cumprod)"
                    % kd_version, "A1111 f8391b8 sd_samplers_lcm.LCMCompVisDenoiser",
                    "diffusers %s DDIMScheduler, LCMScheduler (SD 1.5 config)"
                    % diffusers.__version__, "torch %s" % torch.__version__],
        "alphas_cumprod": [f32(v) for v in model.alphas_cumprod.tolist()],
        "sigmas": flat32(eps_wrap.sigmas),
    }
    probe = [0.01, 0.0291675, 0.03, 0.05, 0.1, 0.5, 1.0, 3.3, 10.0, 14.6, 14.6146, 20.0]
    sched["sigma_to_t"] = [[f32(s), f32(eps_wrap.sigma_to_t(torch.tensor(s)).item())]
                           for s in probe]
    sched["t_to_sigma"] = [[t, f32(eps_wrap.t_to_sigma(torch.tensor(t)).item())]
                           for t in [0.0, 0.5, 1.0, 250.25, 500.0, 998.9, 999.0]]
    seqs = []
    for schedule, ns in [("Uniform", [1, 2, 3, 4, 10, 20, 25, 50, 150, 1000]),
                         ("Karras", [1, 2, 4, 10, 20, 30]), ("Exponential", [2, 4, 10, 20])]:
        for n in ns:
            seqs.append({"schedule": schedule, "steps": n,
                         "sigmas": flat32(kd_sigmas(eps_wrap, schedule, n))})
    sched["sigma_sequences"] = seqs
    lcm_wrap = a1111_lcm.LCMCompVisDenoiser(model)
    sched["a1111_lcm"] = [{"steps": n, "sigmas": flat32(lcm_wrap.get_sigmas(n)),
                           "timesteps": [int(lcm_wrap.sigma_to_t(s).item())
                                         for s in lcm_wrap.get_sigmas(n)[:-1]]}
                          for n in [1, 2, 4, 8, 10, 50]]
    ddim = []
    for n in [1, 3, 4, 7, 10, 20, 50, 1000]:
        s = DDIMScheduler(**sd15)
        s.set_timesteps(n)
        ddim.append({"steps": n, "timesteps": [int(t) for t in s.timesteps]})
    sched["diffusers_ddim"] = ddim
    lcm = []
    for n in [1, 2, 4, 8, 10, 50]:
        s = LCMScheduler(**sd15)
        s.set_timesteps(n)
        lcm.append({"steps": n, "timesteps": [int(t) for t in s.timesteps]})
    sched["diffusers_lcm"] = lcm
    s = DDIMScheduler(**sd15)
    sched["diffusers_alphas_cumprod"] = [f32(v) for v in s.alphas_cumprod.tolist()]

    # ---- sampler.json -----------------------------------------------------------------------
    cases = []

    def run_kdiffusion(sampler, schedule, steps, pred, eta=None, sgm=False):
        model = ToyModel(torch, acp64)
        wrap = wrap_for(model, pred)
        sigmas = kd_sigmas(wrap, schedule, steps)
        noise = NoiseList(draws)
        K.sampling.torch = TorchHijack(torch, noise)
        x = draws[0] * (torch.sqrt(1.0 + sigmas[0] ** 2.0) if sgm else sigmas[0])
        extra = {"cond": None}
        if sampler == "Euler":
            out = K.sampling.sample_euler(wrap, x, sigmas, extra_args=extra, disable=True)
        elif sampler == "Euler a":
            out = K.sampling.sample_euler_ancestral(wrap, x, sigmas, extra_args=extra,
                                                    disable=True,
                                                    eta=1.0 if eta is None else eta)
        elif sampler == "DPM++ 2M":
            out = K.sampling.sample_dpmpp_2m(wrap, x, sigmas, extra_args=extra, disable=True)
        K.sampling.torch = torch
        case = {"sampler": sampler, "schedule": schedule, "steps": steps, "prediction": pred,
                "convention": "a1111", "source": "k-diffusion " + kd_version,
                "timesteps": [f32(t) for t in model.timesteps], "output": flat32(out)}
        if eta is not None:
            case["eta"] = eta
        if sgm:
            case["sgm_noise_multiplier"] = True
        cases.append(case)

    def run_a1111_ddim(steps, pred, eta=0.0):
        model = ToyModel(torch, acp64)

        class TimestepsDenoiser:  # A1111's CompVisTimestepsDenoiser / CompVisTimestepsVDenoiser
            inner_model = model

            def __call__(self, x, t):
                out = model.apply_model(x, t)
                if pred == "v":
                    ti = t.to(torch.long)  # A1111 uses torch.int, which torch 1.13 cannot index with
                    out = (model.sqrt_alphas_cumprod[ti, None, None, None] * out +
                           model.sqrt_one_minus_alphas_cumprod[ti, None, None, None] * x)
                return out

        class CFG:  # the CFG denoiser with one prompt and no negative: the model itself
            inner_model = TimestepsDenoiser()

            def __call__(self, x, t):
                return self.inner_model(x, t)

        # A1111's CompVisSampler.get_timesteps.
        timesteps = torch.clip(torch.asarray(list(range(0, 1000, 1000 // steps))) + 1, 0, 999)
        noise = NoiseList(draws)
        hijack = TorchHijack(torch, noise)
        saved = K.sampling.torch
        K.sampling.torch = hijack
        out = a1111_ddim.ddim(CFG(), draws[0].clone(), timesteps, disable=True, eta=eta)
        K.sampling.torch = saved
        case = {"sampler": "DDIM", "schedule": "Automatic", "steps": steps, "prediction": pred,
                "convention": "a1111", "source": "A1111 f8391b8 sd_samplers_timesteps_impl.ddim",
                "timesteps": [f32(t) for t in model.timesteps], "output": flat32(out)}
        if eta:
            case["eta"] = eta
        cases.append(case)

    def run_a1111_lcm(steps, schedule="Automatic"):
        model = ToyModel(torch, acp64)
        wrap = a1111_lcm.LCMCompVisDenoiser(model)
        # A1111's LCMSampler is a KDiffusionSampler: schedule types use the LCM levels' range.
        sigmas = wrap.get_sigmas(steps) if schedule == "Automatic" else kd_sigmas(wrap, schedule,
                                                                                  steps)
        noise = NoiseList(draws)
        x = draws[0] * sigmas[0]
        out = a1111_lcm.sample_lcm(wrap, x, sigmas, extra_args={}, disable=True,
                                   noise_sampler=noise)
        cases.append({"sampler": "LCM", "schedule": schedule, "steps": steps,
                      "prediction": "eps", "convention": "a1111",
                      "source": "A1111 f8391b8 sd_samplers_lcm.sample_lcm",
                      "timesteps": [f32(t) for t in model.timesteps], "output": flat32(out)})

    def run_diffusers(name, steps, pred, eta=0.0):
        model = ToyModel(torch, acp64)
        cls = DDIMScheduler if name == "DDIM" else LCMScheduler
        s = cls(**sd15, prediction_type="v_prediction" if pred == "v" else "epsilon")
        s.set_timesteps(steps)
        noise = NoiseList(draws)
        x = draws[0] * s.init_noise_sigma
        for t in s.timesteps:
            out = model.apply_model(s.scale_model_input(x, t), t)
            if name == "DDIM":
                kw = {"eta": eta}
                if eta:
                    kw["variance_noise"] = noise()
                x = s.step(out, t, x, **kw).prev_sample
            else:
                # LCMScheduler draws noise (randn_tensor) on every step but the last.
                last = int(t) == int(s.timesteps[-1])
                if not last:
                    draw = noise()
                    saved = lcm_module.randn_tensor
                    lcm_module.randn_tensor = lambda *a, **k: draw
                x = s.step(out, t, x).prev_sample
                if not last:
                    lcm_module.randn_tensor = saved
        case = {"sampler": name, "schedule": "Automatic", "steps": steps, "prediction": pred,
                "convention": "diffusers",
                "source": "diffusers %s %s" % (diffusers.__version__, cls.__name__),
                "timesteps": [f32(t) for t in model.timesteps], "output": flat32(x)}
        if eta:
            case["eta"] = eta
        cases.append(case)

    for steps in [4, 10]:
        for pred in ["eps", "v"]:
            run_kdiffusion("Euler", "Uniform", steps, pred)
            run_kdiffusion("Euler a", "Uniform", steps, pred)
            run_kdiffusion("DPM++ 2M", "Karras", steps, pred)
            run_kdiffusion("DPM++ 2M", "Uniform", steps, pred)
            run_a1111_ddim(steps, pred)
            run_diffusers("DDIM", steps, pred)
        run_a1111_lcm(steps)
        run_diffusers("LCM", steps, "eps")
        run_diffusers("LCM", steps, "v")
    run_kdiffusion("Euler", "Karras", 10, "eps")
    run_kdiffusion("Euler", "Exponential", 10, "eps")
    run_kdiffusion("Euler a", "Karras", 10, "v")
    run_kdiffusion("Euler a", "Uniform", 10, "eps", eta=0.5)
    run_kdiffusion("DPM++ 2M", "Exponential", 10, "eps")
    run_kdiffusion("Euler", "Uniform", 4, "eps", sgm=True)
    run_kdiffusion("DPM++ 2M", "Karras", 1, "eps")
    run_kdiffusion("Euler a", "Uniform", 1, "eps")
    run_a1111_ddim(7, "eps")
    run_a1111_ddim(10, "eps", eta=1.0)
    run_a1111_ddim(1, "eps")
    run_diffusers("DDIM", 7, "eps")
    run_diffusers("DDIM", 10, "eps", eta=1.0)
    run_a1111_lcm(1)
    run_a1111_lcm(6, "Karras")
    run_diffusers("LCM", 1, "eps")

    sampler = {
        "sources": sched["sources"][:3] + ["A1111 f8391b8 sd_samplers_timesteps_impl.ddim",
                                           "torch %s" % torch.__version__],
        "model": "output = 0.1 * x + 0.05 * sin(t / 100), read as eps or v",
        "shape": SHAPE,
        "noise": [flat32(d) for d in draws],
        "cases": cases,
    }

    os.makedirs(OUT_DIR, exist_ok=True)
    for name, payload in [("schedule", sched), ("sampler", sampler)]:
        path = os.path.join(OUT_DIR, name + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(payload, f, separators=(",", ":"))
            f.write("\n")
        print("wrote %s (%d bytes)" % (os.path.relpath(path), os.path.getsize(path)))


if __name__ == "__main__":
    main()
