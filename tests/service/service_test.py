"""`depict serve` driven by real clients: webuiapi (A1111's API) and openai (the images API),
against the tiny checkpoint, on loopback."""
import base64
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

import openai
import requests
import webuiapi
from PIL import Image

import serve_util

DEPICT = os.environ["DEPICT"]
FIXTURES = os.environ["DEPICT_FIXTURES"]
MODELS = os.environ["DEPICT_MODELS_DIR"]
MAKE_TINY = os.environ["MAKE_TINY_CHECKPOINT"]
KEY = "correct-horse-battery-staple"
KEY2 = "another-caller-entirely"


def start_server(args, log):
    """`depict serve ARGS` on a free loopback port, two threads (serve_util.py)."""
    return serve_util.start_server(args, log, threads=2)


class ServeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="depict_serve_")
        cls.checkpoints = os.path.join(cls.dir, "checkpoints")
        os.mkdir(cls.checkpoints)
        cls.model = os.path.join(cls.checkpoints, "tiny.safetensors")
        # With a VAE encoder, so that img2img runs too.
        subprocess.run([MAKE_TINY, os.path.join(FIXTURES, "pipeline", "tiny_sd1.safetensors"),
                        cls.model, os.path.join(FIXTURES, "vae_encoder",
                                                "tiny_sd1_encoder.safetensors")], check=True)
        lines = [subprocess.run([DEPICT, "serve", "--hash-key", key], check=True,
                                capture_output=True, text=True).stdout for key in (KEY, KEY2)]
        keys = os.path.join(cls.dir, "keys")
        with open(keys, "w") as f:
            f.write("# depict serve --hash-key KEY\n" + "".join(lines))
        cls.log = open(os.path.join(cls.dir, "serve.log"), "w+")
        cls.proc, cls.port = start_server(
            ["--model", cls.model, "--checkpoints", cls.checkpoints, "--api-key-file", keys],
            cls.log)
        cls.url = "http://127.0.0.1:%d" % cls.port
        cls.auth = {"Authorization": "Bearer " + KEY}

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=30)
        cls.log.close()

    def a1111(self):
        api = webuiapi.WebUIApi(host="127.0.0.1", port=self.port, sampler="Euler a", steps=2)
        api.set_auth("depict", KEY)
        return api

    def test_webuiapi_txt2img_casts_each_image(self):
        api = self.a1111()
        result = api.txt2img(prompt="a doctor talking to a patient", width=64, height=64,
                             batch_size=2, seed=5, cfg_scale=7)
        self.assertEqual(len(result.images), 2)
        for image in result.images:
            self.assertEqual(image.size, (64, 64))
        info = result.info
        self.assertEqual(info["all_seeds"], [5, 6])
        self.assertEqual(len(info["all_prompts"]), 2)
        for prompt, image in zip(info["all_prompts"], result.images):
            # The model read the planner's prompt, which names who is shown.
            self.assertNotEqual(prompt, "a doctor talking to a patient")
            self.assertIn("doctor", prompt)
            self.assertTrue(image.info["parameters"].startswith(prompt + "\n"))
            self.assertEqual(json.loads(image.info["depict"])["image"]["prompt"], prompt)
        self.assertEqual(len(info["depict"]["casts"]), 2)
        self.assertEqual(info["depict"]["original_prompt"], "a doctor talking to a patient")

    def test_webuiapi_img2img_starts_from_the_init_image(self):
        api = self.a1111()
        init = Image.new("RGB", (80, 48), (200, 120, 40))
        result = api.img2img(images=[init], prompt="a photo of a cat", width=64, height=64,
                             denoising_strength=0.5, seed=7, cfg_scale=7, sampler_name="Euler",
                             steps=4)
        self.assertEqual(len(result.images), 1)
        self.assertEqual(result.images[0].size, (64, 64))
        params = result.images[0].info["parameters"]
        self.assertIn("Steps: 4, Sampler: Euler", params)
        self.assertIn("Denoising strength: 0.5,", params)
        self.assertEqual(result.info["denoising_strength"], 0.5)
        self.assertIsNone(result.parameters["init_images"])  # A1111's echo without the image
        # Another strength, another image; the same request, the same image.
        again = api.img2img(images=[init], prompt="a photo of a cat", width=64, height=64,
                            denoising_strength=0.5, seed=7, cfg_scale=7, sampler_name="Euler",
                            steps=4)
        self.assertEqual(again.images[0].tobytes(), result.images[0].tobytes())
        other = api.img2img(images=[init], prompt="a photo of a cat", width=64, height=64,
                            denoising_strength=0.9, seed=7, cfg_scale=7, sampler_name="Euler",
                            steps=4)
        self.assertNotEqual(other.images[0].tobytes(), result.images[0].tobytes())
        for body, needle in (({"init_images": ["bm90IGFuIGltYWdl"]}, "not a PNG or JPEG"),
                             ({"init_images": []}, "init_images"),
                             ({"init_images": ["x", "y"]}, "one init image"),
                             ({"denoising_strength": 1.5}, "denoising_strength"),
                             ({"mask": "abc"}, "mask"), ({"resize_mode": 1}, "resize_mode"),
                             # A PNG header claiming 100000 x 100000 is refused undecoded.
                             ({"init_images": [base64.b64encode(
                                 b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" +
                                 (100000).to_bytes(4, "big") * 2 + b"\x08\x02\0\0\0").decode()]},
                              "more than 4 times")):
            full = {"prompt": "a cat", "width": 64, "height": 64, "steps": 2,
                    "init_images": [base64.b64encode(b"\x89PNG").decode()], **body}
            if "init_images" not in body:
                buf = io.BytesIO()
                init.save(buf, "PNG")
                full["init_images"] = [base64.b64encode(buf.getvalue()).decode()]
            r = requests.post(self.url + "/sdapi/v1/img2img", headers=self.auth, json=full)
            self.assertEqual(r.status_code, 400, (body, r.text))
            self.assertIn(needle, r.json()["error"]["message"], body)

    def test_webuiapi_lists_and_progress(self):
        api = self.a1111()
        self.assertEqual(api.util_get_model_names(), ["tiny"])
        self.assertIn("Euler a", [s["name"] for s in api.get_samplers()])
        self.assertIn("Karras", [s["name"] for s in api.get_schedulers()])
        self.assertEqual(api.get_options()["sd_model_checkpoint"], "tiny")
        progress = api.get_progress()
        self.assertEqual(progress["state"]["job_count"], 0)
        api.interrupt()  # nothing running: a no-op, not an error

    def test_openai_images_generate_returns_the_revised_prompt(self):
        client = openai.OpenAI(base_url=self.url + "/v1", api_key=KEY, max_retries=0)
        response = client.images.generate(model="tiny", prompt="a nurse on a night shift", n=2,
                                          size="64x64", response_format="b64_json")
        self.assertEqual(len(response.data), 2)
        for item in response.data:
            image = Image.open(io.BytesIO(base64.b64decode(item.b64_json)))
            self.assertEqual(image.size, (64, 64))
            self.assertIn("nurse", item.revised_prompt)
            self.assertNotEqual(item.revised_prompt, "a nurse on a night shift")
        self.assertIn("tiny", [m.id for m in client.models.list().data])

    def test_refusals_are_400_in_every_api(self):
        r = requests.post(self.url + "/sdapi/v1/txt2img", headers=self.auth,
                          json={"prompt": "a nude child", "width": 64, "height": 64, "steps": 2})
        self.assertEqual(r.status_code, 400)
        error = r.json()["error"]
        self.assertEqual(error["type"], "refused")
        self.assertEqual(error["category"], "sexual_minors")
        self.assertIn("child", error["triggers"])
        client = openai.OpenAI(base_url=self.url + "/v1", api_key=KEY, max_retries=0)
        with self.assertRaises(openai.BadRequestError) as caught:
            client.images.generate(prompt="a mutilated corpse with exposed organs", size="64x64",
                                   response_format="b64_json")
        self.assertEqual(caught.exception.body["type"], "refused")
        # The plan API answers with the plan, refusal and reasons included.
        plan = requests.post(self.url + "/v1/plan", headers=self.auth,
                             json={"prompt": "a nude child"}).json()
        self.assertEqual(plan["decision"], "refuse")

    def test_keys_are_required_and_wrong_ones_refused(self):
        self.assertEqual(requests.get(self.url + "/healthz").status_code, 200)
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            r = requests.post(self.url + "/v1/plan", headers=headers, json={"prompt": "a cat"})
            self.assertEqual(r.status_code, 401)
            self.assertEqual(r.json()["error"]["type"], "unauthorized")
        api = webuiapi.WebUIApi(host="127.0.0.1", port=self.port)
        api.set_auth("depict", "wrong")
        with self.assertRaises(Exception):
            api.util_get_model_names()

    def test_limits_and_bad_input_are_json_errors(self):
        post = lambda path, **kw: requests.post(self.url + path, headers=self.auth, **kw)
        self.assertEqual(post("/sdapi/v1/txt2img", data=b"x" * (2 << 20)).status_code, 413)
        for body, words in (({"prompt": "a cat", "width": 4096}, "width"),
                            ({"prompt": "a cat", "steps": 1000}, "steps"),
                            ({"prompt": "a cat", "batch_size": 64}, "images"),
                            ({"prompt": "a cat", "sampler_name": "Heun++"}, "Euler"),
                            ({"prompt": "a cat", "width": "wide"}, "width must be a number")):
            r = post("/sdapi/v1/txt2img", json=body)
            self.assertEqual(r.status_code, 400, body)
            self.assertIn(words, r.json()["error"]["message"])
        r = post("/sdapi/v1/txt2img", data=b"not json")
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.json()["error"]["type"], "invalid_request")
        self.assertEqual(requests.get(self.url + "/nowhere", headers=self.auth).status_code, 404)

    def test_model_names_stay_inside_the_checkpoints_folder(self):
        for name in ("../../etc/passwd", "/etc/passwd", "nothing"):
            r = requests.post(self.url + "/sdapi/v1/txt2img", headers=self.auth,
                              json={"prompt": "a cat", "width": 64, "height": 64, "steps": 1,
                                    "override_settings": {"sd_model_checkpoint": name}})
            self.assertEqual(r.status_code, 400, name)
            self.assertIn("unknown model", r.json()["error"]["message"])

    def test_webuiapi_interrupt_stops_the_callers_own_running_call(self):
        import threading
        api = self.a1111()
        other = webuiapi.WebUIApi(host="127.0.0.1", port=self.port, sampler="Euler a", steps=2)
        other.set_auth("depict", KEY2)
        result = {}
        call = threading.Thread(target=lambda: result.update(r=api.txt2img(
            prompt="a red apple", width=256, height=256, steps=150, batch_size=4, seed=1)))
        call.start()
        deadline = time.time() + 60
        while time.time() < deadline and api.get_progress()["state"]["sampling_step"] < 1:
            time.sleep(0.05)
        self.assertGreaterEqual(api.get_progress()["state"]["sampling_step"], 1)
        other.interrupt()  # another caller's interrupt stops nothing
        time.sleep(0.3)
        self.assertTrue(call.is_alive())
        self.assertEqual(other.get_progress()["state"]["job"], "txt2img")  # someone's running
        api.interrupt()
        call.join(timeout=30)
        self.assertFalse(call.is_alive(), "the interrupted call answers at once")
        info = result["r"].info
        self.assertTrue(info["depict"]["interrupted"])
        self.assertLess(len(result["r"].images), 4)

    def test_numbers_out_of_their_types_range_are_400(self):
        # Each would be undefined behaviour if converted unchecked (UBSan caught the first).
        for path, body in (("/v1/plan", {"prompt": "a cat", "seed": 1.8446744073709552e19}),
                           ("/v1/plan", {"prompt": "a cat", "images": 1e10}),
                           ("/v1/plan", {"prompt": "a cat", "seed": -1}),
                           ("/v1/plan", {"prompt": "a cat", "images": 2.5}),
                           ("/sdapi/v1/txt2img", {"prompt": "a cat", "width": 1e300}),
                           ("/sdapi/v1/txt2img", {"prompt": "a cat", "batch_size": 2 ** 30,
                                                  "n_iter": 8}),
                           ("/sdapi/v1/txt2img", {"prompt": "a cat", "cfg_scale": "high"}),
                           ("/v1/jobs", {"prompt": "a cat", "seed": 2 ** 63}),
                           ("/v1/images/generations", {"prompt": "a cat", "n": [1]})):
            with self.subTest(path=path, body=body):
                r = requests.post(self.url + path, headers=self.auth, json=body)
                self.assertEqual(r.status_code, 400, r.text)
                self.assertEqual(r.json()["error"]["type"], "invalid_request")
        # A whole number written as a float is the number.
        r = requests.post(self.url + "/v1/plan", headers=self.auth,
                          json={"prompt": "a nurse", "images": 2.0, "seed": 7.0})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(len(r.json()["images"]), 2)

    def test_cors_is_off(self):
        # A page on another origin gets no permission to read answers, preflight or not.
        origin = {"Origin": "http://evil.example"}
        r = requests.options(self.url + "/v1/plan", headers=dict(
            origin, **{"Access-Control-Request-Method": "POST"}))
        self.assertNotIn("Access-Control-Allow-Origin", r.headers)
        r = requests.post(self.url + "/v1/plan", headers=dict(origin, **self.auth),
                          json={"prompt": "a cat"})
        self.assertEqual(r.status_code, 200)
        self.assertNotIn("Access-Control-Allow-Origin", r.headers)
        self.assertNotIn("Access-Control-Allow-Credentials", r.headers)

    def test_listens_on_loopback_by_default(self):
        self.log.seek(0)
        self.assertIn("listening on http://127.0.0.1:", self.log.read())


    def test_metrics_count_requests_plans_and_refusals(self):
        def counter(text, name):
            m = re.search("^" + re.escape(name) + r" ([0-9.e+]+)$", text, re.M)
            return float(m.group(1)) if m else 0.0

        self.assertEqual(requests.get(self.url + "/metrics").status_code, 401)
        before = requests.get(self.url + "/metrics", headers=self.auth)
        self.assertEqual(before.status_code, 200)
        self.assertTrue(before.headers["Content-Type"].startswith("text/plain"))
        requests.post(self.url + "/v1/plan", headers=self.auth, json={"prompt": "a cat"})
        requests.post(self.url + "/v1/plan", headers=self.auth, json={"prompt": "a nude child"})
        after = requests.get(self.url + "/metrics", headers=self.auth).text
        self.assertEqual(counter(after, "depict_plans_total"),
                         counter(before.text, "depict_plans_total") + 2)
        self.assertGreaterEqual(
            counter(after, 'depict_refusals_total{category="sexual_minors"}'),
            counter(before.text, 'depict_refusals_total{category="sexual_minors"}') + 1)
        self.assertGreaterEqual(counter(after, 'depict_http_responses_total{code="200"}'), 3)
        self.assertIn('depict_jobs{state="queued"} 0', after)

    def test_jobs_queue_report_stream_and_cancel(self):
        jobs = self.url + "/v1/jobs"
        small = {"width": 64, "height": 64, "steps": 2, "n": 2}
        r = requests.post(jobs, headers=self.auth, json=dict(prompt="a nurse", **small))
        self.assertEqual(r.status_code, 202)
        job = r.json()["id"]
        self.assertEqual(r.headers["Location"], "/v1/jobs/" + job)
        # The events stream: progress, then the result, then the stream ends.
        events = []
        with requests.get(jobs + "/" + job + "/events", headers=self.auth, stream=True,
                          timeout=120) as stream:
            self.assertTrue(stream.headers["Content-Type"].startswith("text/event-stream"))
            name = None
            for line in stream.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    name = line[len("event: "):]
                elif line.startswith("data: "):
                    events.append((name, json.loads(line[len("data: "):])))
        self.assertEqual(events[-1][0], "completed")
        self.assertTrue(all(e[0] == "progress" for e in events[:-1]))
        done = requests.get(jobs + "/" + job, headers=self.auth).json()
        self.assertEqual(done["status"], "completed")
        images = done["result"]["images"]
        self.assertEqual(len(images), 2)
        for image in images:
            png = Image.open(io.BytesIO(base64.b64decode(image["b64_png"])))
            self.assertEqual(png.size, (64, 64))
            self.assertIn("nurse", image["prompt"])
            self.assertTrue(image["cast"]["people"])
        # Another caller sees no such job and cannot cancel it.
        other = {"Authorization": "Bearer " + KEY2}
        self.assertEqual(requests.get(jobs + "/" + job, headers=other).status_code, 404)
        self.assertEqual(requests.delete(jobs + "/" + job, headers=other).status_code, 404)
        self.assertEqual(requests.get(jobs + "/0123456789abcdef", headers=self.auth).status_code,
                         404)
        # A refused prompt is answered at once; bad limits too.
        refused = requests.post(jobs, headers=self.auth, json=dict(prompt="a nude child", **small))
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(refused.json()["error"]["type"], "refused")
        self.assertEqual(requests.post(jobs, headers=self.auth,
                                       json={"prompt": "a cat", "steps": 9999}).status_code, 400)
        # A job behind a long one is still queued when cancelled, and ends cancelled.
        long = requests.post(jobs, headers=self.auth,
                             json={"prompt": "a lighthouse", "width": 256, "height": 256,
                                   "steps": 150, "n": 4}).json()["id"]
        queued = requests.post(jobs, headers=self.auth,
                               json=dict(prompt="a cat", **small)).json()["id"]
        status = requests.get(jobs + "/" + queued, headers=self.auth).json()
        self.assertEqual(status["status"], "queued")
        self.assertIn(status["queue_position"], (0, 1))  # 1 while the long one is not yet taken
        self.assertEqual(requests.delete(jobs + "/" + queued, headers=self.auth).json()["status"],
                         "cancelled")
        # The running one stops after its current step.
        requests.delete(jobs + "/" + long, headers=self.auth)
        deadline = time.time() + 60
        while time.time() < deadline:
            state = requests.get(jobs + "/" + long, headers=self.auth).json()["status"]
            if state not in ("queued", "running"):
                break
            time.sleep(0.05)
        self.assertEqual(state, "cancelled")


