"""`depict serve`'s scheduler, driven over HTTP on loopback with the tiny checkpoint: alike
requests share one UNet batch and each image is what it is alone; a job past its deadline
fails as a timeout; a client that disconnects has its request cancelled; checkpoints are kept
within the model cache's limit."""
import base64
import io
import json
import os
import shutil
import socket
import tempfile
import time
import unittest

import requests
from PIL import Image

from serve_util import (LONG, SANITIZED, SHORT, VERY_LONG, WAIT, metric, start_server,
                        tiny_checkpoint, wait_for)


def pixels(b64):
    return Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB").tobytes()


class SchedulingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="depict_sched_")
        cls.checkpoints = os.path.join(cls.dir, "checkpoints")
        os.mkdir(cls.checkpoints)
        cls.model = tiny_checkpoint(os.path.join(cls.checkpoints, "tiny.safetensors"))
        for name in ("second", "third"):
            shutil.copy(cls.model, os.path.join(cls.checkpoints, name + ".safetensors"))
        cls.servers = []

    @classmethod
    def tearDownClass(cls):
        for proc, log in cls.servers:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def serve(self, *args):
        log = open(os.path.join(self.dir, "serve%d.log" % len(self.servers)), "w+")
        proc, port = start_server(["--model", self.model, "--no-watch"] + list(args), log)
        self.servers.append((proc, log))
        return "http://127.0.0.1:%d" % port

    def job(self, url, **fields):
        r = requests.post(url + "/v1/jobs", json=fields, timeout=30)
        self.assertEqual(r.status_code, 202, r.text)
        return r.json()["id"]

    def status(self, url, job):
        return requests.get(url + "/v1/jobs/" + job, timeout=30).json()

    def wait_done(self, url, job, timeout=120):
        return wait_for(lambda: (lambda s: s if s["status"] not in ("queued", "running")
                                 else None)(self.status(url, job)), timeout, "job " + job)

    def metrics(self, url):
        return requests.get(url + "/metrics", timeout=30).text

    def test_alike_requests_share_a_unet_batch_and_keep_their_images(self):
        url = self.serve("--max-batch", "4")
        before = self.metrics(url)
        # A long job holds the engine while three alike ones queue behind it.
        first = self.job(url, prompt="a red apple on a table", seed=1, **LONG)
        wait_for(lambda: self.status(url, first)["status"] == "running", 60, "the first job")
        alike = [self.job(url, prompt=p, seed=s, sampler_name="Euler a", **SHORT)
                 for p, s in (("a red apple", 2), ("a green pear", 3), ("a blue cup", 4))]
        for job in alike:
            self.assertEqual(self.status(url, job)["status"], "queued")
        done = [self.wait_done(url, j) for j in [first] + alike]
        for d in done:
            self.assertEqual(d["status"], "completed", d)
        after = self.metrics(url)
        batches = (metric(after, "depict_unet_batches_total") -
                   metric(before, "depict_unet_batches_total"))
        images = (metric(after, "depict_unet_batch_images_total") -
                  metric(before, "depict_unet_batch_images_total"))
        self.assertEqual((batches, images), (2, 4), "the long job alone, then the three together")
        # Each batched image is the image its request makes alone.
        for d, (p, s) in zip(done[1:], (("a red apple", 2), ("a green pear", 3))):
            alone = self.wait_done(url, self.job(url, prompt=p, seed=s, sampler_name="Euler a",
                                                 **SHORT))
            a = pixels(d["result"]["images"][0]["b64_png"])
            b = pixels(alone["result"]["images"][0]["b64_png"])
            self.assertEqual(len(a), len(b))
            self.assertLessEqual(max(abs(x - y) for x, y in zip(a, b)), 2)
        self.assertNotEqual(pixels(done[1]["result"]["images"][0]["b64_png"]),
                            pixels(done[2]["result"]["images"][0]["b64_png"]))

    def test_a_job_past_its_deadline_fails_as_a_timeout(self):
        url = self.serve("--job-timeout", "1")
        start = time.time()
        job = self.job(url, prompt="a red apple", seed=1, **VERY_LONG)
        done = self.wait_done(url, job, timeout=60)
        self.assertEqual(done["status"], "failed")
        self.assertEqual(done["error_type"], "timeout")
        self.assertLess(time.time() - start, 8 * WAIT, "stopped at the deadline, not at the end")
        r = requests.post(url + "/sdapi/v1/txt2img", timeout=60 * WAIT,
                          json=dict(prompt="a red apple", **VERY_LONG))
        self.assertEqual(r.status_code, 504)
        self.assertEqual(r.json()["error"]["type"], "timeout")
        self.assertGreaterEqual(
            metric(self.metrics(url), 'depict_jobs_ended_total{outcome="expired"}'), 2)

    def test_a_client_that_leaves_has_its_request_cancelled(self):
        url = self.serve()
        port = int(url.rsplit(":", 1)[1])
        body = json.dumps(dict(prompt="a red apple", **VERY_LONG)).encode()
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"POST /sdapi/v1/txt2img HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        wait_for(lambda: metric(self.metrics(url), 'depict_jobs{state="running"}') == 1, 60,
                 "the request to run")
        start = time.time()
        sock.close()
        wait_for(lambda: metric(self.metrics(url),
                                'depict_jobs_ended_total{outcome="cancelled"}') == 1, 10,
                 "the job to be cancelled")
        self.assertLess(time.time() - start, 10 * WAIT)
        self.assertEqual(metric(self.metrics(url), 'depict_jobs{state="running"}'), 0)
        # The server goes on serving.
        r = requests.post(url + "/sdapi/v1/txt2img", timeout=60,
                          json={"prompt": "a red apple", "width": 64, "height": 64, "steps": 2})
        self.assertEqual(r.status_code, 200, r.text)

    def test_plans_do_not_wait_behind_waiting_generations(self):
        url = self.serve("--max-queue", "16")
        port = int(url.rsplit(":", 1)[1])
        body = json.dumps(dict(prompt="a red apple", **VERY_LONG)).encode()
        socks = []
        for _ in range(12):  # more than a small thread pool: each holds a connection
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"POST /sdapi/v1/txt2img HTTP/1.1\r\nHost: x\r\nContent-Type: "
                         b"application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            socks.append(sock)
        wait_for(lambda: metric(self.metrics(url), 'depict_jobs{state="queued"}') +
                 metric(self.metrics(url), 'depict_jobs{state="running"}') == 12, 60,
                 "the generations to queue")
        start = time.time()
        r = requests.post(url + "/v1/plan", json={"prompt": "a nurse", "images": 4}, timeout=30)
        self.assertEqual(r.status_code, 200)
        self.assertLess(time.time() - start, 5 * WAIT)
        for sock in socks:
            sock.close()
        wait_for(lambda: metric(self.metrics(url),
                                'depict_jobs_ended_total{outcome="cancelled"}') == 12, 30,
                 "every left request to be cancelled")

    def test_checkpoints_stay_within_the_cache_limit(self):
        size_mb = os.path.getsize(self.model) / (1 << 20)
        # Room for the default and one more.
        url = self.serve("--checkpoints", self.checkpoints, "--model-cache-mb",
                         str(int(size_mb * 2.5)))
        self.assertEqual(metric(self.metrics(url), "depict_models_loaded"), 1)
        for model, loaded in (("second", 2), ("third", 2), ("tiny", 2), ("second", 2)):
            r = requests.post(url + "/v1/images/generations", timeout=60,
                              json={"prompt": "a red apple", "size": "64x64", "model": model})
            self.assertEqual(r.status_code, 200, r.text)
            self.assertEqual(metric(self.metrics(url), "depict_models_loaded"), loaded, model)
        self.assertLessEqual(metric(self.metrics(url), "depict_models_loaded_bytes"),
                             size_mb * 2.5 * (1 << 20))
        r = requests.post(url + "/v1/images/generations", timeout=60,
                          json={"prompt": "a red apple", "size": "64x64", "model": "../tiny"})
        self.assertEqual(r.status_code, 400)


if __name__ == "__main__":
    unittest.main()
