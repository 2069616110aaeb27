#!/usr/bin/env python3
"""End-to-end tests of the `depict` command line: the plan contract, exit codes, batch mode,
bad input and table errors, and `depict generate` from checkpoint to PNG on a tiny random-weight
model the test writes itself. Run by ctest with DEPICT set to the binary."""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

DEPICT = os.environ.get("DEPICT", "build/depict")
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data")


def run(args, stdin=None, timeout=60):
    return subprocess.run([DEPICT] + args, input=stdin, capture_output=True, timeout=timeout)


class HelpTest(unittest.TestCase):
    def test_help_lists_subcommands(self):
        r = run(["--help"])
        self.assertEqual(r.returncode, 0)
        out = r.stdout.decode()
        self.assertIn("plan", out)
        self.assertIn("demo", out)

    def test_no_subcommand_is_an_error(self):
        self.assertNotEqual(run([]).returncode, 0)


class PlanTest(unittest.TestCase):
    def test_json_contract(self):
        r = run(["plan", "--json", "--images", "4", "--seed", "123", "a 1940s German soldier"])
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = json.loads(r.stdout)
        self.assertEqual(plan["decision"], "generate")
        self.assertIsNone(plan["refusal"])
        self.assertEqual(len(plan["people"]), 1)
        person = plan["people"][0]
        self.assertEqual(person["text"], "German soldier")
        prompt = "a 1940s German soldier"
        self.assertEqual((person["start"], person["end"]), (8, 22))
        self.assertEqual(prompt[person["start"]:person["end"]], "German soldier")
        self.assertFalse(person["named"])
        self.assertEqual(person["attributes"]["gender"]["values"], ["man"])
        self.assertEqual(person["attributes"]["ethnicity"]["values"], ["white"])
        self.assertEqual([im["seed"] for im in plan["images"]], [123, 124, 125, 126])
        for im in plan["images"]:
            self.assertEqual(im["prompt"], "a 1940s German soldier")
            self.assertEqual(im["cast"][0]["gender"], "man")
            self.assertEqual(im["cast"][0]["ethnicity"], "white")

    def test_refusal_names_category_and_triggers(self):
        r = run(["plan", "--json", "a mutilated corpse with exposed organs"])
        self.assertEqual(r.returncode, 0)
        plan = json.loads(r.stdout)
        self.assertEqual(plan["decision"], "refuse")
        self.assertEqual(plan["refusal"]["category"], "graphic_violence")
        self.assertTrue(plan["refusal"]["message"])
        self.assertIn("mutilated", plan["refusal"]["triggers"])
        self.assertEqual(plan["images"], [])

    def test_text_output_and_explain(self):
        r = run(["plan", "--images", "2", "a doctor"])
        self.assertEqual(r.returncode, 0)
        out = r.stdout.decode()
        self.assertIn("decision: generate", out)
        self.assertIn("person: 'doctor'", out)
        explained = run(["plan", "--explain", "a female pope"]).stdout.decode()
        self.assertIn("'female' in the prompt", explained)

    def test_bad_single_prompts_exit_2_with_a_message(self):
        for prompt in [b"", b"   \t ", b"caf\xc3", b"\xff\xfe", b"x" * 4001]:
            r = run(["plan", "--json", prompt])
            self.assertEqual(r.returncode, 2, prompt[:20])
            self.assertTrue(r.stderr.strip(), prompt[:20])
            self.assertEqual(r.stdout, b"")

    def test_missing_prompt_is_an_error(self):
        self.assertEqual(run(["plan"]).returncode, 2)

    def test_non_english_prompts_are_planned(self):
        for prompt in ["un médecin dans un hôpital", "侍の肖像", "врач в больнице", "🙂🙂"]:
            r = run(["plan", "--json", prompt])
            self.assertEqual(r.returncode, 0, prompt)
            self.assertEqual(json.loads(r.stdout)["decision"], "generate")

    def test_a_german_prompt_is_read_in_english_and_shown_in_german(self):
        prompt = "eine Ärztin im Krankenhaus"
        plan = json.loads(run(["plan", "--json", "--images", "4", prompt]).stdout)
        self.assertEqual(plan["language"], "de")
        self.assertIn("female doctor", plan["reading"])
        [person] = plan["people"]
        # Offsets index the prompt as written, in bytes; the text is the prompt's own word.
        start, end = person["start"], person["end"]
        self.assertEqual(prompt.encode()[start:end].decode(), person["text"])
        self.assertIn("Ärztin", person["text"])
        self.assertEqual(person["attributes"]["gender"]["source"], "explicit")
        self.assertEqual(person["attributes"]["gender"]["values"], ["woman"])
        for image in plan["images"]:
            self.assertNotIn("Ärztin", image["prompt"])  # the text encoder reads English
            self.assertIn("doctor", image["prompt"])
            # The cast (open ethnicity) is stated in German after the person's word.
            shown = image["display_prompt"]
            self.assertTrue(shown.startswith("eine Ärztin ("), shown)
            self.assertTrue(shown.endswith(") im Krankenhaus"), shown)

    def test_an_english_prompt_has_no_display_prompt(self):
        plan = json.loads(run(["plan", "--json", "a doctor"]).stdout)
        self.assertEqual(plan["language"], "en")
        self.assertNotIn("reading", plan)
        self.assertNotIn("display_prompt", plan["images"][0])

    def test_harmful_prompts_in_other_languages_are_refused_with_their_own_words(self):
        for prompt, category, word in [("niño desnudo", "sexual_minors", "desnudo"),
                                       ("Juden sind Ungeziefer und müssen vernichtet werden",
                                        "hate", "Ungeziefer")]:
            r = run(["plan", "--json", prompt])
            plan = json.loads(r.stdout)
            self.assertEqual(plan["decision"], "refuse", prompt)
            self.assertEqual(plan["refusal"]["category"], category, prompt)
            self.assertTrue(any(word in t for t in plan["refusal"]["triggers"]),
                            plan["refusal"]["triggers"])


