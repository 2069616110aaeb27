#!/usr/bin/env python3
"""Writes the CLIP text encoder fixtures in tests/fixtures/text_encoder/.

tests/diffusion/text_encoder_test.cc checks depict's TextEncoder (src/diffusion/text_encoder.h)
against Hugging Face transformers' CLIPTextModel, run here on tiny random-weight models:

  sd1_diffusers.safetensors   a CLIPTextModel (width 128, 2 heads of 64, 3 layers, MLP 256,
                              QuickGELU) under diffusers' text_encoder/ names (text_model.*),
                              with the I64 text_model.embeddings.position_ids transformers saves.
  sd1_single.safetensors      the same weights under the SD 1.x single-file names
                              (cond_stage_model.transformer.text_model.*), beside an unrelated
                              UNet-like tensor the encoder must ignore.
  sd2_openclip.safetensors    a second model (4 layers, exact GELU) under OpenCLIP's SD 2.x names
                              (cond_stage_model.model.token_embedding.weight, positional_embedding,
                              transformer.resblocks.N.{ln_1, attn.in_proj_*, attn.out_proj, ln_2,
                              mlp.c_fc, mlp.c_proj}, ln_final). in_proj is q, k and v stacked, as
                              torch.nn.MultiheadAttention reads it, so the CLIPTextModel computes
                              what open_clip's text tower computes.
  expected.safetensors        token ids (as F32) and float32 outputs:
                                sd1_tokens [3, 77]          inputs of the SD 1.x model
                                sd1_last [3, 77, 128]       last_hidden_state
                                sd1_skip2 [3, 77, 128]      final_layer_norm(hidden_states[-2]),
                                                            A1111's CLIP skip 2
                                sd1_skip3 [3, 77, 128]      the same with hidden_states[-3]
                                sd1_weights [3, 77]         per-token prompt weights
                                sd1_weighted [3, 77, 128]   A1111's emphasis on sd1_last:
                                                            z * w, then * (old mean / new mean)
                                sd2_tokens [2, 77]          inputs of the SD 2.x model
                                sd2_penultimate [2, 77, 128] final_layer_norm(hidden_states[-2]),
                                                            what SD 2.x conditions on

Choices that keep each file under 2 MB:
  - The vocabulary has 1000 rows, not CLIP's 49408, and the token ids are below 1000 (998 and
    999 stand in for BOS and EOS; SD 2.x pads with 0). The encoder reads the vocabulary size from
    the embedding's shape and never treats an id specially, so nothing depends on the real ids.
  - Weights are stored as F16 (as real checkpoints are). The reference runs in float32 on the
    F16-rounded weights, so depict (which converts F16 weights to f32) computes the same thing.
  - Width 128 keeps CLIP's head size of 64 (depict derives heads = width / 64).

Usage (nothing is downloaded by this script):

  python3 tools/make_text_encoder_fixtures.py [OUT_DIR]

How the committed fixtures were made (Debian 12, x86-64): Debian's python3-torch 1.13.0a0 with
pip's transformers 4.40.2 (safetensors 0.8.0, numpy 1.24.2 from Debian):

  /usr/bin/python3 -m venv --system-site-packages /tmp/venv
  /tmp/venv/bin/pip install transformers==4.40.2
  /tmp/venv/bin/python tools/make_text_encoder_fixtures.py
"""

import os
import sys

import torch
import transformers
from safetensors.torch import save_file
from transformers import CLIPTextConfig, CLIPTextModel

VOCAB = 1000
WIDTH = 128
HEADS = 2
MLP = 256
BOS, EOS = 998, 999


def make_model(seed, layers, act):
    torch.manual_seed(seed)
    config = CLIPTextConfig(vocab_size=VOCAB, hidden_size=WIDTH, intermediate_size=MLP,
                            num_hidden_layers=layers, num_attention_heads=HEADS,
                            max_position_embeddings=77, hidden_act=act, layer_norm_eps=1e-5,
                            attn_implementation="eager")
    model = CLIPTextModel(config).eval()
    # Every parameter random (layer norms too, so a swapped gain and bias shows), then rounded
    # to F16, the dtype the fixture stores.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
            elif "embedding" in name:
                p.copy_(0.5 * torch.randn_like(p))
            else:
                p.copy_(torch.randn_like(p) / p.shape[1] ** 0.5)
            p.copy_(p.half().float())
    return model


