"""`depict serve --queue` with `depict worker`s on a real redis-server (Debian), all on
loopback: jobs from every API run on the workers (img2img too, its init image in the job); a
worker killed with SIGKILL mid-job loses nothing (another claims its job) and every job ends
exactly once; a job that fails every delivery goes to the dead-letter stream with its error."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import redis
import requests

from serve_util import (DEPICT, LONG, MODELS, SHORT, free_port, start_server, tiny_checkpoint,
                        wait_for)


def read(path):
    with open(path) as f:
        return f.read()


class QueueTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="depict_queue_")
        cls.model = tiny_checkpoint(os.path.join(cls.dir, "tiny.safetensors"))
        cls.redis_port = free_port()
        cls.redis = subprocess.Popen(
            ["redis-server", "--port", str(cls.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", cls.dir], stdout=subprocess.DEVNULL)
        cls.r = redis.Redis(port=cls.redis_port, decode_responses=True)
        wait_for(lambda: cls._ping(), 20, "redis-server")
        cls.queue = "redis://127.0.0.1:%d" % cls.redis_port
        cls.log = open(os.path.join(cls.dir, "serve.log"), "w+")
        cls.proc, port = start_server(["--model", cls.model, "--queue", cls.queue,
                                       "--no-watch"], cls.log)
        cls.url = "http://127.0.0.1:%d" % port
        cls.workers = {}

    @classmethod
    def _ping(cls):
        try:
            return cls.r.ping()
        except redis.exceptions.ConnectionError:
            return False

    @classmethod
    def tearDownClass(cls):
        for proc, log in cls.workers.values():
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            log.close()
        cls.proc.terminate()
        cls.proc.wait(timeout=30)
        cls.log.close()
        cls.redis.terminate()
        cls.redis.wait(timeout=30)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def worker(self, name, *args):
        log = open(os.path.join(self.dir, name + ".log"), "w+")
        proc = subprocess.Popen(
            [DEPICT, "worker", "--queue", self.queue, "--model", self.model, "--models-dir",
             MODELS, "--threads", "1", "--name", name, "--heartbeat-ms", "200",
             "--claim-idle-ms", "1500"] + list(args), stderr=log)
        self.workers[name] = (proc, log)
        wait_for(lambda: "waiting for jobs" in read(log.name) or proc.poll() is not None,
                 60, "worker " + name)
        self.assertIsNone(proc.poll(), read(log.name))
        return proc

    def job(self, **fields):
        r = requests.post(self.url + "/v1/jobs", json=fields, timeout=30)
        self.assertEqual(r.status_code, 202, r.text)
        return r.json()["id"]

    def status(self, job):
        return requests.get(self.url + "/v1/jobs/" + job, timeout=30).json()

    def events(self, job, kind):
        return [f for _, f in self.r.xrange("depict:events")
                if f["job"] == job and f["type"] == kind]

    def test_1_a_killed_worker_loses_nothing_and_every_job_ends_once(self):
        w1 = self.worker("w1")
        jobs = [self.job(prompt="a red apple", seed=i, **LONG) for i in range(2)]
        # w1 takes the first job; it is killed in the middle of it.
        wait_for(lambda: any(f["type"] == "step" for _, f in self.r.xrange("depict:events")),
                 60, "w1 to start sampling")
        w1.send_signal(signal.SIGKILL)
        w1.wait()
        self.assertEqual(self.r.xpending("depict:jobs", "depict-workers")["pending"], 1,
                         "w1's job is pending, unacknowledged")
        self.worker("w2")
        self.worker("w3")
        more = [self.job(prompt="a green pear", seed=i, **SHORT) for i in range(4)]
        for job in jobs + more:
            done = wait_for(lambda: (lambda s: s if s["status"] not in ("queued", "running")
                                     else None)(self.status(job)), 120, "job " + job)
            self.assertEqual(done["status"], "completed", done)
            self.assertEqual(len(done["result"]["images"]), 1)
        for job in jobs + more:
            ends = self.events(job, "end")
            self.assertEqual(len(ends), 1, "job %s ended %d times" % (job, len(ends)))
        # The killed job was started twice: by w1, then by the worker that claimed it.
        starts = [len(self.events(j, "start")) for j in jobs]
        self.assertIn(2, starts)
        self.assertEqual(self.r.xpending("depict:jobs", "depict-workers")["pending"], 0)
        # A1111's synchronous call runs on the workers too.
        r = requests.post(self.url + "/sdapi/v1/txt2img", timeout=60,
                          json={"prompt": "a doctor", "width": 64, "height": 64, "steps": 2,
                                "batch_size": 2, "seed": 3})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(len(r.json()["images"]), 2)
        # So does img2img: its init image travels in the job's parameters.
        init = r.json()["images"][0]
        r = requests.post(self.url + "/sdapi/v1/img2img", timeout=60,
                          json={"prompt": "a doctor", "width": 64, "height": 64, "steps": 4,
                                "seed": 3, "init_images": [init], "denoising_strength": 0.5})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertIn("Denoising strength: 0.5,", json.loads(r.json()["info"])["infotexts"][0])
        # A refused prompt never reaches the queue.
        before = self.r.xlen("depict:jobs")
        r = requests.post(self.url + "/v1/jobs", json={"prompt": "a nude child"}, timeout=30)
        self.assertEqual(r.status_code, 400)
        self.assertEqual(self.r.xlen("depict:jobs"), before)
        for name in ("w2", "w3"):
            proc = self.workers[name][0]
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=30), 0)

    def test_2_a_job_that_fails_every_delivery_goes_to_the_dead_letters(self):
        w4 = self.worker("w4", "--max-deliveries", "1")
        job = self.job(prompt="a blue cup", seed=9, **LONG)
        wait_for(lambda: self.events(job, "step"), 60, "w4 to start sampling")
        w4.send_signal(signal.SIGKILL)
        w4.wait()
        self.worker("w5", "--max-deliveries", "1")
        done = wait_for(lambda: (lambda s: s if s["status"] not in ("queued", "running")
                                 else None)(self.status(job)), 60, "the job to end")
        self.assertEqual(done["status"], "failed")
        self.assertIn("deliveries", done["error"])
        dead = [f for _, f in self.r.xrange("depict:dead") if f["job"] == job]
        self.assertEqual(len(dead), 1)
        self.assertIn("deliveries", dead[0]["error"])
        self.assertEqual(len(self.events(job, "end")), 1)
        # Cancelling a queued job on a queue with no free worker ends it at the worker's door.
        self.workers["w5"][0].send_signal(signal.SIGSTOP)
        try:
            queued = self.job(prompt="a red apple", width=64, height=64, steps=2)
            r = requests.delete(self.url + "/v1/jobs/" + queued, timeout=30)
            self.assertEqual(r.status_code, 200)
        finally:
            self.workers["w5"][0].send_signal(signal.SIGCONT)
        done = wait_for(lambda: (lambda s: s if s["status"] not in ("queued", "running")
                                 else None)(self.status(queued)), 60, "the cancelled job")
        self.assertEqual(done["status"], "cancelled")


    def test_3_a_stalled_worker_whose_job_was_taken_over_ends_nothing(self):
        for proc, _ in self.workers.values():  # only w6 and w7 serve this one
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)
        w6 = self.worker("w6")
        job = self.job(prompt="a blue cup", seed=11, **LONG)
        wait_for(lambda: self.events(job, "step"), 60, "w6 to start sampling")
        w6.send_signal(signal.SIGSTOP)  # its heartbeat stops too
        try:
            self.worker("w7")
            wait_for(lambda: len(self.events(job, "start")) == 2, 60, "w7 to take the job over")
        finally:
            w6.send_signal(signal.SIGCONT)
        done = wait_for(lambda: (lambda s: s if s["status"] not in ("queued", "running")
                                 else None)(self.status(job)), 120, "the job to end")
        self.assertEqual(done["status"], "completed")
        wait_for(lambda: "taken over" in read(self.workers["w6"][1].name), 60,
                 "w6 to find its job taken over: " + read(self.workers["w6"][1].name))
        ends = self.events(job, "end")
        self.assertEqual(len(ends), 1)
        self.assertIn('"worker":"w7"', ends[0]["data"])


if __name__ == "__main__":
    unittest.main()
