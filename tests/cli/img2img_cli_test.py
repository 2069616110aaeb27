#!/usr/bin/env python3
"""`depict generate --init-image FILE --denoising-strength S` end to end on the tiny checkpoint
completed with a VAE encoder (make_tiny_checkpoint's extra file): the image it writes, A1111's
step count and infotext, repeatability, the size rules, and a clear error with exit code 2 for
each bad input. Run by ctest with DEPICT and MAKE_TINY_CHECKPOINT set, like cli_test.py."""
import os
import shutil
import struct
import subprocess
import tempfile
import unittest
import zlib

DEPICT = os.environ.get("DEPICT", "build/depict")
FIXTURES = os.environ.get("DEPICT_FIXTURES", "")
MODELS = os.environ.get("DEPICT_MODELS_DIR", "models")
MAKE_TINY = os.environ.get("MAKE_TINY_CHECKPOINT", "")


def run(args, timeout=300):
    return subprocess.run([DEPICT] + args, capture_output=True, timeout=timeout)


def write_png(path, width, height):
    """An 8-bit RGB PNG of a colour ramp (no imaging library needed)."""
    rows = b"".join(b"\0" + bytes(v for x in range(width)
                                   for v in (x * 255 // width, y * 255 // height, (x * y) % 256))
                    for y in range(height))

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" +
                chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def png_info(path):
    """(width, height, {tEXt key: text}) of a PNG."""
    with open(path, "rb") as f:
        data = f.read()
    pos, size, text = 8, None, {}
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind == b"tEXt":
            key, value = body.split(b"\0", 1)
            text[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"iTXt":
            key, rest = body.split(b"\0", 1)
            text[key.decode("latin-1")] = rest[2:].split(b"\0", 2)[2].decode("utf-8")
        pos += 12 + length
    return size[0], size[1], text


@unittest.skipUnless(MAKE_TINY and os.path.exists(
    os.path.join(MODELS, "clip", "bpe_simple_vocab_16e6.txt.gz")),
    "needs make_tiny_checkpoint and the CLIP vocabulary (scripts/fetch-models.sh)")
class Img2ImgCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="depict_img2img_")
        tiny = os.path.join(FIXTURES, "pipeline", "tiny_sd1.safetensors")
        cls.model = os.path.join(cls.dir, "tiny_img2img.safetensors")
        subprocess.run([MAKE_TINY, tiny, cls.model,
                        os.path.join(FIXTURES, "vae_encoder", "tiny_sd1_encoder.safetensors")],
                       check=True)
        cls.plain = os.path.join(cls.dir, "tiny_plain.safetensors")
        subprocess.run([MAKE_TINY, tiny, cls.plain], check=True)
        cls.square = os.path.join(cls.dir, "square.png")
        write_png(cls.square, 64, 64)
        cls.odd = os.path.join(cls.dir, "odd.png")
        write_png(cls.odd, 100, 70)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def generate(self, *args, model=None):
        out = tempfile.mkdtemp(dir=self.dir)
        r = run(["generate", "--model", model or self.model, "--models-dir", MODELS,
                 "--out", out, "--steps", "4", "--no-hash", "--prompt", "a photo of a cat"] +
                list(args))
        return r, out

    def assertFails(self, r, *needles):
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, 2, err)
        for needle in needles:
            self.assertIn(needle, err)

    def test_img2img_writes_the_image_with_a1111s_steps_and_infotext(self):
        r, out = self.generate("--init-image", self.square, "--denoising-strength", "0.5",
                               "--sampler", "Euler", "--seed", "3", "--no-plan")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        path = r.stdout.decode().strip()
        width, height, text = png_info(path)
        self.assertEqual((width, height), (64, 64))  # the init image's size
        params = text["parameters"]
        self.assertIn("Steps: 4, Sampler: Euler, Schedule type: Uniform, CFG scale: 7, Seed: 3, "
                      "Size: 64x64, Model: tiny_img2img, Denoising strength: 0.5,", params)
        # int(0.5 * 4) + 1 = 3 UNet evaluations, as A1111 runs them.
        err = r.stderr.decode()
        self.assertIn("step 3/3", err)
        self.assertNotIn("step 4/", err)
        # The same request makes the same file; another strength another image.
        r2, _ = self.generate("--init-image", self.square, "--denoising-strength", "0.5",
                              "--sampler", "Euler", "--seed", "3", "--no-plan")
        with open(path, "rb") as a, open(r2.stdout.decode().strip(), "rb") as b:
            self.assertEqual(a.read(), b.read())
        r3, _ = self.generate("--init-image", self.square, "--denoising-strength", "0.9",
                              "--sampler", "Euler", "--seed", "3", "--no-plan")
        self.assertEqual(r3.returncode, 0, r3.stderr.decode())
        with open(path, "rb") as a, open(r3.stdout.decode().strip(), "rb") as b:
            self.assertNotEqual(a.read(), b.read())

    def test_planned_prompt_and_default_strength(self):
        r, out = self.generate("--init-image", self.square, "--seed", "5", "--images", "2")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        paths = r.stdout.decode().split()
        self.assertEqual(len(paths), 2)
        for path in paths:
            self.assertIn("Denoising strength: 0.75,", png_info(path)[2]["parameters"])

    def test_an_init_image_of_another_size_is_resized_to_width_and_height(self):
        r, _ = self.generate("--init-image", self.odd, "--no-plan")
        self.assertFails(r, "100x70", "--width and --height")
        r, out = self.generate("--init-image", self.odd, "--no-plan", "--width", "64",
                               "--height", "128")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(png_info(r.stdout.decode().strip())[:2], (64, 128))

    def test_bad_input_is_a_clear_error(self):
        missing = os.path.join(self.dir, "missing.png")
        self.assertFails(self.generate("--init-image", missing, "--no-plan")[0], missing)
        not_image = os.path.join(self.dir, "not_image.png")
        with open(not_image, "w") as f:
            f.write("hello")
        self.assertFails(self.generate("--init-image", not_image, "--no-plan")[0],
                         "not a PNG or JPEG")
        self.assertFails(self.generate("--init-image", self.dir, "--no-plan")[0], "directory")
        for bad in ("1.5", "-0.1", "nan"):
            r, _ = self.generate("--init-image", self.square, "--denoising-strength", bad,
                                 "--no-plan")
            self.assertNotEqual(r.returncode, 0, bad)
            self.assertIn("denoising-strength", r.stderr.decode().lower(), bad)
        self.assertFails(self.generate("--denoising-strength", "0.5", "--no-plan")[0],
                         "needs --init-image")
        self.assertFails(self.generate("--init-image", self.square, "--no-plan",
                                       model=self.plain)[0], "no VAE encoder")


if __name__ == "__main__":
    unittest.main()
