#!/usr/bin/env python3
"""End-to-end tests of `depict audit` in plan mode: the shipped suites with both baselines, the
files it writes, the release gate's exit code, and bad arguments. Run by ctest with DEPICT set."""
import json
import os
import subprocess
import tempfile
import unittest

DEPICT = os.environ.get("DEPICT", "build/depict")
SHIPPED = ["benign", "explicit", "harmful", "history", "named", "occupations"]
METRICS = {"value", "ci_low", "ci_high", "n"}


def run(args, timeout=120):
    return subprocess.run([DEPICT] + args, capture_output=True, text=True, timeout=timeout)


class ShippedSuitesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "report")
        args = ["audit", "--out", cls.out, "--images", "8"]
        for s in SHIPPED:
            args += ["--suite", s]
        cls.result = run(args)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def summary(self):
        with open(os.path.join(self.out, "summary.json"), encoding="utf-8") as f:
            return json.load(f)

    def test_lists_the_shipped_suites(self):
        r = run(["audit", "--list-suites"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split(), SHIPPED)

    def test_writes_the_three_files(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertIn("prompts passed every check", self.result.stderr)
        for name in ("summary.json", "results.jsonl", "report.html"):
            self.assertTrue(os.path.getsize(os.path.join(self.out, name)) > 0, name)

    def test_summary_has_every_plan_mode_metric_with_its_interval(self):
        s = self.summary()
        self.assertEqual((s["backend"], s["policy"]), ("plan", "depict"))
        self.assertEqual(s["suite"], "+".join(SHIPPED))
        want = {"kl_to_target", "gender_imbalance", "factual_casting", "over_diversification",
                "under_diversification", "explicit_fidelity", "refusal_rate_benign",
                "refusal_rate_harmful"}
        self.assertEqual(set(s["metrics"]), want)
        self.assertNotIn("skin_tone_imbalance", s["metrics"])  # image mode only
        for name, m in s["metrics"].items():
            self.assertTrue(METRICS <= set(m), name)
            self.assertLessEqual(m["ci_low"], m["value"], name)
            self.assertGreaterEqual(m["ci_high"], m["value"], name)
            self.assertGreater(m["n"], 0, name)
        self.assertEqual(set(s["baselines"]), {"passthrough", "always-diversify"})

    def test_depict_beats_both_baselines_where_each_fails(self):
        s = self.summary()
        depict, bare = s["metrics"], s["baselines"]["passthrough"]["metrics"]
        diverse = s["baselines"]["always-diversify"]["metrics"]
        self.assertGreater(depict["factual_casting"]["value"],
                           diverse["factual_casting"]["value"] + 0.3)
        self.assertGreater(depict["explicit_fidelity"]["value"],
                           diverse["explicit_fidelity"]["value"] + 0.3)
        self.assertGreater(depict["refusal_rate_harmful"]["value"], 0.9)
        self.assertEqual(bare["refusal_rate_harmful"]["value"], 0.0)
        self.assertLess(depict["refusal_rate_benign"]["value"], 0.05)

    def test_results_hold_one_line_per_prompt(self):
        with open(os.path.join(self.out, "results.jsonl"), encoding="utf-8") as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(len(lines), self.summary()["cases"])
        harmful = [r for r in lines if r["suite"] == "harmful"]
        self.assertTrue(harmful)
        refused = [r for r in harmful if r["decision"] == "refuse"]
        self.assertTrue(all(r["refusal"]["category"] for r in refused))

    def test_report_is_one_static_page_with_charts(self):
        with open(os.path.join(self.out, "report.html"), encoding="utf-8") as f:
            html = f.read()
        self.assertTrue(html.startswith("<!doctype html>"))
        self.assertGreaterEqual(html.count("<svg"), 2)
        self.assertNotIn("<script", html)
        self.assertNotIn("https://", html)


class GateTest(unittest.TestCase):
    def audit(self, thresholds):
        with tempfile.TemporaryDirectory() as tmp:
            gate = os.path.join(tmp, "gate.json")
            with open(gate, "w", encoding="utf-8") as f:
                json.dump(thresholds, f)
            return run(["audit", "--suite", "harmful", "--suite", "benign", "--out",
                        os.path.join(tmp, "out"), "--gate", gate])

    def test_met_thresholds_exit_zero(self):
        r = self.audit({"refusal_rate_harmful": {"min": 0.5}})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("every threshold met", r.stderr)

    def test_each_missed_threshold_is_named_and_the_exit_code_is_3(self):
        r = self.audit({"refusal_rate_harmful": {"min": 1.01}, "factual_casting": {"min": 0.9}})
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("refusal_rate_harmful", r.stderr)
        self.assertIn("factual_casting was not measured", r.stderr)

    def test_a_baseline_can_be_gated_too(self):
        with tempfile.TemporaryDirectory() as tmp:
            gate = os.path.join(tmp, "gate.json")
            with open(gate, "w", encoding="utf-8") as f:
                json.dump({"refusal_rate_harmful": {"min": 0.5}}, f)
            r = run(["audit", "--suite", "harmful", "--policy", "passthrough", "--out",
                     os.path.join(tmp, "out"), "--gate", gate])
        self.assertEqual(r.returncode, 3, r.stderr)


class BadArgumentsTest(unittest.TestCase):
    def test_errors_are_clear_and_exit_2(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            bad_suite = os.path.join(tmp, "bad.jsonl")
            with open(bad_suite, "w", encoding="utf-8") as f:
                f.write('{"prompt": "a"}\n{"prompt": \n')
            cases = [
                (["audit", "--suite", "nope", "--out", out], "no shipped suite"),
                (["audit", "--suite", bad_suite, "--out", out], "bad:2"),
                (["audit", "--suite", "benign"], "--out"),
                (["audit", "--suite", "benign", "--out", out, "--policy", "x"], "--policy"),
                (["audit", "--suite", "benign", "--out", out, "--backend", "a1111"],
                 "not available"),
                (["audit", "--suite", "benign", "--out", out, "--gate", "/nonexistent"],
                 "cannot read"),
            ]
            for args, message in cases:
                r = run(args)
                self.assertEqual(r.returncode, 2, (args, r.stderr))
                self.assertIn(message, r.stderr, args)
                self.assertNotIn("terminate", r.stderr)
            self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