def tokens(gen, lengths, pad):
    rows = []
    for n in lengths:
        words = torch.randint(0, BOS, (n,), generator=gen).tolist()
        row = [BOS] + words + [EOS]
        row += [pad] * (77 - len(row))
        rows.append(row)
    return torch.tensor(rows, dtype=torch.long)


def f16(sd):
    return {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in sd.items()}


def openclip_names(model):
    sd = model.state_dict()
    out = {}
    p = "cond_stage_model.model."
    out[p + "token_embedding.weight"] = sd["text_model.embeddings.token_embedding.weight"]
    out[p + "positional_embedding"] = sd["text_model.embeddings.position_embedding.weight"]
    for i in range(model.config.num_hidden_layers):
        src = f"text_model.encoder.layers.{i}."
        dst = f"{p}transformer.resblocks.{i}."
        for a, b in (("layer_norm1", "ln_1"), ("layer_norm2", "ln_2"), ("mlp.fc1", "mlp.c_fc"),
                     ("mlp.fc2", "mlp.c_proj"), ("self_attn.out_proj", "attn.out_proj")):
            out[dst + b + ".weight"] = sd[src + a + ".weight"]
            out[dst + b + ".bias"] = sd[src + a + ".bias"]
        for kind in ("weight", "bias"):
            out[dst + "attn.in_proj_" + kind] = torch.cat(
                [sd[src + f"self_attn.{x}_proj.{kind}"] for x in "qkv"], dim=0)
    out[p + "ln_final.weight"] = sd["text_model.final_layer_norm.weight"]
    out[p + "ln_final.bias"] = sd["text_model.final_layer_norm.bias"]
    # SD 2.x checkpoints carry these too; the encoder does not use them.
    out[p + "text_projection"] = torch.zeros(WIDTH, WIDTH)
    out[p + "logit_scale"] = torch.zeros(())
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "text_encoder")
    os.makedirs(out_dir, exist_ok=True)
    meta = {"torch": torch.__version__, "transformers": transformers.__version__,
            "script": "tools/make_text_encoder_fixtures.py"}
    gen = torch.Generator().manual_seed(1234)
    expected = {}

    # SD 1.x: QuickGELU, last layer; clip skip; A1111 emphasis.
    sd1 = make_model(1, 3, "quick_gelu")
    t1 = tokens(gen, [5, 30, 75], EOS)
    with torch.no_grad():
        o = sd1(input_ids=t1, output_hidden_states=True)
        ln = sd1.text_model.final_layer_norm
        expected["sd1_tokens"] = t1.float()
        expected["sd1_last"] = o.last_hidden_state
        expected["sd1_skip2"] = ln(o.hidden_states[-2])
        expected["sd1_skip3"] = ln(o.hidden_states[-3])
        w = torch.ones(3, 77)
        w[0, 1:4] = torch.tensor([1.1, 1.21, 0.9])
        w[1, 5:20] = 1.331
        w[2, 10:12] = 0.5
        w[2, 40:70] = 1.5
        z = o.last_hidden_state
        original_mean = z.mean()
        z = z * w.reshape(w.shape + (1,)).expand(z.shape)
        new_mean = z.mean()
        z = z * (original_mean / new_mean)
        expected["sd1_weights"] = w
        expected["sd1_weighted"] = z
    diffusers = f16(sd1.state_dict())
    if "text_model.embeddings.position_ids" not in diffusers:
        diffusers["text_model.embeddings.position_ids"] = torch.arange(77).unsqueeze(0)
    save_file(diffusers, os.path.join(out_dir, "sd1_diffusers.safetensors"), metadata=meta)
    single = {"cond_stage_model.transformer." + k: v for k, v in diffusers.items()}
    single["model.diffusion_model.conv_in.bias"] = torch.zeros(4, dtype=torch.float16)
    save_file(single, os.path.join(out_dir, "sd1_single.safetensors"), metadata=meta)

    # SD 2.x: exact GELU, OpenCLIP names, penultimate layer through ln_final.
    sd2 = make_model(2, 4, "gelu")
    t2 = tokens(gen, [12, 60], 0)
    with torch.no_grad():
        o = sd2(input_ids=t2, output_hidden_states=True)
        expected["sd2_tokens"] = t2.float()
        expected["sd2_penultimate"] = sd2.text_model.final_layer_norm(o.hidden_states[-2])
    save_file(f16(openclip_names(sd2)), os.path.join(out_dir, "sd2_openclip.safetensors"),
              metadata=meta)

    save_file({k: v.float().contiguous() for k, v in expected.items()},
              os.path.join(out_dir, "expected.safetensors"), metadata=meta)


if __name__ == "__main__":
    main()
