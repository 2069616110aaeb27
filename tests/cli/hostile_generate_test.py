#!/usr/bin/env python3
"""Hostile input to `depict generate`: every file, name and number below is written or chosen
by the test to attack the engine (escapes out of --lora-dir, FIFOs, text files posing as
checkpoints, absurd numbers, enormous prompts). Each must give a clear message and a non-zero
exit: never a crash, a hang, a huge allocation or a leak of another file's content. Run by
ctest with DEPICT and MAKE_TINY_CHECKPOINT set, like cli_test.py."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

DEPICT = os.environ.get("DEPICT", "build/depict")
FIXTURES = os.environ.get("DEPICT_FIXTURES", "")
MODELS = os.environ.get("DEPICT_MODELS_DIR", "models")
MAKE_TINY = os.environ.get("MAKE_TINY_CHECKPOINT", "")
SECRET = "root:x:0:0:hunter2:/root:/bin/bash\n"


def run(args, timeout=120):
    return subprocess.run([DEPICT] + args, capture_output=True, timeout=timeout)


@unittest.skipUnless(MAKE_TINY and os.path.exists(
    os.path.join(MODELS, "clip", "bpe_simple_vocab_16e6.txt.gz")),
    "needs make_tiny_checkpoint and the CLIP vocabulary (scripts/fetch-models.sh)")
class HostileGenerateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="depict_hostile_")
        cls.model = os.path.join(cls.dir, "tiny_sd1.safetensors")
        subprocess.run([MAKE_TINY, os.path.join(FIXTURES, "pipeline", "tiny_sd1.safetensors"),
                        cls.model], check=True)
        cls.secret = os.path.join(cls.dir, "secret.txt")
        with open(cls.secret, "w") as f:
            f.write(SECRET)
        cls.loras = os.path.join(cls.dir, "loras")
        os.mkdir(cls.loras)
        shutil.copy(os.path.join(FIXTURES, "pipeline", "lora_kohya.safetensors"),
                    os.path.join(cls.dir, "outside.safetensors"))
        os.symlink(os.path.join(cls.dir, "outside.safetensors"),
                   os.path.join(cls.loras, "escape.safetensors"))
        os.symlink(cls.secret, os.path.join(cls.loras, "secret.safetensors"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def generate(self, *args, model=None, timeout=120):
        out = tempfile.mkdtemp(dir=self.dir)
        r = run(["generate", "--model", model or self.model, "--models-dir", MODELS, "--out", out,
                 "--width", "64", "--height", "64", "--steps", "1", "--no-hash"] + list(args),
                timeout=timeout)
        return r, out

    def assertRefused(self, r, code, *needles):
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, code, err)
        self.assertTrue(err.startswith("depict: ") or "Error" in err or "--" in err, err)
        self.assertNotIn("root:x", err)
        self.assertNotIn("hunter2", err)
        self.assertNotIn("terminate", err)
        for needle in needles:
            self.assertIn(needle, err)
        return err

    # 1. Names from a prompt stay inside --lora-dir; foreign files' bytes are never printed.
    def test_prompt_lora_names_cannot_leave_the_lora_dir(self):
        for name in ["../../../../etc/passwd", "/etc/passwd", "../secret.txt", "escape", "secret",
                     os.path.join(self.dir, "outside.safetensors")]:
            r, out = self.generate("--no-plan", "--prompt", "a cat <lora:%s:1>" % name,
                                   "--lora-dir", self.loras)
            err = self.assertRefused(r, 2)
            self.assertNotIn("header length", err)
            self.assertEqual(os.listdir(out), [], name)  # no PNG records the name
        # --lora NAME (no '/') is looked up like a prompt's name.
        r, _ = self.generate("--no-plan", "--prompt", "a cat", "--lora", "secret",
                             "--lora-dir", self.loras)
        self.assertRefused(r, 2, "resolves outside")
        r, _ = self.generate("--no-plan", "--prompt", "a cat <lora:../secret.txt:1>",
                             "--lora-dir", self.loras)
        self.assertRefused(r, 2, "'..' is not allowed")

    def test_operator_lora_path_still_works(self):
        r, _ = self.generate("--no-plan", "--prompt", "a cat", "--lora",
                             os.path.join(self.dir, "outside.safetensors") + ":0.5")
        self.assertEqual(r.returncode, 0, r.stderr.decode())

    def test_a_text_file_as_checkpoint_is_not_quoted(self):
        link = os.path.join(self.dir, "model_link.safetensors")
        os.symlink(self.secret, link)
        r, _ = self.generate("--no-plan", "--prompt", "a cat", model=link)
        err = self.assertRefused(r, 1, "does not start with a valid safetensors header length")
        self.assertNotIn("3475222254926655346", err)
        os.remove(link)

    def test_fifos_are_errors_not_hangs(self):
        fifo = os.path.join(self.dir, "fifo.safetensors")
        os.mkfifo(fifo)
        r, _ = self.generate("--no-plan", "--prompt", "a cat", model=fifo, timeout=30)
        self.assertRefused(r, 1, "FIFO")
        os.remove(fifo)
        folder = os.path.join(self.dir, "diffusers_fifo")
        shutil.copytree(os.path.join(FIXTURES, "pipeline", "tiny_v"), folder)
        config = os.path.join(folder, "unet", "config.json")
        os.remove(config)
        os.mkfifo(config)
        r, _ = self.generate("--no-plan", "--prompt", "a cat", model=folder, timeout=30)
        self.assertRefused(r, 1, "unet/config.json: diffusers config must be a regular file, "
                           "not a FIFO")
        shutil.rmtree(folder)

    # 5, 6. Config values of the wrong type or unknown are errors naming the file and key.
    def test_bad_diffusers_configs_name_file_and_key(self):
        for component, name, key, value, expected in [
                ("scheduler", "scheduler_config.json", "prediction_type", "evil",
                 '"prediction_type" must be "epsilon" or "v_prediction"'),
                ("unet", "config.json", "norm_num_groups", "16",
                 '"norm_num_groups" must be an integer, not a string'),
                ("vae", "config.json", "scaling_factor", [1],
                 '"scaling_factor" must be a number, not a array')]:
            folder = os.path.join(self.dir, "diffusers_" + key)
            shutil.copytree(os.path.join(FIXTURES, "pipeline", "tiny_v"), folder)
            path = os.path.join(folder, component, name)
            with open(path) as f:
                config = json.load(f)
            config[key] = value
            with open(path, "w") as f:
                json.dump(config, f)
            r, _ = self.generate("--no-plan", "--prompt", "a cat", model=folder)
            err = self.assertRefused(r, 1, expected)
            self.assertNotIn("json.exception", err)
            shutil.rmtree(folder)
        folder = os.path.join(self.dir, "diffusers_dir_config")
        shutil.copytree(os.path.join(FIXTURES, "pipeline", "tiny_v"), folder)
        os.remove(os.path.join(folder, "vae", "config.json"))
        os.mkdir(os.path.join(folder, "vae", "config.json"))
        r, _ = self.generate("--no-plan", "--prompt", "a cat", model=folder)
        err = self.assertRefused(r, 1, "not a directory")
        self.assertNotIn("basic_filebuf", err)
        shutil.rmtree(folder)

    # 2. Thread counts.
    def test_thread_counts_out_of_range(self):
        for threads in ["100000", "-1"]:
            r, _ = self.generate("--no-plan", "--prompt", "a cat", "--threads", threads)
            self.assertRefused(r, 2, "--threads")

    # 3. Prompt size, with and without the planner, prompt and negative prompt.
    def test_huge_prompts_are_refused_quickly(self):
        breaks = "a BREAK " * 15000  # 120 KB, under the 128 KB limit on one argument
        for args in (["--no-plan", "--prompt", breaks], ["--prompt", breaks],
                     ["--no-plan", "--prompt", "a cat", "--negative", breaks],
                     ["--prompt", "a cat", "--negative", breaks]):
            r, _ = self.generate(*args, timeout=60)
            self.assertRefused(r, 2, "4000")
        many = "a BREAK " * 400  # 3,200 bytes, 400 chunks
        r, _ = self.generate("--no-plan", "--prompt", many)
        self.assertRefused(r, 2, "more than 32 chunks")
        r, _ = self.generate("--no-plan", "--prompt", "a cat", "--negative", many)
        self.assertRefused(r, 2, "negative prompt needs more than 32 chunks")

    # 5. Numbers from flags and prompts.
    def test_absurd_numbers_are_errors(self):
        for args, needle in [(["--sampler", "Euler a", "--eta", "1e30"], "eta"),
                             (["--sampler", "DDIM", "--eta", "nan"], "eta"),
                             (["--cfg", "nan"], "cfg"),
                             (["--cfg", "1e30"], "cfg"),
                             (["--seed", "4294967296"], "seed"),
                             (["--seed", "-2"], "seed"),
                             (["--seed", "1e3"], "seed"),
                             (["--steps", "100000"], "steps"),
                             (["--width", "1000000"], "width")]:
            r, _ = self.generate("--no-plan", "--prompt", "a cat", *args)
            self.assertRefused(r, 2)
            self.assertIn(needle, r.stderr.decode().lower(), args)
        r, _ = self.generate("--no-plan", "--prompt", "a cat <lora:x:1e30>", "--lora-dir",
                             self.loras)
        self.assertRefused(r, 2, "outside -10..10")
        r, _ = self.generate("--no-plan", "--prompt", "a cat", "--lora", "x:1e30", "--lora-dir",
                             self.loras)
        self.assertRefused(r, 2, "outside -10..10")

    def test_largest_seed_is_accepted_and_the_next_image_goes_past_it(self):
        r, _ = self.generate("--no-plan", "--prompt", "a cat", "--seed", "4294967295",
                             "--images", "2", "--json")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        seeds = [json.loads(line)["seed"] for line in r.stdout.decode().splitlines()]
        self.assertEqual(seeds, [4294967295, 4294967296])  # seed + i unwrapped, as A1111


if __name__ == "__main__":
    unittest.main(verbosity=2)
