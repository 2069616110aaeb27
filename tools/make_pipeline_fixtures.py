#!/usr/bin/env python3
"""Writes the end-to-end fixtures in tests/fixtures/pipeline/.

tests/diffusion/pipeline_test.cc runs depict's whole text-to-image path (tokenizer, text encoder,
classifier-free guidance, sampler, VAE decoder, LoRA) on a tiny random-weight SD 1.x-shaped
model and compares it with the same generation done here with transformers' CLIPTokenizer and
CLIPTextModel, diffusers' UNet2DConditionModel, EulerDiscreteScheduler /
EulerAncestralDiscreteScheduler and AutoencoderKL.

The model keeps SD 1.x's structure where depict reads it from the family rather than the
tensors (32 groups in every group norm, 8 heads in every transformer), so the single-file
checkpoint loads with no options: UNet block_out_channels (32, 64), one resnet per block,
cross_attention_dim 64; a CLIP text model of width 64 (one head of 64), 2 layers, CLIP's 49408
token vocabulary; a VAE decoder with four up blocks of 32 channels (8x upsampling, as SD).

  tiny_sd1.safetensors   F16 weights under the SD 1.x single-file names (model.diffusion_model.*,
                         first_stage_model.*, cond_stage_model.transformer.text_model.*), except
                         the token embedding: only the rows of the tokens the prompts use are
                         stored, as fixture.token_rows [K, 64] with their ids in
                         fixture.token_row_ids [K] (F32), so the file stays small; the test writes
                         the full [49408, 64] table (other rows random: no prompt reads them).
  lora_kohya.safetensors a kohya-format LoRA (rank 4, alpha 2) on UNet to_q / to_v / to_out.0 /
                         ff.net.0.proj / proj_in (a 1x1 conv) / a resnet's conv1 (3x3, LoCon) and
                         text encoder q_proj / fc1.
  lora_peft.safetensors  the same adapter in diffusers' PEFT format (unet.*.lora_A/lora_B,
                         text_encoder.*), alpha / rank folded into lora_B.
  expected.safetensors   float32 results:
    euler_image  [1, 3, 64, 64]  "a photo of a cat", negative "", Euler, 4 steps, CFG 7, torch
                                 CPU noise of seed 1234 (EulerDiscreteScheduler, linspace
                                 timesteps: k-diffusion's "Uniform" schedule at 4 steps)
    euler_latent [1, 4, 8, 8]    the final latent of the same
    ancestral_image [1, 3, 64, 64]  "portrait of an old man, oil painting", negative "blurry",
                                 Euler a, 4 steps, CFG 5, seed 99: its ancestral noise comes from
                                 the same torch CPU generator after the initial draw (A1111's
                                 ImageRNG with the CPU source)
    lora_image   [1, 3, 64, 64]  the Euler case with the LoRA at multiplier 0.8, computed on a
                                 copy of the model whose weights were merged (W + 0.8 * alpha /
                                 rank * up @ down): an independent check of depict's run-time
                                 low-rank terms and of its name mapping

  tiny_v/                a diffusers folder of a second model whose settings only its config
                         files tell: unet/config.json (norm_num_groups 16, attention_head_dim 4:
                         4 heads), vae/config.json (norm_num_groups 16), scheduler/
                         scheduler_config.json (prediction_type v_prediction). Its text_encoder/
                         model.safetensors stores token rows as above (the test completes it).
    v_image      [1, 3, 64, 64]  in expected.safetensors: "a photo of a cat", Euler, 4 steps,
                                 CFG 7, seed 1234, v-prediction

Usage (nothing is downloaded):
  /usr/bin/python3 -m venv --system-site-packages /tmp/venv    # Debian python3-torch
  /tmp/venv/bin/pip install diffusers==0.32.2 transformers==4.40.2 safetensors==0.4.5 ftfy==6.1.1
  /tmp/venv/bin/python tools/make_pipeline_fixtures.py [models/clip/bpe_simple_vocab_16e6.txt.gz]
"""
import copy
import gzip
import importlib.util
import json
import os
import sys
import tempfile

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("unet_fixtures",
                                               os.path.join(HERE, "make_unet_fixtures.py"))
unet_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(unet_fixtures)  # also imports diffusers with its torch 1.13 shim
_spec = importlib.util.spec_from_file_location("vae_fixtures",
                                               os.path.join(HERE, "make_vae_fixtures.py"))
vae_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(vae_fixtures)

from diffusers import (AutoencoderKL, EulerAncestralDiscreteScheduler,  # noqa: E402
                       EulerDiscreteScheduler, UNet2DConditionModel)
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer  # noqa: E402
from transformers.models.clip.tokenization_clip import bytes_to_unicode  # noqa: E402

