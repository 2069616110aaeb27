#!/usr/bin/env python3
"""End-to-end tests of the `depict` command line: the plan contract, exit codes, batch mode,
bad input and table errors. Run by ctest with DEPICT set to the binary."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

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


class BatchTest(unittest.TestCase):
    def test_one_line_out_per_line_in_with_error_objects(self):
        lines = [b"a doctor", b"", b"caf\xc3", b"a\x00b", b"x" * 5000, b"a black cat", b"   "]
        r = run(["plan", "--batch", "--json", "--images", "3", "--seed", "5"],
                stdin=b"\n".join(lines) + b"\n")
        self.assertEqual(r.returncode, 0, r.stderr)
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


if __name__ == "__main__":
    unittest.main(verbosity=2)
