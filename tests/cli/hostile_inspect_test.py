#!/usr/bin/env python3
"""`depict inspect` on hostile input the test writes itself: devices, FIFOs and directories
named as images, PNG chunks that lie about their length, oversized files, and model files that
are not regular files. Every bad image must exit 2 with a message naming the file, quickly and
without a large allocation; bad model files exit 1. Run by ctest with DEPICT set to the binary."""
import json
import os
import resource
import shutil
import struct
import subprocess
import tempfile
import unittest
import zlib

DEPICT = os.environ.get("DEPICT", "build/depict")
HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.environ.get("DEPICT_MODELS_DIR", os.path.join(HERE, "..", "..", "models"))
ASTRONAUT = os.path.join(HERE, "..", "fixtures", "vision", "astronaut.png")
HAVE_MODELS = os.path.exists(os.path.join(MODELS, "face-api", "tiny_face_detector_model.bin"))


def run(args, timeout=60):
    env = dict(os.environ, DEPICT_MODELS_DIR=MODELS)
    return subprocess.run([DEPICT] + args, capture_output=True, timeout=timeout, env=env)


def chunk(kind, data, claimed=None):
    length = len(data) if claimed is None else claimed
    return struct.pack(">I", length) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header(width, height):
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0,
                                                               0, 0))


def grey_png(extra=b""):
    raw = b"".join(b"\0" + b"\x80" * 12 for _ in range(4))  # 4x4 RGB
    return png_header(4, 4) + extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@unittest.skipUnless(HAVE_MODELS, "vision models absent (scripts/fetch-models.sh)")
class HostileImageTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def path(self, name, content=None):
        p = os.path.join(self.tmp, name)
        if content is not None:
            with open(p, "wb") as f:
                f.write(content)
        return p

    def assert_bad_image(self, path, expected):
        r = run(["inspect", path], timeout=30)
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 2, err)
        self.assertIn("depict inspect: " + path + ": ", err)
        self.assertIn(expected, err)

    def test_devices_fifos_and_directories_are_not_images(self):
        link = self.path("x.png")
        os.symlink("/dev/zero", link)
        fifo = self.path("fifo.png")
        os.mkfifo(fifo)
        folder = self.path("folder.png")
        os.mkdir(folder)
        self.assert_bad_image("/dev/zero", "image must be a regular file, not a character device")
        self.assert_bad_image(link, "image must be a regular file, not a character device")
        self.assert_bad_image(fifo, "image must be a regular file, not a FIFO")
        self.assert_bad_image(folder, "image must be a regular file, not a directory")

    def test_bad_images_in_a_batch_are_error_lines_and_the_others_go_on(self):
        fifo = self.path("fifo.png")
        os.mkfifo(fifo)
        r = run(["inspect", "--json", self.tmp, fifo, ASTRONAUT], timeout=60)
        self.assertEqual(r.returncode, 2, r.stderr)
        lines = [json.loads(line) for line in r.stdout.decode().splitlines()]
        self.assertEqual([line["image"] for line in lines], [self.tmp, fifo, ASTRONAUT])
        self.assertIn("not a directory", lines[0]["error"])
        self.assertIn("not a FIFO", lines[1]["error"])
        self.assertEqual(len(lines[2]["faces"]), 1)

    def test_png_chunk_claiming_2_gib_is_refused_without_allocating_it(self):
        hostile = png_header(2, 2) + struct.pack(">I", 0x7FFFFFFF) + b"tEXtabc"
        self.assertEqual(len(hostile), 44)
        self.assert_bad_image(self.path("claim.png", hostile),
                              "chunk 'tEXt' at byte 33 claims 2147483647 bytes")
        # The largest child so far (this one included) never came near the 2 GiB claimed.
        self.assertLess(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, 1 << 20)  # KiB

    def test_a_100_mb_text_chunk_is_skipped(self):
        text = chunk(b"tEXt", b"Comment\0" + b"x" * (100 << 20))
        r = run(["inspect", "--json", self.path("text.png", grey_png(text))])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["width"], 4)

    def test_every_bad_image_exits_2_naming_the_file(self):
        big = self.path("big.jpg", b"\xff\xd8\xff")
        os.truncate(big, (256 << 20) + 1)  # sparse
        with open(ASTRONAUT, "rb") as f:
            truncated = f.read()[:5000]
        cases = [
            (self.path("missing.png"), "cannot open image: No such file or directory"),
            (self.path("empty.png", b""), "empty file: not an image"),
            (self.path("text.jpg", b"not a picture"), "not a PNG or JPEG image"),
            (self.path("truncated.png", truncated), "truncated PNG"),
            (self.path("noend.png", grey_png()[:-12]), "before the IEND chunk"),
            (self.path("huge.png", png_header(20000, 20000)), "over the limit of 100 megapixels"),
            (self.path("zero.png", png_header(0, 5)), "zero width or height"),
            (self.path("bad.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 40), "invalid or truncated JPEG"),
            (big, "image is 268435457 bytes, more than the limit"),
        ]
        for path, expected in cases:
            with self.subTest(path=os.path.basename(path)):
                self.assert_bad_image(path, expected)


@unittest.skipUnless(HAVE_MODELS, "vision models absent (scripts/fetch-models.sh)")
class HostileModelTest(unittest.TestCase):
    """A models folder whose files are links to the real ones, but for one hostile file."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        for sub in ("face-api", os.path.join("nsfwjs", "mobilenet_v2")):
            os.makedirs(os.path.join(self.tmp, sub))
            for name in os.listdir(os.path.join(MODELS, sub)):
                os.symlink(os.path.join(MODELS, sub, name), os.path.join(self.tmp, sub, name))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def replace(self, relative):
        path = os.path.join(self.tmp, relative)
        os.unlink(path)
        return path

    def assert_model_error(self, path, expected):
        r = run(["inspect", "--models", self.tmp, ASTRONAUT], timeout=30)
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 1, err)
        self.assertIn(path + ": " + expected, err)

    def test_a_fifo_model_json_is_refused_not_waited_on(self):
        path = self.replace(os.path.join("nsfwjs", "mobilenet_v2", "model.json"))
        os.mkfifo(path)
        self.assert_model_error(path, "model.json must be a regular file, not a FIFO")

    def test_a_weights_shard_linked_to_dev_zero_is_refused(self):
        path = self.replace(os.path.join("face-api", "tiny_face_detector_model.bin"))
        os.symlink("/dev/zero", path)
        self.assert_model_error(path, "weights shard must be a regular file, not a character")

    def test_an_oversized_manifest_is_refused(self):
        path = self.replace(os.path.join("face-api", "age_gender_model-weights_manifest.json"))
        with open(path, "wb") as f:
            f.write(b"[")
        os.truncate(path, (4 << 20) + 1)
        self.assert_model_error(path, "weights manifest is 4194305 bytes, more than the limit")


if __name__ == "__main__":
    unittest.main(verbosity=2)
