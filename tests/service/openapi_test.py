"""The OpenAPI document `depict serve` publishes at /openapi.json
(src/service/assets/openapi.json, compiled in), checked against the server itself: the document
is valid OpenAPI 3.1, it documents exactly the routes the server registers, every documented
path answers, the errors it documents (401, 404, 429, the refusal) are what the server sends,
and schemathesis (pinned in tests/service/requirements.txt) fuzzes every operation and finds no
server error and no answer the document does not describe. The server runs the tiny random
checkpoint with small limits so that generation stays fast."""
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ElementTree

import jsonschema_rs
import requests
import schemathesis
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

import serve_util

DEPICT = os.environ["DEPICT"]
FIXTURES = os.environ["DEPICT_FIXTURES"]
MODELS = os.environ["DEPICT_MODELS_DIR"]
MAKE_TINY = os.environ["MAKE_TINY_CHECKPOINT"]
KEY = "openapi-test-key"
DOCUMENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "service",
                        "assets", "openapi.json")
SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")

# Every route depict serve registers, as (method, path in OpenAPI's form), from the
# http.Get/Post/Delete calls in src/service/: RegisterA1111 (a1111_api.cc, the four empty lists
# registered in one loop), RegisterOpenAi (openai_api.cc), RegisterDepict (depict_api.cc),
# RegisterJobs (jobs_api.cc: the regex ([0-9a-f]{16}) is {id}) and RegisterAssets
# (assets_api.cc: the regex ([A-Za-z0-9_.-]+) is {name}). Keep it in step with those files.
ROUTES = {
    ("post", "/sdapi/v1/txt2img"),
    ("post", "/sdapi/v1/img2img"),
    ("get", "/sdapi/v1/progress"),
    ("post", "/sdapi/v1/interrupt"),
    ("post", "/sdapi/v1/skip"),
    ("get", "/sdapi/v1/options"),
    ("post", "/sdapi/v1/options"),
    ("get", "/sdapi/v1/sd-models"),
    ("get", "/sdapi/v1/samplers"),
    ("get", "/sdapi/v1/schedulers"),
    ("get", "/sdapi/v1/loras"),
    ("get", "/sdapi/v1/upscalers"),
    ("get", "/sdapi/v1/latent-upscale-modes"),
    ("get", "/sdapi/v1/sd-vae"),
    ("post", "/sdapi/v1/refresh-loras"),
    ("post", "/v1/images/generations"),
    ("get", "/v1/models"),
    ("get", "/healthz"),
    ("get", "/metrics"),
    ("post", "/v1/plan"),
    ("post", "/v1/admin/reload"),
    ("post", "/v1/jobs"),
    ("get", "/v1/jobs/{id}"),
    ("delete", "/v1/jobs/{id}"),
    ("get", "/v1/jobs/{id}/events"),
    ("get", "/"),
    ("get", "/openapi.json"),
    ("get", "/assets/{name}"),
}
# Served without a key (service.cc's pre-routing handler: /healthz and IsPublicAsset).
PUBLIC = {("get", "/healthz"), ("get", "/"), ("get", "/openapi.json"), ("get", "/assets/{name}")}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# The test server's limits; the document publishes the defaults (--max-side 2048, --max-steps
# 150, --max-images 16). Every image is 64x64 so that generating stays cheap; steps stay at 20
# because OpenAI's API has no steps field and asks for 20. "model" is the one checkpoint.
LIMITS = {"max_side": 64, "max_steps": 20, "max_images": 2, "model": "tiny"}
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,response_headers_conformance")
# A guard against a hang, not a speed check: the whole run takes 30-60 s on 2 quiet cores, and
# CI measured 115 s before its last phase with other service tests running beside it.
SCHEMATHESIS_SECONDS = 420