SCALING = 0.18215
RANK, ALPHA, MULTIPLIER = 4, 2.0, 0.8


def randomize(model, scale=None):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
            elif scale is not None:
                p.copy_(scale * torch.randn_like(p))
            p.copy_(p.half().float())
    return model


def make_models(seed=11, groups=32, heads=8):
    torch.manual_seed(seed)
    unet = randomize(UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        block_out_channels=(32, 64), layers_per_block=1, cross_attention_dim=64,
        attention_head_dim=heads, norm_num_groups=groups, flip_sin_to_cos=True,
        freq_shift=0).eval())
    text = randomize(CLIPTextModel(CLIPTextConfig(
        vocab_size=49408, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=1, max_position_embeddings=77, hidden_act="quick_gelu",
        bos_token_id=49406, eos_token_id=49407, pad_token_id=49407)).eval())
    vae = randomize(AutoencoderKL(
        in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4, block_out_channels=(32, 32, 32, 32),
        layers_per_block=1, latent_channels=4, norm_num_groups=groups, sample_size=64,
        scaling_factor=SCALING).eval())
    return unet, text, vae


def tokenizer_from_bpe(bpe_path, workdir):
    lines = gzip.open(bpe_path).read().decode("utf-8").split("\n")
    merges = lines[1:49152 - 256 - 2 + 1]
    symbols = list(bytes_to_unicode().values())
    vocab = symbols + [s + "</w>" for s in symbols] + ["".join(m.split()) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    with open(os.path.join(workdir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({t: i for i, t in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(workdir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")
    return CLIPTokenizer(os.path.join(workdir, "vocab.json"),
                         os.path.join(workdir, "merges.txt"), model_max_length=77)


def encode(tokenizer, text_model, prompt):
    ids = tokenizer(prompt, padding="max_length", max_length=77, return_tensors="pt").input_ids
    with torch.no_grad():
        return text_model(ids)[0], ids


def generate(unet, text_model, vae, tokenizer, prompt, negative, scheduler, cfg, seed):
    cond, ids_c = encode(tokenizer, text_model, prompt)
    uncond, ids_u = encode(tokenizer, text_model, negative)
    context = torch.cat([cond, uncond])
    gen = torch.Generator().manual_seed(seed)
    latents = torch.randn((1, 4, 8, 8), generator=gen)
    scheduler.set_timesteps(4)
    latents = latents * scheduler.init_noise_sigma
    with torch.no_grad():
        for t in scheduler.timesteps:
            x = scheduler.scale_model_input(latents, t)
            out = unet(torch.cat([x, x]), t, encoder_hidden_states=context).sample
            eps = out[1:] + cfg * (out[:1] - out[1:])
            latents = scheduler.step(eps, t, latents, generator=gen).prev_sample
        image = vae.decode(latents / SCALING).sample.clamp(-1, 1)
    return latents, image, torch.cat([ids_c, ids_u])


def scheduler_config(prediction="epsilon"):
    return dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012,
                beta_schedule="scaled_linear", prediction_type=prediction,
                timestep_spacing="linspace", steps_offset=1)


def text_state(text, used):
    """The text encoder's tensors, the token embedding as its used rows only."""
    state = {}
    for k, v in text.state_dict().items():
        if k.endswith("position_ids"):
            continue
        if k == "text_model.embeddings.token_embedding.weight":
            state["fixture.token_rows"] = v[used].half().contiguous()
            state["fixture.token_row_ids"] = torch.tensor(used, dtype=torch.float32)
            continue
        state[k] = v.half().contiguous()
    return state


def write_v_model(tokenizer, out_dir, expected):
    unet, text, vae = make_models(seed=12, groups=16, heads=4)
    _, img, ids = generate(unet, text, vae, tokenizer, "a photo of a cat", "",
                           EulerDiscreteScheduler(**scheduler_config("v_prediction")), 7.0, 1234)
    expected["v_image"] = img
    used = sorted(set(ids.flatten().tolist()))
    root = os.path.join(out_dir, "tiny_v")
    for sub in ("unet", "vae", "text_encoder", "scheduler"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    save_file({k: v.half().contiguous() for k, v in unet.state_dict().items()},
              os.path.join(root, "unet", "diffusion_pytorch_model.safetensors"))
    save_file(vae_fixtures.decoder_state(vae),
              os.path.join(root, "vae", "diffusion_pytorch_model.safetensors"))
    save_file(text_state(text, used), os.path.join(root, "text_encoder", "model.safetensors"))
    configs = {
        "unet/config.json": {"_class_name": "UNet2DConditionModel", "norm_num_groups": 16,
                             "attention_head_dim": 4, "block_out_channels": [32, 64],
                             "cross_attention_dim": 64},
        "vae/config.json": {"_class_name": "AutoencoderKL", "norm_num_groups": 16,
                            "scaling_factor": SCALING},
        "scheduler/scheduler_config.json": dict(_class_name="EulerDiscreteScheduler",
                                                **scheduler_config("v_prediction")),
    }
    for name, config in configs.items():
        with open(os.path.join(root, name), "w") as f:
            json.dump(config, f, indent=2)


def lora_targets(unet, text):
    """(component, diffusers module path, module) of every adapted layer."""
    out = []
    for name, m in unet.named_modules():
        if name.endswith(("attn1.to_q", "attn2.to_v", "attn1.to_out.0", "ff.net.0.proj",
                          "attentions.0.proj_in", "down_blocks.0.resnets.0.conv1")):
            out.append(("unet", name, m))
    for name, m in text.named_modules():
        if name.endswith(("self_attn.q_proj", "mlp.fc1")):
            out.append(("text_encoder", name, m))
    return out


def main():
    bpe = sys.argv[1] if len(sys.argv) > 1 else "models/clip/bpe_simple_vocab_16e6.txt.gz"
    out_dir = os.path.join(HERE, "..", "tests", "fixtures", "pipeline")
    os.makedirs(out_dir, exist_ok=True)
    torch.set_grad_enabled(False)
    unet, text, vae = make_models()
    with tempfile.TemporaryDirectory() as work:
        tokenizer = tokenizer_from_bpe(bpe, work)
        expected = {}
        lat, img, ids_a = generate(unet, text, vae, tokenizer, "a photo of a cat", "",
                                   EulerDiscreteScheduler(**scheduler_config()), 7.0, 1234)
        expected["euler_latent"], expected["euler_image"] = lat, img
        _, img, ids_b = generate(unet, text, vae, tokenizer,
                                 "portrait of an old man, oil painting", "blurry",
                                 EulerAncestralDiscreteScheduler(**scheduler_config()), 5.0, 99)
        expected["ancestral_image"] = img

        # The LoRA: random halves, merged into copies of the models for the reference.
        torch.manual_seed(5)
        kohya, peft = {}, {}
        unet_l, text_l = copy.deepcopy(unet), copy.deepcopy(text)
        for (component, name, m), (_, _, m_l) in zip(lora_targets(unet, text),
                                                      lora_targets(unet_l, text_l)):
            w = m.weight
            conv = w.dim() == 4
            down_shape = (RANK,) + tuple(w.shape[1:]) if conv else (RANK, w.shape[1])
            down = (0.3 * torch.randn(down_shape)).half().float()
            up = (0.3 * torch.randn((w.shape[0], RANK) + ((1, 1) if conv else ()))).half().float()
            delta = (up.reshape(w.shape[0], RANK) @ down.reshape(RANK, -1)).reshape(w.shape)
            m_l.weight.copy_(w + MULTIPLIER * ALPHA / RANK * delta)
            prefix = "lora_unet_" if component == "unet" else "lora_te_"
            key = prefix + name.replace(".", "_")
            kohya[key + ".lora_down.weight"] = down.half()
            kohya[key + ".lora_up.weight"] = up.half()
            kohya[key + ".alpha"] = torch.tensor(ALPHA).half()
            peft[f"{component}.{name}.lora_A.weight"] = down
            peft[f"{component}.{name}.lora_B.weight"] = up * (ALPHA / RANK)
        _, img, _ = generate(unet_l, text_l, vae, tokenizer, "a photo of a cat", "",
                             EulerDiscreteScheduler(**scheduler_config()), 7.0, 1234)
        expected["lora_image"] = img
        write_v_model(tokenizer, out_dir, expected)

    used = sorted(set(ids_a.flatten().tolist()) | set(ids_b.flatten().tolist()))
    state = {}
    for k, v in unet.state_dict().items():
        state[unet_fixtures.ldm_name(k, unet)] = v.half().contiguous()
    decoder = vae_fixtures.decoder_state(vae)
    state.update(vae_fixtures.ldm_names(decoder, len(vae.decoder.up_blocks)))
    for k, v in text_state(text, used).items():
        state[k if k.startswith("fixture.") else "cond_stage_model.transformer." + k] = v
    save_file(state, os.path.join(out_dir, "tiny_sd1.safetensors"))
    save_file(kohya, os.path.join(out_dir, "lora_kohya.safetensors"))
    save_file({k: v.contiguous() for k, v in peft.items()},
              os.path.join(out_dir, "lora_peft.safetensors"))
    save_file({k: v.float().contiguous() for k, v in expected.items()},
              os.path.join(out_dir, "expected.safetensors"))
    for k, v in expected.items():
        print(k, tuple(v.shape), float(v.abs().mean()))
    print("token rows:", len(used))


if __name__ == "__main__":
    main()
