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

DEPICT = os.environ["DEPICT"]
FIXTURES = os.environ["DEPICT_FIXTURES"]
MODELS = os.environ["DEPICT_MODELS_DIR"]
MAKE_TINY = os.environ["MAKE_TINY_CHECKPOINT"]
KEY = "correct-horse-battery-staple"


class ServeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="depict_serve_")
        cls.checkpoints = os.path.join(cls.dir, "checkpoints")
        os.mkdir(cls.checkpoints)
        cls.model = os.path.join(cls.checkpoints, "tiny.safetensors")
        subprocess.run([MAKE_TINY, os.path.join(FIXTURES, "pipeline", "tiny_sd1.safetensors"),
                        cls.model], check=True)
        line = subprocess.run([DEPICT, "serve", "--hash-key", KEY], check=True,
                              capture_output=True, text=True).stdout
        keys = os.path.join(cls.dir, "keys")
        with open(keys, "w") as f:
            f.write("# depict serve --hash-key KEY\n" + line)
        cls.log = open(os.path.join(cls.dir, "serve.log"), "w+")
        cls.proc = subprocess.Popen(
            [DEPICT, "serve", "--model", cls.model, "--checkpoints", cls.checkpoints,
             "--models-dir", MODELS, "--port", "0", "--api-key-file", keys, "--threads", "2"],
            stderr=cls.log)
        deadline = time.time() + 60
        cls.port = None
        while time.time() < deadline and cls.port is None:
            time.sleep(0.1)
            cls.log.seek(0)
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", cls.log.read())
            if m:
                cls.port = int(m.group(1))
            elif cls.proc.poll() is not None:
                break
        if cls.port is None:
            cls.log.seek(0)
            raise RuntimeError("depict serve did not start: " + cls.log.read())
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
                            ({"prompt": "a cat", "width": "wide"}, "wrong type")):
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

    def test_listens_on_loopback_by_default(self):
        self.log.seek(0)
        self.assertIn("listening on http://127.0.0.1:", self.log.read())


if __name__ == "__main__":
    unittest.main(verbosity=2)