def narrow_limits(raw_schema, limits):
    """Lowers the document's default limits to the test server's and names its one checkpoint,
    so that the requests schemathesis makes as valid are mostly ones this server runs (and the
    boundaries it tries are this server's)."""
    defaults = {2048: limits["max_side"], 150: limits["max_steps"], 16: limits["max_images"]}
    changed = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "integer" and node.get("maximum") in defaults:
                changed.append(node["maximum"])
                node["maximum"] = defaults[node["maximum"]]
                if node.get("default", 0) > node["maximum"]:
                    node["default"] = node["maximum"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(raw_schema)
    schemas = raw_schema["components"]["schemas"]
    # batch_size * n_iter images: with n_iter 1, every batch_size the document allows runs.
    schemas["Txt2ImgRequest"]["properties"]["n_iter"]["maximum"] = 1
    model = {"type": "string", "enum": [limits["model"]]}
    schemas["Txt2ImgRequest"]["properties"]["override_settings"]["properties"][
        "sd_model_checkpoint"] = model
    schemas["ImagesRequest"]["properties"]["model"] = model
    schemas["JobRequest"]["properties"]["model"] = model
    # The value a case gives the properties it does not vary: few steps, so that each case
    # that generates is quick (a request that leaves steps out still gets the server's 20).
    for name in ("Txt2ImgRequest", "JobRequest"):
        schemas[name]["properties"]["steps"]["default"] = 2
    size = schemas["ImagesRequest"]["properties"]["size"]
    sides = "|".join(str(side) for side in range(64, limits["max_side"] + 1, 64))
    size["pattern"] = "^(%s)x(%s)$" % (sides, sides)
    size["default"] = "64x64"
    # Sides in txt2img and jobs (2 each), steps in both, batch_size, n_iter, n twice (OpenAI,
    # jobs), images twice (jobs, the plan): a document whose limits moved moves this list too.
    if sorted(changed) != [16] * 6 + [150] * 2 + [2048] * 4:
        raise ValueError("unexpected limits in the document: %s" % sorted(changed))
    return raw_schema


HOOKS = '''"""schemathesis hooks of tests/service/openapi_test.py (written by it)."""
import schemathesis

LIMITS = %r

%s

@schemathesis.hook
def before_load_schema(context, raw_schema):
    narrow_limits(raw_schema, LIMITS)
''' % (LIMITS, inspect.getsource(narrow_limits))

# schemathesis.toml. Deterministic: the same cases on every run (no seed drawn, no database of
# past failures). The operations that run the model (tag "generation") get fewer fuzzed cases,
# and their boundary cases only where they break the document (each valid one generates images:
# far too slow on 2 cores); the fuzzing phase still sends them valid requests.
CONFIG = '''
hooks = "%s"

[generation]
max-examples = 40
database = "none"
deterministic = true

[phases.stateful]
max-steps = 6

[phases.stateful.generation]
max-examples = 15

[[operations]]
include-tag = "generation"

[operations.generation]
max-examples = 10

[operations.phases.coverage.generation]
mode = "negative"
'''


def start_server(args, log):
    """`depict serve ARGS` on a free loopback port, two threads (serve_util.py)."""
    return serve_util.start_server(args, log, threads=2)


def stop_server(proc, log):
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


def operations(doc):
    return {(method, path) for path, item in doc["paths"].items() for method in item
            if method in METHODS}


def resolve(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


class OpenApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="depict_openapi_")
        cls.model = os.path.join(cls.dir, "tiny.safetensors")
        # With a VAE encoder, so that img2img runs too.
        subprocess.run([MAKE_TINY, os.path.join(FIXTURES, "pipeline", "tiny_sd1.safetensors"),
                        cls.model, os.path.join(FIXTURES, "vae_encoder",
                                                "tiny_sd1_encoder.safetensors")], check=True)
        line = subprocess.run([DEPICT, "serve", "--hash-key", KEY], check=True,
                              capture_output=True, text=True).stdout
        cls.keys = os.path.join(cls.dir, "keys")
        with open(cls.keys, "w") as f:
            f.write(line)
        cls.log = open(os.path.join(cls.dir, "serve.log"), "w+")
        cls.proc, cls.port = start_server(cls.server_args(), cls.log)
        cls.url = "http://127.0.0.1:%d" % cls.port
        cls.auth = {"Authorization": "Bearer " + KEY}
        with open(DOCUMENT) as f:
            cls.doc = json.load(f)
        cls.schema = schemathesis.openapi.from_dict(cls.doc)

    @classmethod
    def server_args(cls):
        return ["--model", cls.model, "--api-key-file", cls.keys,
                "--max-side", str(LIMITS["max_side"]), "--max-steps", str(LIMITS["max_steps"]),
                "--max-images", str(LIMITS["max_images"])]

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.proc, cls.log)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def assertConforms(self, method, path, response):
        """The answer is one the document describes for (method, path): a documented status,
        a documented media type, the documented headers, a body its schema accepts."""
        what = "%s %s answered %d: %s" % (method.upper(), path, response.status_code,
                                          response.text[:300])
        documented = self.doc["paths"][path][method]["responses"]
        self.assertIn(str(response.status_code), documented, what)
        definition = resolve(self.doc, documented[str(response.status_code)])
        media = response.headers.get("Content-Type", "").split(";")[0].strip()
        self.assertIn(media, definition.get("content", {}), what)
        for name, header in definition.get("headers", {}).items():
            if resolve(self.doc, header).get("required"):
                self.assertIn(name, response.headers, what)
        try:
            self.schema[path][method.upper()].validate_response(response)
        except Exception as e:  # schemathesis' FailureGroup names every mismatch
            self.fail("%s\ndoes not match the document: %s" % (what, e))

    def assertComponent(self, name, value):
        """`value` is valid against the document's components/schemas/NAME."""
        validator = jsonschema_rs.Draft202012Validator(
            {"$ref": "#/components/schemas/" + name, "components": self.doc["components"]})
        errors = ["%s at %s" % (e.message, list(e.instance_path))
                  for e in validator.iter_errors(value)]
        self.assertEqual(errors, [], "%s: %s" % (name, json.dumps(value)[:1000]))

    def test_document_is_served_without_a_key_and_is_the_one_in_the_tree(self):
        r = requests.get(self.url + "/openapi.json", timeout=10)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.headers["Content-Type"].split(";")[0], "application/json")
        # The binary serves src/service/assets/openapi.json as it is (a stale build does not).
        self.assertEqual(r.json(), self.doc)
        self.assertConforms("get", "/openapi.json", r)

    def test_document_is_valid_openapi_31(self):
        self.assertEqual(self.doc["openapi"], "3.1.0")
        errors = [e.message for e in OPENAPI_31_VALIDATOR.iter_errors(self.doc)]
        self.assertEqual(errors, [])
        # OpenAPI 3.1's own schema leaves the Schema Objects alone: each is checked against
        # JSON Schema 2020-12, and every $ref must point into the document.
        for name, schema in self.doc["components"]["schemas"].items():
            with self.subTest(schema=name):
                jsonschema_rs.meta.validate(dict(schema, **{
                    "$schema": "https://json-schema.org/draft/2020-12/schema"}))
        refs = re.findall(r'"\$ref": "([^"]+)"', json.dumps(self.doc))
        self.assertGreater(len(refs), 50)
        for target in set(refs):
            with self.subTest(ref=target):
                self.assertTrue(target.startswith("#/"), target)
                self.assertIsInstance(resolve(self.doc, {"$ref": target}), dict)
        # schemathesis reads it as the server serves it, with every operation but the one that
        # serves the document (schemathesis leaves that out; the first test covers it).
        schema = schemathesis.openapi.from_url(self.url + "/openapi.json")
        loaded = {(op.method.lower(), op.path) for op in
                  (result.ok() for result in schema.get_all_operations())}
        self.assertEqual(loaded, operations(self.doc) - {("get", "/openapi.json")})

    def test_documented_operations_are_exactly_the_server_routes(self):
        documented = operations(self.doc)
        self.assertEqual(sorted(documented - ROUTES), [], "documented but not served")
        self.assertEqual(sorted(ROUTES - documented), [], "served but not documented")
        for method, path in documented:
            op = self.doc["paths"][path][method]
            with self.subTest(op="%s %s" % (method, path)):
                public = op.get("security", self.doc["security"]) == []
                self.assertEqual(public, (method, path) in PUBLIC)
                # Every keyed operation documents what the key check and the rate limit answer.
                if not public:
                    self.assertIn("401", op["responses"])
                    self.assertIn("429", op["responses"])

    def request(self, method, path, **kwargs):
        kwargs.setdefault("headers", self.auth)
        kwargs.setdefault("timeout", 60)
        return requests.request(method, self.url + path, **kwargs)

    def example_body(self, method, path):
        body = self.doc["paths"][path][method].get("requestBody")
        return body["content"]["application/json"]["example"] if body else None

    def test_every_documented_operation_answers_and_conforms(self):
        # A real job and a real asset, so that the routes with parameters answer too; a path
        # the server has no route for answers 404 (checked at the end).
        submitted = self.request("post", "/v1/jobs", json=self.example_body("post", "/v1/jobs"))
        self.assertConforms("post", "/v1/jobs", submitted)
        self.assertEqual(submitted.status_code, 202, submitted.text)
        job = submitted.json()["id"]
        self.assertEqual(submitted.headers["Location"], "/v1/jobs/" + job)
        page = requests.get(self.url + "/", timeout=10)
        assets = re.findall(r'"/assets/([A-Za-z0-9_.-]+)"', page.text)
        self.assertTrue(assets, "the page names no /assets/ file")
        values = {"id": job, "name": assets[0]}
        # DELETE last, so that the job's other routes see it; events wait for its end.
        order = sorted(operations(self.doc), key=lambda op: (op[0] == "delete", op[1]))
        for method, path in order:
            with self.subTest(op="%s %s" % (method, path)):
                url_path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
                body = self.example_body(method, path)
                r = self.request(method, url_path, json=body) if body is not None else \
                    self.request(method, url_path)
                self.assertNotEqual(r.status_code, 404, "%s %s: %s" % (method, url_path, r.text))
                self.assertLess(r.status_code, 300, "%s %s: %s" % (method, url_path, r.text))
                self.assertConforms(method, path, r)
                if path in ("/sdapi/v1/txt2img", "/sdapi/v1/img2img"):
                    # A1111's info is a JSON string: its schema (contentSchema) is not one
                    # that schemathesis reads, so it is checked here.
                    info = json.loads(r.json()["info"])
                    self.assertEqual(len(info["all_seeds"]), body["batch_size"])
                    self.assertComponent("Txt2ImgInfo", info)
        finished = self.request("get", "/v1/jobs/" + job).json()
        self.assertIn(finished["status"], ("completed", "cancelled"), finished)
        r = self.request("get", "/v1/no-such-route")
        self.assertEqual(r.status_code, 404)
        self.assertEqual(r.json()["error"]["type"], "not_found")

    def test_the_job_stream_conforms_event_by_event(self):
        body = dict(self.example_body("post", "/v1/jobs"), n=2, steps=3)
        job = self.request("post", "/v1/jobs", json=body).json()["id"]
        r = self.request("get", "/v1/jobs/%s/events" % job, stream=True)
        text = r.content.decode()
        self.assertConforms("get", "/v1/jobs/{id}/events", r)
        # Progress (as many as the stream saw: changes close together come as one), then the
        # end, then nothing.
        events = re.findall(r"^event: (\w+)$", text, re.M)
        self.assertEqual(events[-1:], ["completed"], text[-500:])
        self.assertEqual(set(events[:-1]) - {"progress"}, set(), text[:500])
        # The stream ends with the finished job and its images.
        last = json.loads(re.findall(r"^data: (.*)$", text, re.M)[-1])
        self.assertEqual(len(last["result"]["images"]), 2)

    def test_errors_are_the_documented_ones(self):
        # No key, a wrong one by HTTP Basic or as a bearer token: 401 on every keyed operation,
        # with a Basic challenge, or a Bearer one to a caller that sent a bearer token (a Basic
        # challenge would open a browser's own login prompt over the page).
        for method, path in sorted(operations(self.doc) - PUBLIC):
            url_path = path.replace("{id}", "0123456789abcdef")
            for headers, challenge in (({}, 'Basic realm="depict"'),
                                       ({"Authorization": "Basic d3Jvbmc6d3Jvbmc="},
                                        'Basic realm="depict"'),
                                       ({"Authorization": "Bearer wrong"},
                                        'Bearer realm="depict"')):
                with self.subTest(op="%s %s" % (method, path), headers=headers):
                    r = self.request(method, url_path, headers=headers)
                    self.assertEqual(r.status_code, 401, r.text)
                    self.assertEqual(r.headers.get("WWW-Authenticate"), challenge)
                    self.assertConforms(method, path, r)
        # HTTP Basic with the key as the password is the other documented scheme.
        r = self.request("get", "/v1/models", headers={}, auth=("anyone", KEY))
        self.assertEqual(r.status_code, 200, r.text)
        self.assertConforms("get", "/v1/models", r)
        # An unknown job: 404 on each of its routes.
        for method, path in (("get", "/v1/jobs/{id}"), ("delete", "/v1/jobs/{id}"),
                             ("get", "/v1/jobs/{id}/events")):
            r = self.request(method, path.replace("{id}", "0123456789abcdef"))
            self.assertEqual(r.status_code, 404, r.text)
            self.assertConforms(method, path, r)
        # A refused prompt: 400 with the refusal from every API that generates, 200 with the
        # decision from the plan.
        refused = "a nude child"
        for path, body in (("/sdapi/v1/txt2img", {"prompt": refused, "width": 64, "height": 64,
                                                  "steps": 2}),
                           ("/v1/images/generations", {"prompt": refused, "size": "64x64"}),
                           ("/v1/jobs", {"prompt": refused, "width": 64, "height": 64})):
            with self.subTest(op=path):
                r = self.request("post", path, json=body)
                self.assertEqual(r.status_code, 400, r.text)
                self.assertEqual(r.json()["error"]["type"], "refused")
                self.assertConforms("post", path, r)
        r = self.request("post", "/v1/plan", json={"prompt": refused, "images": 2})
        self.assertEqual(r.json()["decision"], "refuse")
        self.assertConforms("post", "/v1/plan", r)
        # A body over --max-body (1 MiB): 413 with the error body.
        r = self.request("post", "/v1/plan", data=b'{"prompt": "' + b"a" * (1 << 20) + b'"}')
        self.assertEqual(r.status_code, 413, r.text)
        self.assertConforms("post", "/v1/plan", r)
        # Out of the server's limits, and not JSON at all: 400 with the error body.
        for path, body in (("/sdapi/v1/txt2img", {"prompt": "a cat", "steps": 10000}),
                           ("/v1/plan", {"prompt": "a cat", "images": 10000}),
                           ("/v1/jobs", {"prompt": "a cat", "width": 100000})):
            with self.subTest(op=path):
                r = self.request("post", path, json=body)
                self.assertEqual(r.status_code, 400, r.text)
                self.assertConforms("post", path, r)
                r = self.request("post", path, data="not json")
                self.assertEqual(r.status_code, 400, r.text)
                self.assertConforms("post", path, r)

    def test_rate_limited_answers_are_the_documented_ones(self):
        log = open(os.path.join(self.dir, "rate.log"), "w+")
        proc, port = start_server(["--model", self.model, "--api-key-file", self.keys,
                                   "--rate-limit", "1", "--rate-burst", "1"], log)
        try:
            url = "http://127.0.0.1:%d" % port
            first = requests.get(url + "/v1/models", headers=self.auth, timeout=10)
            self.assertEqual(first.status_code, 200)
            for method, path in (("get", "/v1/models"), ("post", "/v1/plan")):
                r = requests.request(method, url + path, headers=self.auth, timeout=10,
                                     json={"prompt": "a cat"})
                self.assertEqual(r.status_code, 429, r.text)
                self.assertGreaterEqual(int(r.headers["Retry-After"]), 1)
                self.assertConforms(method, path, r)
        finally:
            stop_server(proc, log)

    def test_schemathesis_finds_no_failure(self):
        # A server of its own, so that a crash it finds shows here and nowhere else.
        work = tempfile.mkdtemp(prefix="schemathesis_", dir=self.dir)
        log = open(os.path.join(work, "serve.log"), "w+")
        proc, port = start_server(self.server_args(), log)
        try:
            code, output, junit = self.run_schemathesis(work, "http://127.0.0.1:%d" % port)
            alive = proc.poll() is None
            log.seek(0)
            server_log = log.read()
        finally:
            stop_server(proc, log)
        self.assertIsNotNone(code, "schemathesis ran past %d s" % SCHEMATHESIS_SECONDS)
        self.assertTrue(alive, "the server died; its log:\n" + server_log[-3000:])
        self.assertEqual(code, 0, "schemathesis found failures (above); the server's log:\n" +
                         server_log[-3000:])
        self.assertNotIn("internal error", server_log)
        # It ran what it was asked: every operation (but the document's own), in every phase,
        # with enough cases, and the report lists each operation without a failure.
        tested = operations(self.doc) - {("get", "/openapi.json")}
        m = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", output)
        self.assertIsNotNone(m, output)
        self.assertEqual([int(n) for n in m.groups()], [len(tested)] * 3)
        m = re.search(r"(\d+) generated, (\d+) passed", output)
        self.assertIsNotNone(m, output)
        self.assertGreater(int(m.group(1)), 25 * len(tested))
        self.assertEqual(m.group(1), m.group(2))
        for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
            self.assertRegex(output, r"✅\s+%s \(in " % phase)
        cases = ElementTree.parse(junit).getroot().findall(".//testcase")
        # One case per operation, and the stateful phase's scenarios as one more.
        self.assertEqual(sorted(c.get("name") for c in cases if c.get("name") != "Stateful tests"),
                         sorted("%s %s" % (method.upper(), path) for method, path in tested))
        self.assertEqual([c.get("name") for c in cases
                          if c.find("failure") is not None or c.find("error") is not None], [])

    def run_schemathesis(self, work, url):
        """Runs schemathesis on the document `url` serves; returns its exit code (None when it
        ran out of time), its output (long lines shortened) and its JUnit report's path."""
        hooks = os.path.join(work, "hooks.py")
        with open(hooks, "w") as f:
            f.write(HOOKS)
        config = os.path.join(work, "schemathesis.toml")
        with open(config, "w") as f:
            f.write(CONFIG % hooks)
        junit = os.path.join(work, "junit.xml")
        command = [SCHEMATHESIS, "--config-file", config, "run", url + "/openapi.json",
                   "--checks", CHECKS, "--header", "Authorization: Bearer " + KEY,
                   "--workers", "1", "--request-timeout", "60", "--continue-on-failure",
                   "--no-color", "--report", "junit", "--report-junit-path", junit]
        started = time.time()
        try:
            run = subprocess.run(command, cwd=work, capture_output=True, text=True,
                                 timeout=SCHEMATHESIS_SECONDS)
            output, code = run.stdout + run.stderr, run.returncode
        except subprocess.TimeoutExpired as e:
            output, code = (e.stdout or b"").decode(errors="replace"), None
        output = "\n".join(line if len(line) < 500 else line[:400] + " ... (%d characters)" %
                           len(line) for line in output.splitlines())
        print("schemathesis: %.0f s, exit %s\n%s" % (time.time() - started, code, output),
              file=sys.stderr)
        return code, output, junit


if __name__ == "__main__":
    unittest.main(verbosity=2)
