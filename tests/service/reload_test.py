"""Zero-downtime reload under load (issue 11): plan and generate requests run while the tables,
LoRA folder and checkpoint list are reloaded 100 times (the admin call, SIGHUP and a change on
disk seen by inotify); no request fails and plan latency stays within twice its quiet figure. A
bad set of tables is rejected and the current one stays. The latency is compared with the same
load (plans and a generating client) without reloads."""
import os
import shutil
import signal
import tempfile
import threading
import time
import unittest

import requests

from serve_util import SANITIZED, metric, start_server, tiny_checkpoint, wait_for

# Under the sanitizers a reload takes seconds: fewer there, and no latency figure.
RELOADS = 10 if SANITIZED else 100

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data")
PLAN = {"prompt": "a 1940s German soldier and a nurse", "images": 8, "seed": 1}


def p99(latencies):
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


class Load:
    """Clients sending plan requests (and one generating) until stopped."""

    def __init__(self, url, planners=4, generate=False):
        self.url, self.stop = url, threading.Event()
        self.latencies, self.failures, self.generated = [], [], 0
        self.threads = [threading.Thread(target=self.plans) for _ in range(planners)]
        if generate:
            self.threads.append(threading.Thread(target=self.images))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()

    def plans(self):
        session = requests.Session()
        while not self.stop.is_set():
            start = time.perf_counter()
            r = session.post(self.url + "/v1/plan", json=PLAN, timeout=30)
            elapsed = time.perf_counter() - start
            if r.status_code != 200 or r.json().get("decision") != "generate":
                self.failures.append((r.status_code, r.text[:200]))
            else:
                self.latencies.append(elapsed)

    def images(self):
        session = requests.Session()
        while not self.stop.is_set():
            r = session.post(self.url + "/v1/images/generations", timeout=60,
                             json={"prompt": "a nurse", "size": "64x64", "n": 1})
            if r.status_code != 200:
                self.failures.append((r.status_code, r.text[:200]))
            else:
                self.generated += 1


class ReloadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="depict_reload_")
        cls.tables = os.path.join(cls.dir, "tables")
        shutil.copytree(DATA, cls.tables, ignore=shutil.ignore_patterns("lang", "suites"))
        cls.loras = os.path.join(cls.dir, "loras")
        os.mkdir(cls.loras)
        cls.model = tiny_checkpoint(os.path.join(cls.dir, "tiny.safetensors"))
        cls.log = open(os.path.join(cls.dir, "serve.log"), "w+")
        cls.proc, port = start_server(["--model", cls.model, "--tables", cls.tables,
                                       "--lora-dir", cls.loras], cls.log, threads=1)
        cls.url = "http://127.0.0.1:%d" % port

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=30)
        cls.log.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def reloads(self):
        text = requests.get(self.url + "/metrics", timeout=30).text
        return (metric(text, 'depict_reloads_total{result="ok"}'),
                metric(text, 'depict_reloads_total{result="rejected"}'))

    def table_file(self):
        for root, _, files in os.walk(self.tables):
            for name in sorted(files):
                if name.endswith(".tsv"):
                    return os.path.join(root, name)
        raise AssertionError("no table")

    def test_1_a_hundred_reloads_under_load_fail_no_request(self):
        # The same load without reloads is the figure to compare with: what the reloads add.
        with Load(self.url, generate=True) as quiet:
            time.sleep(5)
        self.assertFalse(quiet.failures)
        quiet_p99 = p99(quiet.latencies)
        ok0, _ = self.reloads()
        table = self.table_file()
        with open(table, "rb") as f:
            content = f.read()
        with Load(self.url, generate=True) as loaded:
            for i in range(RELOADS):
                ok, _ = self.reloads()
                if i % 10 == 9:  # a change on disk
                    with open(table, "wb") as f:
                        f.write(content)
                elif i % 10 == 8:
                    self.proc.send_signal(signal.SIGHUP)
                else:
                    r = requests.post(self.url + "/v1/admin/reload", timeout=30)
                    self.assertEqual(r.status_code, 200, r.text)
                wait_for(lambda: self.reloads()[0] > ok, 20, "reload %d" % i)
        ok1, _ = self.reloads()
        self.assertGreaterEqual(ok1 - ok0, RELOADS)
        self.assertEqual(loaded.failures, [], "no request fails across the reloads")
        self.assertGreater(loaded.generated, 0)
        self.assertGreater(len(loaded.latencies), RELOADS)
        loaded_p99 = p99(loaded.latencies)
        print("plan p99: without reloads %.1f ms, across reloads %.1f ms (%d plans, %d images)" %
              (quiet_p99 * 1e3, loaded_p99 * 1e3, len(loaded.latencies), loaded.generated))
        # A reload that blocked plans would add a table load (over 100 ms) to the p99; the
        # bound leaves 5 ms for the scheduler of 2 cores shared with the clients (one CI run
        # measured 8.4 ms quiet and 17.3 ms across reloads).
        if not SANITIZED:
            self.assertLessEqual(loaded_p99, 2 * quiet_p99 + 0.005)

    def test_2_a_bad_set_is_rejected_and_the_current_one_stays(self):
        table = self.table_file()
        with open(table, "rb") as f:
            content = f.read()
        before_plan = requests.post(self.url + "/v1/plan", json=PLAN, timeout=30).json()
        _, rejected0 = self.reloads()
        try:
            with open(table, "wb") as f:  # a table that does not parse
                f.write(b"\x00\xffnot a table\n" + content[:40])
            r = requests.post(self.url + "/v1/admin/reload", timeout=30)
            self.assertEqual(r.status_code, 422)
            self.assertEqual(r.json()["error"]["type"], "reload_rejected")
            # inotify saw the write too: it is rejected the same way.
            wait_for(lambda: self.reloads()[1] >= rejected0 + 2, 20, "the rejected reloads")
            after = requests.post(self.url + "/v1/plan", json=PLAN, timeout=30)
            self.assertEqual(after.status_code, 200)
            self.assertEqual(after.json()["people"], before_plan["people"])
        finally:
            ok, _ = self.reloads()
            with open(table, "wb") as f:
                f.write(content)
            wait_for(lambda: self.reloads()[0] > ok, 20, "the good set back")


if __name__ == "__main__":
    unittest.main()