class RateLimitTest(unittest.TestCase):
    """A caller over its rate gets 429 with Retry-After; another caller is not affected."""

    def test_a_burst_then_429_with_retry_after(self):
        work = tempfile.mkdtemp(prefix="depict_rate_")
        model = os.path.join(work, "tiny.safetensors")
        subprocess.run([MAKE_TINY, os.path.join(FIXTURES, "pipeline", "tiny_sd1.safetensors"),
                        model], check=True)
        with open(os.path.join(work, "serve.log"), "w+") as log:
            proc, port = start_server(["--model", model, "--rate-limit", "6", "--rate-burst", "3"],
                                      log)
            try:
                url = "http://127.0.0.1:%d/v1/plan" % port
                codes = [requests.post(url, json={"prompt": "a cat"}) for _ in range(5)]
                self.assertEqual([r.status_code for r in codes], [200, 200, 200, 429, 429])
                self.assertEqual(codes[3].json()["error"]["type"], "rate_limited")
                self.assertGreaterEqual(int(codes[3].headers["Retry-After"]), 1)
                # The health check is never limited.
                self.assertEqual(requests.get("http://127.0.0.1:%d/healthz" % port).status_code,
                                 200)
            finally:
                proc.terminate()
                proc.wait(timeout=30)

if __name__ == "__main__":
    unittest.main(verbosity=2)