class BatchTest(unittest.TestCase):
    def test_one_line_out_per_line_in_with_error_objects(self):
        lines = [b"a doctor", b"", b"caf\xc3", b"a\x00b", b"x" * 5000, b"a black cat", b"   "]
        r = run(["plan", "--batch", "--json", "--images", "3", "--seed", "5"],
                stdin=b"\n".join(lines) + b"\n")
        # Every line is answered; the exit code says some could not be planned.
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(b"5 of 7 lines", r.stderr)
        out = [json.loads(l) for l in r.stdout.decode().splitlines()]
        self.assertEqual(len(out), len(lines))
        self.assertEqual(out[0]["decision"], "generate")
        for i in (1, 2, 3, 4, 6):
            self.assertIn("error", out[i], lines[i][:10])
        self.assertEqual(out[5]["people"], [])
        self.assertEqual(out[5]["images"][0]["prompt"], "a black cat")

    def test_batch_matches_single_runs(self):
        prompts = ["a professor giving a lecture", "Vikings raiding a monastery"]
        r = run(["plan", "--batch", "--json", "--images", "8", "--seed", "9"],
                stdin="\n".join(prompts).encode() + b"\n")
        batch = [json.loads(l) for l in r.stdout.decode().splitlines()]
        for p, b in zip(prompts, batch):
            single = json.loads(run(["plan", "--json", "--images", "8", "--seed", "9", p]).stdout)
            self.assertEqual(single, b)


class TablesTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        shutil.copytree(DATA, os.path.join(self.dir, "data"))
        self.tables = os.path.join(self.dir, "data")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_tables_dir_is_used(self):
        with open(os.path.join(self.tables, "people/modifiers.tsv"), "a") as f:
            f.write("sapient\tgender\twoman\n")
        r = run(["plan", "--json", "--tables", self.tables, "a sapient doctor"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["people"][0]["attributes"]["gender"]["values"],
                         ["woman"])

    def test_malformed_table_names_file_and_line(self):
        path = os.path.join(self.tables, "people/modifiers.tsv")
        with open(path) as f:
            n = sum(1 for _ in f)
        with open(path, "a") as f:
            f.write("broken line without tabs\n")
        r = run(["plan", "--tables", self.tables, "a doctor"])
        self.assertEqual(r.returncode, 2)
        self.assertIn(f"people/modifiers.tsv:{n + 1}:", r.stderr.decode())

    def test_sighup_reloads_between_batch_lines_and_rejects_bad_sets(self):
        p = subprocess.Popen([DEPICT, "plan", "--batch", "--json", "--tables", self.tables],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        def ask(prompt):
            p.stdin.write(prompt.encode() + b"\n")
            p.stdin.flush()
            return json.loads(p.stdout.readline())

        def gender(plan):
            return plan["people"][0]["attributes"]["gender"]["values"]

        try:
            self.assertEqual(len(gender(ask("a sapient doctor"))), 2)  # unknown word: open
            with open(os.path.join(self.tables, "people/modifiers.tsv"), "a") as f:
                f.write("sapient\tgender\twoman\n")
            p.send_signal(signal.SIGHUP)
            time.sleep(0.2)
            self.assertEqual(gender(ask("a sapient doctor")), ["woman"])
            with open(os.path.join(self.tables, "people/nouns.tsv"), "a") as f:
                f.write("bad row\n")
            p.send_signal(signal.SIGHUP)
            time.sleep(0.2)
            self.assertEqual(gender(ask("a sapient doctor")), ["woman"])  # old set kept
        finally:
            p.stdin.close()
            p.wait(timeout=30)
        self.assertIn(b"reload rejected", p.stderr.read())


FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "vision")
MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models")
HAVE_MODELS = os.path.exists(os.path.join(MODELS, "face-api", "tiny_face_detector_model.bin"))


class InspectTest(unittest.TestCase):
    astronaut = os.path.join(FIXTURES, "astronaut.png")

    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    @unittest.skipUnless(HAVE_MODELS, "vision models absent (scripts/fetch-models.sh)")
    def test_json_contract(self):
        for detector in ("tiny", "ssd"):
            r = run(["inspect", "--json", "--detector", detector, self.astronaut])
            self.assertEqual(r.returncode, 0, r.stderr)
            out = json.loads(r.stdout)
            self.assertEqual((out["width"], out["height"]), (160, 160))
            self.assertEqual(sorted(out["nsfw"]), ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"])
            self.assertAlmostEqual(sum(out["nsfw"].values()), 1.0, places=4)
            self.assertEqual(len(out["faces"]), 1)
            face = out["faces"][0]
            self.assertEqual(set(face["box"]), {"x", "y", "width", "height"})
            self.assertEqual(len(face["landmarks"]), 68)
            self.assertEqual(face["gender"]["label"], "female")
            self.assertGreater(face["gender"]["probability"], 0.5)
            self.assertGreater(face["age"], 10)
            self.assertTrue(1 <= face["skin"]["monk"] <= 10)
            self.assertTrue(0 < face["skin"]["fraction"] <= 1)

    @unittest.skipUnless(HAVE_MODELS, "vision models absent (scripts/fetch-models.sh)")
    def test_text_summary_and_min_face(self):
        r = run(["inspect", self.astronaut])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("perceived gender: female", out)
        self.assertIn("nsfw: Neutral", out)
        r = run(["inspect", "--json", "--min-face", "100", self.astronaut])
        self.assertEqual(json.loads(r.stdout)["faces"], [])

    @unittest.skipUnless(HAVE_MODELS, "vision models absent (scripts/fetch-models.sh)")
    def test_bad_images_exit_2_and_the_others_go_on(self):
        truncated = os.path.join(self.tmp, "truncated.png")
        with open(self.astronaut, "rb") as f, open(truncated, "wb") as out:
            out.write(f.read()[:5000])
        text = os.path.join(self.tmp, "text.jpg")
        with open(text, "w") as out:
            out.write("not a picture")
        empty = os.path.join(self.tmp, "empty.png")
        open(empty, "wb").close()
        missing = os.path.join(self.tmp, "missing.png")
        r = run(["inspect", "--json", truncated, text, empty, missing, self.astronaut])
        self.assertEqual(r.returncode, 2)
        lines = [json.loads(line) for line in r.stdout.decode().splitlines()]
        self.assertEqual(len(lines), 5)
        for line in lines[:4]:
            self.assertIn("error", line)
        self.assertIn("truncated PNG", lines[0]["error"])
        self.assertIn("not a PNG or JPEG", lines[1]["error"])
        self.assertEqual(len(lines[4]["faces"]), 1)

    def test_missing_models_say_how_to_fetch_them(self):
        r = run(["inspect", "--models", os.path.join(self.tmp, "none"), self.astronaut])
        self.assertEqual(r.returncode, 1)
        self.assertIn("scripts/fetch-models.sh", r.stderr.decode())

    def test_bad_options_are_usage_errors(self):
        self.assertEqual(run(["inspect", "--detector", "yolo", self.astronaut]).returncode, 2)
        self.assertEqual(run(["inspect", "--min-face", "-3", self.astronaut]).returncode, 2)
        self.assertEqual(run(["inspect"]).returncode, 2)


class DemoTest(unittest.TestCase):
    def test_demo_runs(self):
        r = run(["demo"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"German soldier", r.stdout)


def png_chunks(path):
    """(type, data) of every chunk of a PNG file, CRCs checked."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, "bad CRC"
        chunks.append((kind.decode(), body))
        pos += 12 + length
    return chunks


def png_text(path):
    out = {}
    for kind, body in png_chunks(path):
        if kind == "tEXt":
            key, text = body.split(b"\0", 1)
            out[key.decode("latin-1")] = text.decode("latin-1")
        elif kind == "iTXt":
            key, rest = body.split(b"\0", 1)
            rest = rest[2:]  # compression flag and method (uncompressed)
            _lang, rest = rest.split(b"\0", 1)
            _translated, text = rest.split(b"\0", 1)
            out[key.decode("latin-1")] = text.decode("utf-8")
    return out


def png_size(path):
    kind, body = png_chunks(path)[0]
    assert kind == "IHDR"
    return struct.unpack(">II", body[:8])


FIXTURES = os.environ.get("DEPICT_FIXTURES", "")
MODELS = os.environ.get("DEPICT_MODELS_DIR", "models")
MAKE_TINY = os.environ.get("MAKE_TINY_CHECKPOINT", "")


@unittest.skipUnless(MAKE_TINY and os.path.exists(
    os.path.join(MODELS, "clip", "bpe_simple_vocab_16e6.txt.gz")),
    "needs make_tiny_checkpoint and the CLIP vocabulary (scripts/fetch-models.sh)")
class GenerateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="depict_generate_")
        cls.model = os.path.join(cls.dir, "tiny_sd1.safetensors")
        subprocess.run([MAKE_TINY, os.path.join(FIXTURES, "pipeline", "tiny_sd1.safetensors"),
                        cls.model], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def generate(self, *args, out=None):
        out = out or tempfile.mkdtemp(dir=self.dir)
        defaults = []
        for flag, value in (("--width", "64"), ("--height", "64"), ("--steps", "3")):
            if flag not in args:
                defaults += [flag, value]
        r = run(["generate", "--model", self.model, "--models-dir", MODELS, "--out", out] +
                defaults + list(args), timeout=300)
        return r, out

    def test_plan_casts_each_image_and_writes_it_into_the_png(self):
        r, out = self.generate("--prompt", "a doctor talking to a patient", "--images", "2",
                               "--seed", "42", "--json", "--sampler", "Euler a")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        lines = [json.loads(x) for x in r.stdout.decode().splitlines()]
        self.assertEqual([x["seed"] for x in lines], [42, 43])
        files = sorted(os.listdir(out))
        self.assertEqual(files, ["00000-42.png", "00001-43.png"])
        for line, name in zip(lines, files):
            path = os.path.join(out, name)
            self.assertEqual(line["path"], path)
            self.assertEqual(png_size(path), (64, 64))
            text = png_text(path)
            params = text["parameters"]
            # The prompt the model read is the planner's rewrite, which names the open attributes.
            self.assertTrue(params.startswith(line["prompt"] + "\n"), params)
            self.assertNotEqual(line["prompt"], "a doctor talking to a patient")
            self.assertIn("Steps: 3, Sampler: Euler a, Schedule type: Uniform, CFG scale: 7, "
                          "Seed: %d, Size: 64x64, Model hash: " % line["seed"], params)
            cast = json.loads(text["depict"])
            self.assertEqual(len(cast["people"]), 2)
            self.assertEqual(cast["image"]["seed"], line["seed"])
            self.assertEqual(cast, line["cast"])
        # Progress on stderr: step i/N and s/it.
        self.assertIn("step 3/3", r.stderr.decode())
        self.assertIn("s/it", r.stderr.decode())

    def test_a_prompt_in_another_language_reaches_the_model_in_english(self):
        prompt = "un médecin dans un hôpital"
        r, out = self.generate("--prompt", prompt, "--seed", "5", "--json")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        line = json.loads(r.stdout.decode().splitlines()[0])
        text = png_text(line["path"])
        self.assertTrue(text["parameters"].startswith(line["prompt"] + "\n"))
        self.assertIn("doctor", line["prompt"])
        self.assertNotIn("médecin", line["prompt"])
        self.assertEqual(text["display_prompt"], line["display_prompt"])
        self.assertTrue(line["display_prompt"].startswith("un médecin"), line["display_prompt"])

    def test_no_plan_sends_the_prompt_unchanged_and_the_same_seed_repeats(self):
        r1, out1 = self.generate("--prompt", "a doctor", "--no-plan", "--seed", "7",
                                 "--rng", "cpu", "--no-hash")
        r2, out2 = self.generate("--prompt", "a doctor", "--no-plan", "--seed", "7",
                                 "--rng", "cpu", "--no-hash")
        self.assertEqual(r1.returncode, 0, r1.stderr.decode())
        self.assertEqual(r2.returncode, 0, r2.stderr.decode())
        p1, p2 = r1.stdout.decode().strip(), r2.stdout.decode().strip()
        params = png_text(p1)["parameters"]
        self.assertTrue(params.startswith("a doctor\nSteps: 3"), params)
        self.assertIn("RNG: CPU", params)
        self.assertNotIn("depict", png_text(p1))
        with open(p1, "rb") as a, open(p2, "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_lora_from_flag_and_prompt(self):
        lora_dir = os.path.join(FIXTURES, "pipeline")
        r, out = self.generate("--prompt", "a cat <lora:lora_kohya:0.5>", "--no-plan", "--lora",
                               "lora_peft:0.3", "--lora-dir", lora_dir, "--seed", "1")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        params = png_text(r.stdout.decode().strip())["parameters"]
        self.assertIn('Lora hashes: "lora_peft: ', params)
        self.assertIn("lora_kohya: ", params)
        r, _ = self.generate("--prompt", "a cat <lora:missing:1>", "--no-plan", "--lora-dir",
                             lora_dir)
        self.assertEqual(r.returncode, 2)
        self.assertIn("missing", r.stderr.decode())

    def test_inspect_and_tables_flags(self):
        # --inspect: each JSON line holds the image's inspection (faces, NSFW classes).
        r, out = self.generate("--prompt", "a lighthouse at dusk", "--json", "--inspect")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        line = json.loads(r.stdout.decode().splitlines()[0])
        self.assertEqual(line["inspection"]["width"], 64)
        self.assertEqual(set(line["inspection"]["nsfw"]),
                         {"Drawing", "Hentai", "Neutral", "Porn", "Sexy"})
        # --target: a deployment's distribution decides the open attributes, as for `plan`.
        target = os.path.join(self.dir, "target.json")
        with open(target, "w") as f:
            json.dump({"gender": {"man": 0, "woman": 1}}, f)
        r, out = self.generate("--prompt", "a doctor", "--json", "--target", target,
                               "--images", "2")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        for x in r.stdout.decode().splitlines():
            self.assertIn("woman", json.loads(x)["prompt"])
        r, _ = self.generate("--prompt", "a doctor", "--tables", os.path.join(self.dir, "none"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot load tables", r.stderr.decode())

    def test_refusal_stops_before_the_model_loads(self):
        r, out = self.generate("--prompt", "a mutilated corpse with exposed organs")
        self.assertEqual(r.returncode, 3)
        self.assertIn("refused", r.stderr.decode())
        self.assertEqual(os.listdir(out), [])

    def test_bad_settings_are_clear_errors(self):
        r, _ = self.generate("--prompt", "a cat", "--width", "100")
        self.assertEqual(r.returncode, 2)
        self.assertIn("multiple of 64", r.stderr.decode())
        r, _ = self.generate("--prompt", "a cat", "--sampler", "Heun++")
        self.assertEqual(r.returncode, 2)
        self.assertIn("Euler", r.stderr.decode())
        r = run(["generate", "--model", os.path.join(self.dir, "nothing.safetensors"),
                 "--prompt", "a cat", "--no-plan"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("nothing.safetensors", r.stderr.decode())
        bad = os.path.join(self.dir, "truncated.safetensors")
        with open(self.model, "rb") as f, open(bad, "wb") as g:
            g.write(f.read()[:5000])
        r = run(["generate", "--model", bad, "--prompt", "a cat", "--no-plan"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("truncated.safetensors", r.stderr.decode())


if __name__ == "__main__":
    unittest.main(verbosity=2)
